#include "agent/crypto/jwt.h"

#include <exception>
#include <limits>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "common/json_depth.h"

namespace attest::crypto {
namespace {

using json = nlohmann::json;

// EAR tokens with an x5c chain are a few KiB; anything near this is not a KBS token.
constexpr std::size_t kMaxTokenSize = 1 << 20;

Result<json> decode_segment(std::string_view segment, const char* name) {
  if (segment.empty()) return fail(Code::Corrupt, std::string("jwt: empty ") + name);
  auto raw = base64_decode(segment, Base64::Url, Padding::Forbidden);
  if (!raw) return fail(Code::Corrupt, std::string("jwt: ") + name + ": " + raw.error().message);
  const std::string text = to_string(*raw);
  ATTEST_TRY(check_json_depth(text, std::string("jwt: ") + name));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return fail(Code::Corrupt, std::string("jwt: ") + name + " is not a JSON object");
  return j;
}

// RFC 7519 NumericDate; the KBS (Rust jsonwebtoken) only produces integers, so we accept those.
Result<std::optional<std::int64_t>> numeric_date(const json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return std::optional<std::int64_t>{};
  if (it->is_number_integer() && !it->is_number_unsigned())
    return std::optional<std::int64_t>(it->get<std::int64_t>());
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() <=
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return std::optional<std::int64_t>(static_cast<std::int64_t>(it->get<std::uint64_t>()));
  return fail(Code::Corrupt, std::string("jwt: claim '") + name + "' is not an integer");
}

Result<TokenClaims> decode(std::string_view token) {
  if (token.size() > kMaxTokenSize) return fail(Code::Corrupt, "jwt: token larger than 1 MiB");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return fail(Code::Corrupt, "jwt: token does not have exactly three segments");
  auto header = decode_segment(token.substr(0, dot1), "header");
  if (!header) return std::unexpected(std::move(header.error()));
  auto payload = decode_segment(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
  if (!payload) return std::unexpected(std::move(payload.error()));
  const std::string_view signature = token.substr(dot2 + 1);
  if (signature.empty()) return fail(Code::Corrupt, "jwt: token is unsigned");
  if (auto sig = base64_decode(signature, Base64::Url, Padding::Forbidden); !sig)
    return fail(Code::Corrupt, "jwt: signature: " + sig.error().message);

  TokenClaims claims;
  auto exp = numeric_date(*payload, "exp");
  if (!exp) return std::unexpected(std::move(exp.error()));
  auto nbf = numeric_date(*payload, "nbf");
  if (!nbf) return std::unexpected(std::move(nbf.error()));
  auto iat = numeric_date(*payload, "iat");
  if (!iat) return std::unexpected(std::move(iat.error()));
  claims.exp = *exp;
  claims.nbf = *nbf;
  claims.iat = *iat;
  claims.payload = std::move(*payload);
  return claims;
}

}  // namespace

Result<TokenClaims> decode_jwt_claims(std::string_view token) {
  try {
    return decode(token);
  } catch (const std::exception& e) {  // nlohmann or allocation failure: nothing escapes
    return fail(Code::Corrupt, std::string("jwt: ") + e.what());
  }
}

}  // namespace attest::crypto
