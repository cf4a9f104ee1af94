// Reads the claims of the KBS attestation token (kbs-protocol.md §4.2). No signature check: the
// client only needs exp/nbf to decide when to re-attest; the KBS verifies the token itself.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/error.h"

namespace attest::crypto {

struct TokenClaims {
  std::optional<std::int64_t> exp;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> iat;
  nlohmann::json payload;  // the whole decoded payload object
};

// Compact JWS "header.payload.signature": exactly three segments, strict base64url without
// padding, header and payload JSON objects; exp/nbf/iat, when present, must be integers
// (a non-integral or out-of-range number is Corrupt). Any violation is Code::Corrupt.
[[nodiscard]] Result<TokenClaims> decode_jwt_claims(std::string_view token);

}  // namespace attest::crypto
