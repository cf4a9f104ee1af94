// TDX quote v4/v5 as the configfs-tsm outblob or an Azure IMDS answer delivers it.
#include "fuzz/fuzz_support.h"
#include "providers/tdx/quote.h"

ATTEST_FUZZ_TARGET(tdx_quote) {
  using namespace attest;
  auto q = tdx::parse_quote(fuzz::input(data, size));
  fuzz::check_error_named(q);
  if (q) (void)tdx::quote_to_json(*q).dump();
}
