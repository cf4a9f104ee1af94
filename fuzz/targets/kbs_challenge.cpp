// The KBS /auth response (the challenge): its nonce is echoed into the runtime data we hash
// into the hardware evidence, so it also goes through the JCS + hash binding here.
#include <nlohmann/json.hpp>

#include "agent/crypto/jcs.h"
#include "agent/crypto/runtime_data.h"
#include "agent/kbs/wire.h"
#include "common/digest.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(kbs_challenge) {
  using namespace attest;
  auto c = kbs::parse_challenge(fuzz::text(data, size));
  fuzz::check_error_named(c);
  if (!c) return;
  // A fixed public JWK: key generation is not what is fuzzed here.
  static const nlohmann::json kJwk = {{"kty", "EC"},
                                      {"crv", "P-256"},
                                      {"alg", "ECDH-ES+A256KW"},
                                      {"x", "uDlKj_xQWOOraRRTaej8HjcAZWPh82lAOFBSBYKF3QM"},
                                      {"y", "SCEsHCrb4l5E2vQ8Lev_MJg0s3ywAgA_gnED0dq5qjs"}};
  const HashAlg alg = c->selected.value_or(HashAlg::Sha384);
  auto b = crypto::bind_runtime_data(alg, c->nonce, kJwk, "");
  fuzz::check_error_named(b);
  if (!b) return;
  ATTEST_FUZZ_CHECK(b->digest.size() == digest_size(alg));
  // RFC 8785 output is a fixed point: parsed and canonicalised again, it is the same bytes.
  auto again = crypto::canonicalize(nlohmann::json::parse(b->canonical));
  ATTEST_FUZZ_CHECK(again.has_value() && *again == b->canonical);
}
