#include "providers/azure/az_vtpm_provider.h"

#include "providers/tpm/esys.h"
#include "providers/tpm/nv.h"
#include "providers/tpm/pcr.h"
#include "providers/tpm/quote.h"
#include "providers/tpm/runtime_pcr.h"

namespace attest::azure {
namespace {

using tpm::Esys;

std::string tee_label(HclTee tee) { return tee == HclTee::Snp ? "SNP" : "TDX"; }

// Writes the report data to 0x01400002, (re)defining the index when it is absent or of another
// size, as azure-cvm-tooling does: the HCL reads exactly dataSize bytes.
Result<void> write_report_data(Esys& esys, ByteView data) {
  auto pub = tpm::nv_read_public(esys, kReportDataIndex);
  if (!pub && pub.error().code != Code::NotFound) return std::unexpected(std::move(pub.error()));
  const bool fits = pub && pub->size == data.size();
  if (pub && !fits) {
    if (auto r = tpm::nv_undefine(esys, kReportDataIndex); !r) return r;
  }
  if (!fits) {
    if (auto r = tpm::nv_define(esys, kReportDataIndex, static_cast<std::uint16_t>(data.size()));
        !r)
      return r;
  }
  return tpm::nv_write(esys, kReportDataIndex, data);
}

class AzVtpmProvider final : public EvidenceProvider {
 public:
  AzVtpmProvider(TeeKind kind, Os& os, ProviderConfig cfg, AzVtpmOptions options)
      : kind_(kind), os_(os), cfg_(std::move(cfg)), options_(std::move(options)) {}

  TeeKind kind() const override { return kind_; }

  Result<Evidence> get_evidence(ByteView report_data) override {
    auto ev = collect(report_data);
    if (!ev) return std::unexpected(std::move(ev.error()).with_context(name()));
    return ev;
  }

  // Runtime measurements and init-data go to the vTPM's SHA-256 PCRs, as guest-components'
  // az-*-vtpm attesters do (az_snp_vtpm/mod.rs, az_tdx_vtpm/mod.rs @8246e5e0).
  Result<void> extend(unsigned pcr, ByteView digest) override {
    ATTEST_TRY(tpm::sha256_pcr_register(pcr));
    auto esys = Esys::open(cfg_.tcti);
    if (!esys) return std::unexpected(std::move(esys.error()));
    return tpm::pcr_extend(*esys, pcr, digest);
  }
  Result<RuntimeRegister> runtime_register(unsigned pcr) const override {
    return tpm::sha256_pcr_register(pcr);
  }
  Result<Bytes> read_register(unsigned pcr) override {
    return tpm::read_sha256_pcr(cfg_.tcti, pcr);
  }

 private:
  HclTee want() const { return kind_ == TeeKind::AzSnpVtpm ? HclTee::Snp : HclTee::Tdx; }

  Result<Evidence> collect(ByteView report_data) {
    if (report_data.empty() || report_data.size() > kMaxReportData)
      return fail(Code::InvalidArgument, "report data is " + std::to_string(report_data.size()) +
                                             " bytes; the vTPM takes 1 to 64");
    auto esys = Esys::open(cfg_.tcti);
    if (!esys) return std::unexpected(std::move(esys.error()));
    if (auto w = write_report_data(*esys, report_data); !w)
      return std::unexpected(std::move(w.error()));
    os_.clock().sleep_for(options_.report_settle);
    auto hcl = tpm::nv_read(*esys, kHclReportIndex);
    if (!hcl) return std::unexpected(std::move(hcl.error()));
    auto tee = hcl_report_tee(*hcl);
    if (!tee) return std::unexpected(std::move(tee.error()));
    if (*tee != want())
      return fail(Code::FailedPrecondition,
                  "the HCL report is for " + tee_label(*tee) + ", not " + tee_label(want()));
    auto q = tpm::quote_sha256_pcrs(*esys, options_.ak_handle, report_data);
    if (!q) return std::unexpected(std::move(q.error()));
    if (q->quote.rsa_signature.empty())
      return fail(Code::Unsupported, "the vTPM AK " + tpm::handle_hex(options_.ak_handle) +
                                         " did not sign with RSA; Azure verifiers need RSASSA");

    Evidence ev;
    ev.tee = kind_;
    nlohmann::json pcrs = nlohmann::json::array();
    for (const auto& p : q->pcrs) pcrs.push_back(hex_encode(p));
    ev.json = {{"version", 2},
               {"tpm_quote",
                {{"signature", hex_encode(q->quote.rsa_signature)},
                 {"message", hex_encode(q->quote.message)},
                 {"pcrs", std::move(pcrs)}}},
               {"hcl_report", base64_encode(*hcl, Base64::Url, true)}};
    auto extra = *tee == HclTee::Snp ? vcek() : td_quote(*hcl);
    if (!extra) return std::unexpected(std::move(extra.error()));
    ev.json[*tee == HclTee::Snp ? "vcek" : "td_quote"] = base64_encode(*extra, Base64::Url, true);
    ATTEST_TRY(tpm::attach_aael(os_, cfg_, ev.json));
    ev.aux = std::move(*extra);
    ev.raw = std::move(*hcl);
    return ev;
  }

  Result<Bytes> vcek() {
    if (options_.vcek_from_cert_table) {
      auto from_table = options_.vcek_from_cert_table();
      if (!from_table) return std::unexpected(std::move(from_table.error()).with_context("VCEK"));
      if (*from_table) return std::move(**from_table);
    }
    if (!options_.imds) return fail(Code::Unavailable, "VCEK: Azure IMDS not reachable");
    return with_context(options_.imds->vcek_der(), "VCEK from Azure IMDS");
  }

  Result<Bytes> td_quote(ByteView hcl) {
    // The TDREPORT sits in the HCL report's hardware slot (1024 of its 1184 bytes);
    // hcl_report_tee() already checked that the report reaches past offset 1224.
    const ByteView td_report = hcl.subspan(kHwReportOffset, kTdReportSize);
    if (!options_.imds) return fail(Code::Unavailable, "TD quote: Azure IMDS not reachable");
    return with_context(options_.imds->td_quote(td_report), "TD quote from Azure IMDS");
  }

  TeeKind kind_;
  Os& os_;
  ProviderConfig cfg_;
  AzVtpmOptions options_;
};

// The vTPM's HCL report type, or nullopt when this is not an Azure vTPM.
Result<std::optional<HclTee>> probe(Os& os, const ProviderConfig& cfg) {
  if (!os.exists(cfg.tpm_device)) return std::optional<HclTee>();
  auto esys = Esys::open(cfg.tcti);
  if (!esys) return std::unexpected(std::move(esys.error()));
  auto present = tpm::nv_exists(*esys, kHclReportIndex);
  if (!present) return std::unexpected(std::move(present.error()));
  if (!*present) return std::optional<HclTee>();
  auto hcl = tpm::nv_read(*esys, kHclReportIndex);
  if (!hcl) return std::unexpected(std::move(hcl.error()));
  auto tee = hcl_report_tee(*hcl);
  if (!tee) return std::unexpected(std::move(tee.error()));
  return std::optional<HclTee>(*tee);
}

Result<bool> detect_snp(Os& os, const ProviderConfig& cfg) {
  auto tee = probe(os, cfg);
  if (!tee) return std::unexpected(std::move(tee.error()));
  return *tee == HclTee::Snp;
}

Result<bool> detect_tdx(Os& os, const ProviderConfig& cfg) {
  auto tee = probe(os, cfg);
  if (!tee) return std::unexpected(std::move(tee.error()));
  return *tee == HclTee::Tdx;
}

AzVtpmOptions registry_options(const ProviderConfig& cfg) {
  AzVtpmOptions o;
  o.imds = cfg.azure_imds;
  return o;
}

Result<std::unique_ptr<EvidenceProvider>> create_snp(Os& os, const ProviderConfig& cfg) {
  return make_az_vtpm_provider(TeeKind::AzSnpVtpm, os, cfg, registry_options(cfg));
}

Result<std::unique_ptr<EvidenceProvider>> create_tdx(Os& os, const ProviderConfig& cfg) {
  return make_az_vtpm_provider(TeeKind::AzTdxVtpm, os, cfg, registry_options(cfg));
}

}  // namespace

Result<HclTee> hcl_report_tee(ByteView hcl_report) {
  ByteReader r(hcl_report, "hcl report");
  if (auto s = r.seek(kReportTypeOffset); !s) return std::unexpected(std::move(s.error()));
  auto type = r.le32();
  if (!type) return std::unexpected(std::move(type.error()));
  if (*type == kIgvmReportTypeSnp) return HclTee::Snp;
  if (*type == kIgvmReportTypeTdx) return HclTee::Tdx;
  return fail(Code::Unsupported, "hcl report: report_type " + std::to_string(*type) +
                                     " at offset 1224 is neither SNP (2) nor TDX (4)");
}

Result<std::unique_ptr<EvidenceProvider>> make_az_vtpm_provider(TeeKind kind, Os& os,
                                                                const ProviderConfig& cfg,
                                                                AzVtpmOptions options) {
  if (kind != TeeKind::AzSnpVtpm && kind != TeeKind::AzTdxVtpm)
    return fail(Code::InvalidArgument,
                "the Azure vTPM provider serves az-snp-vtpm and az-tdx-vtpm, not " +
                    std::string(tee_wire_name(kind)));
  if (options.report_settle.count() < 0)
    return fail(Code::InvalidArgument, "Azure vTPM report settle time is negative");
  return std::make_unique<AzVtpmProvider>(kind, os, cfg, std::move(options));
}

ProviderInfo az_snp_vtpm_provider_info() {
  return {TeeKind::AzSnpVtpm,
          "Azure SEV-SNP CVM: HCL report (vTPM NV 0x01400001) + vTPM quote (AK 0x81000003) + VCEK",
          detect_snp, create_snp};
}

ProviderInfo az_tdx_vtpm_provider_info() {
  return {TeeKind::AzTdxVtpm,
          "Azure TDX CVM: HCL report (vTPM NV 0x01400001) + vTPM quote (AK 0x81000003) + TD quote",
          detect_tdx, create_tdx};
}

}  // namespace attest::azure
