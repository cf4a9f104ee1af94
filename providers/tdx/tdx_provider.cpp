#include "providers/tdx/tdx_provider.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "providers/tdx/abi.h"
#include "providers/tsm/tsm_detect.h"
#include "providers/tsm/tsm_report.h"

namespace attest {
namespace {

constexpr std::string_view kTsmProvider = "tdx_guest";

// The CC event log (ACPI CCEL data, kernel >= 6.4). Absent is fine (null in the evidence);
// any other failure is reported. The file is the whole log area (LAML bytes); its unused
// 0xFF tail is sent as is: the log ends at the first record whose PCR index is 0xFFFFFFFF.
Result<std::optional<Bytes>> read_ccel(Os& os, const ProviderConfig& cfg) {
  auto data = read_file(os, cfg.ccel_data);
  if (!data && data.error().os_errno == ENOENT) return std::optional<Bytes>{};
  if (!data) return std::unexpected(std::move(data.error()).with_context("tdx: read CCEL"));
  return std::optional<Bytes>(std::move(*data));
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
    auto ccel = read_ccel(os_, cfg_);
    if (!ccel) return std::unexpected(std::move(ccel.error()));
    Evidence ev;
    ev.tee = TeeKind::Tdx;
    ev.json = tdx::evidence_json(out->outblob, *ccel);
    ev.raw = std::move(out->outblob);
    return ev;
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
