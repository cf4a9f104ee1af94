// The KBS attestation token (compact JWS), whose exp/nbf decide when we re-attest.
#include "agent/crypto/jwt.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(jwt) {
  using namespace attest;
  auto claims = crypto::decode_jwt_claims(fuzz::text(data, size));
  fuzz::check_error_named(claims);
  if (claims) ATTEST_FUZZ_CHECK(claims->payload.is_object());
}
