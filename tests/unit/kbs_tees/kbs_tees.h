// What the kbs_tees tests share: the secret the test KBS holds, the key algorithms the issue
// asks for, a decoder for the token's verified claims (proof that the test KBS ran the TEE's
// verifier, not only the nonce check), and an in-process attestation with evidence changed on
// its way (to prove that the test KBS refuses it).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "providers/provider.h"

namespace attest::testing {

// Binary on purpose: NUL, 0xff and a newline must survive unchanged.
inline const Bytes kTeeSecret{'t', 'e', 'e', '-', 's', 'e', 'c', 0x00, 0xff, '\n', 0x80, '!'};
inline const std::string kTeeSecretText(kTeeSecret.begin(), kTeeSecret.end());
inline constexpr const char* kTeeResource = "default/key/1";
inline constexpr const char* kTeeUri = "kbs:///default/key/1";
inline const std::vector<std::string> kKeyAlgs{"ec-p256", "ec-p521", "rsa-oaep-256"};

// The claims the test KBS's verifier returned for `tee`
// (submods.cpu0.ear.veraison.annotated-evidence.<tee> of the token's payload).
std::optional<nlohmann::json> verified_claims(const std::string& token, const std::string& tee);

// A real provider whose evidence JSON is changed before the KBS client sends it.
class TamperingProvider final : public EvidenceProvider {
 public:
  using Tamper = std::function<void(nlohmann::json&)>;
  TamperingProvider(std::unique_ptr<EvidenceProvider> inner, Tamper tamper)
      : inner_(std::move(inner)), tamper_(std::move(tamper)) {}
  TeeKind kind() const override { return inner_->kind(); }
  [[nodiscard]] Result<Evidence> get_evidence(ByteView report_data) override;

 private:
  std::unique_ptr<EvidenceProvider> inner_;
  Tamper tamper_;
};

class TestKbs;

// One RCAR handshake (auth + attest) with `provider` against the KBS at `url` (plain HTTP on
// loopback), in this process; returns the token or the client's error.
[[nodiscard]] Result<std::string> attest_in_process(EvidenceProvider& provider,
                                                    const std::string& url);

struct TamperCase {
  std::string name;
  TamperingProvider::Tamper tamper;  // empty: untouched evidence, which must be accepted
  std::string kbs_log;               // what the test KBS logs for this case
};
using ProviderFactory = std::function<Result<std::unique_ptr<EvidenceProvider>>()>;

// Attests once per case with a fresh provider from `make`, changed by the case's tamper: a
// tampered case must fail with Code::Unauthenticated (the KBS's 401) and the untouched one
// succeed; either way the KBS log of that attempt must hold the case's kbs_log.
void expect_tamper_outcomes(const std::vector<TamperCase>& cases, const ProviderFactory& make,
                            TestKbs& kbs);

// Flips the lowest bit of the byte at `offset` (from the end when negative) of a std base64
// JSON string.
void flip_bit_b64(nlohmann::json& field, std::ptrdiff_t offset);

// The base64 body of a PEM (= std base64 of the DER).
std::string pem_body(const std::string& pem);

}  // namespace attest::testing
