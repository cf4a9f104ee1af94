// TPMS_ATTEST: the quote message a TPM (or an Azure vTPM) returns, also read back by `inspect`.
#include "fuzz/fuzz_support.h"
#include "providers/tpm/quote.h"

ATTEST_FUZZ_TARGET(tpm_attest) {
  using namespace attest;
  auto q = tpm::parse_quote_message(fuzz::input(data, size));
  fuzz::check_error_named(q);
  if (q) (void)tpm::quote_info_to_json(*q).dump();
}
