#include "providers/snp/snp_provider.h"

#include <algorithm>

#include "providers/snp/cert_table.h"
#include "providers/snp/report.h"
#include "providers/snp/sev_guest_device.h"
#include "providers/tsm/tsm_detect.h"
#include "providers/tsm/tsm_report.h"

namespace attest {
namespace {

constexpr std::string_view kTsmProvider = "sev_guest";

class SnpProvider final : public EvidenceProvider {
 public:
  SnpProvider(Os& os, ProviderConfig cfg) : os_(os), cfg_(std::move(cfg)) {}
  TeeKind kind() const override { return TeeKind::Snp; }

  // configfs-tsm first (it serializes requests and handles the certificate buffer itself);
  // the device only where configfs-tsm is absent, not serving sev_guest, or not preferred.
  Result<Evidence> get_evidence(ByteView report_data) override {
    auto rd = pad_report_data(report_data);
    if (!rd) return std::unexpected(std::move(rd.error()).with_context("snp"));
    const bool have_tsm = os_.exists(cfg_.tsm_report_dir);
    const bool have_device = os_.exists(cfg_.sev_guest_device);
    if (have_tsm && (cfg_.prefer_configfs || !have_device)) {
      auto out = tsm_get_report(os_, cfg_, kTsmProvider, *rd, cfg_.snp_vmpl);
      if (out) return snp::make_evidence(std::move(out->outblob), out->auxblob, *rd);
      if (out.error().code != Code::NotFound || !have_device)
        return std::unexpected(std::move(out.error()).with_context("snp"));
    }
    if (!have_device)
      return fail(Code::NotFound, "snp: neither configfs-tsm (" + cfg_.tsm_report_dir.string() +
                                      ") nor " + cfg_.sev_guest_device.string() + " exists");
    auto dev = snp::sev_guest_ext_report(os_, cfg_.sev_guest_device, *rd, cfg_.snp_vmpl);
    if (!dev) return std::unexpected(std::move(dev.error()));
    return snp::make_evidence(std::move(dev->report), dev->cert_table, *rd);
  }

  // HOST_DATA (32 bytes), which the host sets at launch and Trustee compares with the init-data
  // digest. A report is the only place the guest can read it (guest-components'
  // snp/hostdata.rs asks for one too).
  Result<Bytes> initdata_slot() override {
    const std::array<std::uint8_t, 64> zero{};
    auto ev = get_evidence(zero);
    if (!ev) return std::unexpected(std::move(ev.error()));
    auto report = snp::parse_report(ev->raw);
    if (!report) return std::unexpected(std::move(report.error()).with_context("snp"));
    return Bytes(report->host_data.begin(), report->host_data.end());
  }

 private:
  Os& os_;
  ProviderConfig cfg_;
};

Result<bool> detect_snp(Os& os, const ProviderConfig& cfg) {
  if (os.exists(cfg.sev_guest_device) || os.exists(cfg.sev_guest_sysfs)) return true;
  return tsm_provider_is(os, cfg, kTsmProvider);
}

Result<std::unique_ptr<EvidenceProvider>> create_snp(Os& os, const ProviderConfig& cfg) {
  return std::make_unique<SnpProvider>(os, cfg);
}

}  // namespace

ProviderInfo snp_provider_info() {
  return {TeeKind::Snp,
          "AMD SEV-SNP: attestation report and certificates via configfs-tsm (sev_guest) or "
          "/dev/sev-guest",
          detect_snp, create_snp};
}

namespace snp {

Result<Evidence> make_evidence(Bytes report, ByteView cert_table, ByteView expected_report_data) {
  auto parsed = parse_report(report);
  if (!parsed) return std::unexpected(std::move(parsed.error()).with_context("snp"));
  if (!std::ranges::equal(parsed->report_data, expected_report_data))
    return fail(Code::Internal, "snp: the report carries REPORT_DATA other than requested");
  auto certs = parse_cert_table(cert_table);
  if (!certs)
    return std::unexpected(std::move(certs.error()).with_context("snp: certificate table"));
  Evidence ev;
  ev.tee = TeeKind::Snp;
  ev.json["attestation_report"] = report_to_trustee_json(*parsed);
  ev.json["cert_chain"] =
      certs->empty() ? nlohmann::json(nullptr) : cert_chain_to_trustee_json(*certs);
  if (!certs->empty()) ev.aux = build_cert_table(*certs);
  ev.raw = std::move(report);
  return ev;
}

}  // namespace snp
}  // namespace attest
