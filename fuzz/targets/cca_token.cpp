// The Arm CCA token from configfs-tsm (arm_cca_guest). Two readers take it: `inspect` checks its
// CBOR tag 399 framing and describes it; the init-data check reads the realm personalisation
// value out of the realm token's claims (providers/cca/realm_token.h). Neither verifies
// signatures (Trustee's verifier does), so a hostile device shapes every byte both parse.
#include "fuzz/fuzz_support.h"
#include "providers/cca/realm_token.h"
#include "providers/inspect.h"

ATTEST_FUZZ_TARGET(cca_token) {
  using namespace attest;
  const ByteView in = fuzz::input(data, size);
  auto j = inspect_report(ReportType::CcaToken, in);
  fuzz::check_error_named(j);
  if (j) ATTEST_FUZZ_CHECK(j->at("size") == size);

  auto rpv = cca::realm_personalization_value(in);
  fuzz::check_error_named(rpv);
  if (rpv) ATTEST_FUZZ_CHECK(rpv->size() == cca::kRpvSize);
}
