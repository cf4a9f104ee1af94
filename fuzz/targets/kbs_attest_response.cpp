// The KBS /attest response body ({"token": JWT}) and the token's claims, plus the RFC 7807
// error body any KBS answer may carry (printed in our error messages, so it is sanitised).
#include "agent/crypto/jwt.h"
#include "agent/kbs/wire.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(kbs_attest_response) {
  using namespace attest;
  const std::string_view body = fuzz::text(data, size);
  const kbs::ErrorInfo info = kbs::parse_error_info(body);
  ATTEST_FUZZ_CHECK(info.detail.size() <= 300 + 3);  // 300 characters, then "..."
  for (const char ch : info.detail) ATTEST_FUZZ_CHECK(ch >= 0x20 && ch < 0x7f);
  for (const char ch : kbs::describe_status(401, info)) ATTEST_FUZZ_CHECK(ch >= 0x20 && ch < 0x7f);
  auto token = kbs::parse_attest_response(body);
  fuzz::check_error_named(token);
  if (!token) return;
  fuzz::check_error_named(crypto::decode_jwt_claims(*token));
}
