#include "providers/tdx/tsm_mr.h"

#include <string>

namespace attest::tdx {
namespace {

std::filesystem::path rtmr_path(const ProviderConfig& cfg, unsigned rtmr) {
  return cfg.tdx_measurements_dir / ("rtmr" + std::to_string(rtmr) + ":sha384");
}

Result<void> check_rtmr(unsigned rtmr) {
  if (rtmr > 3)
    return fail(Code::InvalidArgument, "tdx: RTMR" + std::to_string(rtmr) + " does not exist");
  return {};
}

Result<Bytes> read_register_file(Os& os, const std::filesystem::path& p) {
  auto value = read_file(os, p, 4096);
  if (!value) return std::unexpected(std::move(value.error()).with_context("tdx: tsm-mr"));
  if (value->size() != kRegisterSize)
    return fail(Code::Corrupt, "tdx: tsm-mr: " + p.string() + " holds " +
                                   std::to_string(value->size()) + " bytes, not 48");
  return value;
}

}  // namespace

std::uint32_t pcr_to_ccmr(unsigned pcr) {
  if (pcr == 1 || pcr == 7) return 1;
  if (pcr >= 2 && pcr <= 6) return 2;
  if (pcr >= 8 && pcr <= 15) return 3;
  return 4;
}

bool tsm_mr_present(Os& os, const ProviderConfig& cfg) {
  return os.exists(cfg.tdx_measurements_dir);
}

Result<void> extend_rtmr(Os& os, const ProviderConfig& cfg, unsigned rtmr, ByteView data) {
  ATTEST_TRY(check_rtmr(rtmr));
  if (data.size() != kRegisterSize)
    return fail(Code::InvalidArgument,
                "tdx: an RTMR extend takes 48 bytes (SHA-384), not " + std::to_string(data.size()));
  return with_context(write_file_once(os, rtmr_path(cfg, rtmr), data),
                      "tdx: extend RTMR" + std::to_string(rtmr));
}

Result<Bytes> read_rtmr(Os& os, const ProviderConfig& cfg, unsigned rtmr) {
  ATTEST_TRY(check_rtmr(rtmr));
  return read_register_file(os, rtmr_path(cfg, rtmr));
}

Result<Bytes> read_mrconfigid(Os& os, const ProviderConfig& cfg) {
  return read_register_file(os, cfg.tdx_measurements_dir / "mrconfigid");
}

}  // namespace attest::tdx
