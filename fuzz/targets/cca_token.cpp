// The Arm CCA token from configfs-tsm (arm_cca_guest). We do not decode its claims (Trustee's
// verifier does); what we do with it is check its CBOR tag 399 framing and describe it (`inspect`).
#include "fuzz/fuzz_support.h"
#include "providers/inspect.h"

ATTEST_FUZZ_TARGET(cca_token) {
  using namespace attest;
  const ByteView in = fuzz::input(data, size);
  auto j = inspect_report(ReportType::CcaToken, in);
  fuzz::check_error_named(j);
  if (j) ATTEST_FUZZ_CHECK(j->at("size") == size);
}
