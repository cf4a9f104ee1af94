#include "providers/tdx/tdx_provider.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "common/digest.h"
#include "providers/eventlog/cc_eventlog.h"
#include "providers/tdx/abi.h"
#include "providers/tdx/quote.h"
#include "providers/tdx/tdreport.h"
#include "providers/tdx/tsm_mr.h"
#include "providers/tsm/tsm_detect.h"
#include "providers/tsm/tsm_report.h"

namespace attest {
namespace {

constexpr std::string_view kTsmProvider = "tdx_guest";

// An optional input of the event log: absent (ENOENT) is nullopt, any other failure is reported.
Result<std::optional<Bytes>> read_optional(Os& os, const std::filesystem::path& p,
                                           std::size_t max_size, std::string_view what) {
  auto data = read_file(os, p, max_size);
  if (!data && data.error().os_errno == ENOENT) return std::optional<Bytes>{};
  if (!data) return std::unexpected(std::move(data.error()).with_context(what));
  return std::optional<Bytes>(std::move(*data));
}

// cc_eventlog as guest-components sends it (providers/eventlog/cc_eventlog.h): the CCEL (ACPI
// CCEL data, kernel >= 6.4; the file is the whole log area, LAML bytes, mostly 0xFF padding)
// trimmed to its records, the agent's AAEL, the end marker. Neither present: null.
Result<std::optional<Bytes>> read_cc_eventlog(Os& os, const ProviderConfig& cfg) {
  auto ccel = read_optional(os, cfg.ccel_data, 16u << 20, "tdx: read CCEL");
  if (!ccel) return std::unexpected(std::move(ccel.error()));
  auto aael = read_optional(os, cfg.aael_path, eventlog::kMaxAaelSize, "tdx: read AAEL");
  if (!aael) return std::unexpected(std::move(aael.error()));
  return with_context(eventlog::assemble_cc_eventlog(*ccel, *aael, HashAlg::Sha384),
                      "tdx: event log");
}

class TdxProvider final : public EvidenceProvider {
 public:
  TdxProvider(Os& os, ProviderConfig cfg) : os_(os), cfg_(std::move(cfg)) {}
  TeeKind kind() const override { return TeeKind::Tdx; }

  Result<Evidence> get_evidence(ByteView report_data) override {
    auto rd = pad_report_data(report_data);
    if (!rd) return std::unexpected(std::move(rd.error()).with_context("tdx"));
    if (!os_.exists(cfg_.tsm_report_dir)) {
      if (os_.exists(cfg_.tdx_guest_device))
        return fail(Code::Unsupported, "tdx: no quote available: configfs-tsm is absent (" +
                                           cfg_.tsm_report_dir.string() +
                                           "); a TDREPORT cannot be verified remotely");
      return fail(Code::NotFound, "tdx: neither configfs-tsm (" + cfg_.tsm_report_dir.string() +
                                      ") nor " + cfg_.tdx_guest_device.string() + " exists");
    }
    auto out = tsm_get_report(os_, cfg_, kTsmProvider, *rd, std::nullopt);
    if (!out) return std::unexpected(std::move(out.error()).with_context("tdx"));
    auto log = read_cc_eventlog(os_, cfg_);
    if (!log) return std::unexpected(std::move(log.error()));
    Evidence ev;
    ev.tee = TeeKind::Tdx;
    ev.json = tdx::evidence_json(out->outblob, *log);
    ev.raw = std::move(out->outblob);
    return ev;
  }

  // RTMR extend through tsm-mr only: upstream's other path (libtdx_attest's EXTEND_RTMR ioctl)
  // exists only in Intel's downstream kernels.
  Result<void> extend(unsigned pcr, ByteView digest) override {
    auto reg = runtime_register(pcr);
    if (!reg) return std::unexpected(std::move(reg.error()));
    return tdx::extend_rtmr(os_, cfg_, reg->log_index - 1, digest);
  }

  Result<RuntimeRegister> runtime_register(unsigned pcr) const override {
    if (!tdx::tsm_mr_present(os_, cfg_))
      return unsupported("cannot extend RTMRs here: the kernel's tsm-mr interface (" +
                         cfg_.tdx_measurements_dir.string() + ", Linux 6.16+) is absent");
    return RuntimeRegister{tdx::pcr_to_ccmr(pcr), HashAlg::Sha384};
  }

  Result<Bytes> read_register(unsigned pcr) override {
    auto reg = runtime_register(pcr);
    if (!reg) return std::unexpected(std::move(reg.error()));
    return tdx::read_rtmr(os_, cfg_, reg->log_index - 1);
  }

  // MRCONFIGID from tsm-mr, else from a TDREPORT (/dev/tdx_guest), else from a quote: the
  // same sources guest-components' bind_init_data reads, plus the quote for kernels that have
  // configfs-tsm but neither of the others.
  Result<Bytes> initdata_slot() override {
    if (tdx::tsm_mr_present(os_, cfg_)) return tdx::read_mrconfigid(os_, cfg_);
    const std::array<std::uint8_t, 64> zero{};
    if (os_.exists(cfg_.tdx_guest_device)) {
      auto raw = tdx::get_tdreport(os_, cfg_, zero);
      if (!raw) return std::unexpected(std::move(raw.error()));
      auto report = tdx::parse_tdreport(*raw);
      if (!report) return std::unexpected(std::move(report.error()).with_context("tdx"));
      return Bytes(report->mr_config_id.begin(), report->mr_config_id.end());
    }
    auto ev = get_evidence(zero);
    if (!ev) return std::unexpected(std::move(ev.error()));
    auto quote = tdx::parse_quote(ev->raw);
    if (!quote) return std::unexpected(std::move(quote.error()).with_context("tdx"));
    return Bytes(quote->body.mr_config_id.begin(), quote->body.mr_config_id.end());
  }

 private:
  Os& os_;
  ProviderConfig cfg_;
};

Result<bool> detect_tdx(Os& os, const ProviderConfig& cfg) {
  if (os.exists(cfg.tdx_guest_device)) return true;
  return tsm_provider_is(os, cfg, kTsmProvider);
}

Result<std::unique_ptr<EvidenceProvider>> create_tdx(Os& os, const ProviderConfig& cfg) {
  return std::make_unique<TdxProvider>(os, cfg);
}

}  // namespace

ProviderInfo tdx_provider_info() {
  return {TeeKind::Tdx,
          "Intel TDX: DCAP quote via configfs-tsm (tdx_guest) with the CCEL event log", detect_tdx,
          create_tdx};
}

namespace tdx {

Result<Bytes> get_tdreport(Os& os, const ProviderConfig& cfg, ByteView report_data) {
  auto rd = pad_report_data(report_data);
  if (!rd) return std::unexpected(std::move(rd.error()).with_context("tdx"));
  auto fd = os.open(cfg.tdx_guest_device, O_RDWR);
  if (!fd) return std::unexpected(std::move(fd.error()).with_context("tdx"));
  TdxReportReq req{};
  std::memcpy(req.reportdata, rd->data(), kReportDataLen);
  auto rc = os.ioctl(*fd, kTdxCmdGetReport0, &req);
  if (!rc) return std::unexpected(std::move(rc.error()).with_context("tdx: TDX_CMD_GET_REPORT0"));
  ATTEST_TRY(with_context(os.close(std::move(*fd)), "tdx: close"));
  return Bytes(std::begin(req.tdreport), std::end(req.tdreport));
}

nlohmann::json evidence_json(ByteView quote, const std::optional<Bytes>& ccel) {
  nlohmann::json j;
  j["cc_eventlog"] = ccel ? nlohmann::json(base64_encode(*ccel)) : nlohmann::json(nullptr);
  j["quote"] = base64_encode(quote);
  return j;
}

}  // namespace tdx
}  // namespace attest
