// The runtime-data binding hashed into the hardware evidence (kbs-protocol.md §2.2, §0 step 4).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/error.h"

namespace attest::crypto {

struct RuntimeBinding {
  std::string canonical;  // the JCS bytes that were hashed
  Bytes digest;           // H(canonical)
};

// CPU evidence: H(JCS({"additional-evidence": A, "nonce": N, "tee-pubkey": JWK})), present even
// when A is "".
[[nodiscard]] Result<RuntimeBinding> bind_runtime_data(HashAlg alg, std::string_view nonce,
                                                       const nlohmann::json& tee_pubkey_jwk,
                                                       std::string_view additional_evidence);
// Device evidence: H(JCS({"nonce": N, "tee-pubkey": JWK})), no additional-evidence member.
[[nodiscard]] Result<RuntimeBinding> bind_device_runtime_data(HashAlg alg, std::string_view nonce,
                                                              const nlohmann::json& tee_pubkey_jwk);

}  // namespace attest::crypto
