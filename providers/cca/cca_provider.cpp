#include "providers/cca/cca_provider.h"

#include "providers/cca/realm_token.h"
#include "providers/tsm/tsm_detect.h"
#include "providers/tsm/tsm_report.h"

namespace attest {
namespace {

constexpr std::string_view kTsmProvider = "arm_cca_guest";

class CcaProvider final : public EvidenceProvider {
 public:
  CcaProvider(Os& os, ProviderConfig cfg) : os_(os), cfg_(std::move(cfg)) {}
  TeeKind kind() const override { return TeeKind::Cca; }

  Result<Evidence> get_evidence(ByteView report_data) override {
    auto token = get_token(report_data);
    if (!token) return std::unexpected(std::move(token.error()));
    Evidence ev;
    ev.tee = TeeKind::Cca;
    ev.json = cca::evidence_json(*token);
    ev.raw = std::move(*token);
    return ev;
  }

  // The realm personalisation value, from a token taken for an all-zero challenge: the host
  // fixes it at realm creation, so any token carries the same one. Trustee's CCA verifier
  // compares it with the init-data digest as it is (deps/verifier/src/cca/mod.rs @78962cd4;
  // guest-components' cca attester has no init-data check to follow, attester/src/cca/mod.rs
  // @8246e5e0).
  Result<Bytes> initdata_slot() override {
    const Bytes zero(kMaxReportData, 0);
    auto token = get_token(zero);
    if (!token) return std::unexpected(std::move(token.error()));
    auto rpv = cca::realm_personalization_value(*token);
    if (!rpv) return std::unexpected(std::move(rpv.error()));
    return rpv;
  }

 private:
  Result<Bytes> get_token(ByteView report_data) {
    // The driver takes a 32..64-byte challenge and zero-pads it to 64 itself; sending the
    // zero-padded 64 bytes gives the same token for any report data length, including < 32.
    auto rd = pad_report_data(report_data);
    if (!rd) return std::unexpected(std::move(rd.error()).with_context("cca"));
    if (!os_.exists(cfg_.tsm_report_dir))
      return fail(Code::NotFound,
                  "cca: configfs-tsm is absent (" + cfg_.tsm_report_dir.string() + ")");
    auto out = tsm_get_report(os_, cfg_, kTsmProvider, *rd, std::nullopt);
    if (!out) return std::unexpected(std::move(out.error()).with_context("cca"));
    return std::move(out->outblob);
  }

  Os& os_;
  ProviderConfig cfg_;
};

Result<bool> detect_cca(Os& os, const ProviderConfig& cfg) {
  return tsm_provider_is(os, cfg, kTsmProvider);
}

Result<std::unique_ptr<EvidenceProvider>> create_cca(Os& os, const ProviderConfig& cfg) {
  return std::make_unique<CcaProvider>(os, cfg);
}

}  // namespace

ProviderInfo cca_provider_info() {
  return {TeeKind::Cca, "Arm CCA: attestation token via configfs-tsm (arm_cca_guest)", detect_cca,
          create_cca};
}

namespace cca {

nlohmann::json evidence_json(ByteView token) {
  nlohmann::json j;
  j["token"] = nlohmann::json::array();
  for (std::uint8_t b : token) j["token"].push_back(b);
  return j;
}

}  // namespace cca
}  // namespace attest
