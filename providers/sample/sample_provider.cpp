#include "providers/sample/sample_provider.h"

namespace attest {
namespace {

class SampleProvider final : public EvidenceProvider {
 public:
  TeeKind kind() const override { return TeeKind::Sample; }

  Result<Evidence> get_evidence(ByteView report_data) override {
    if (report_data.size() > kMaxReportData)
      return fail(Code::InvalidArgument, "sample: report data is " +
                                             std::to_string(report_data.size()) +
                                             " bytes; the maximum is 64");
    // Trustee's sample verifier compares base64decode(report_data) with the digest exactly,
    // so the bytes are not zero-extended here.
    Evidence ev;
    ev.tee = TeeKind::Sample;
    ev.json = {{"svn", "1"}, {"report_data", base64_encode(report_data)}};
    const std::string text = ev.json.dump();
    ev.raw.assign(text.begin(), text.end());
    return ev;
  }
};

Result<bool> detect_never(Os&, const ProviderConfig&) { return false; }

Result<std::unique_ptr<EvidenceProvider>> create_sample(Os&, const ProviderConfig&) {
  return std::make_unique<SampleProvider>();
}

}  // namespace

ProviderInfo sample_provider_info() {
  return {TeeKind::Sample, "Trustee's insecure sample evidence (testing only; never auto-detected)",
          detect_never, create_sample};
}

}  // namespace attest
