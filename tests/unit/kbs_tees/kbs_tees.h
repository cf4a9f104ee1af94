// What the kbs_tees tests share: the secret the test KBS holds, the key algorithms the issue
// asks for, and a decoder for the token's verified claims (proof that the test KBS ran the
// TEE's verifier, not only the nonce check).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.h"

namespace attest::testing {

// Binary on purpose: NUL, 0xff and a newline must survive unchanged.
inline const Bytes kTeeSecret{'t', 'e', 'e', '-', 's', 'e', 'c', 0x00, 0xff, '\n', 0x80, '!'};
inline const std::string kTeeSecretText(kTeeSecret.begin(), kTeeSecret.end());
inline constexpr const char* kTeeResource = "default/key/1";
inline constexpr const char* kTeeUri = "kbs:///default/key/1";
inline const std::vector<std::string> kKeyAlgs{"ec-p256", "ec-p521", "rsa-oaep-256"};

// The claims the test KBS's verifier returned for `tee`
// (submods.cpu0.ear.veraison.annotated-evidence.<tee> of the token's payload).
inline std::optional<nlohmann::json> verified_claims(const std::string& token,
                                                     const std::string& tee) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return std::nullopt;
  auto payload = base64_decode(std::string_view(token).substr(first + 1, second - first - 1),
                               Base64::Url, Padding::Forbidden);
  if (!payload) return std::nullopt;
  auto j = nlohmann::json::parse(payload->begin(), payload->end(), nullptr, false);
  const auto ptr =
      nlohmann::json::json_pointer("/submods/cpu0/ear.veraison.annotated-evidence/" + tee);
  if (j.is_discarded() || !j.contains(ptr)) return std::nullopt;
  return j.at(ptr);
}

}  // namespace attest::testing
