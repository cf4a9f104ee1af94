// TDREPORT_STRUCT from /dev/tdx_guest, or embedded in an Azure HCL report.
#include "providers/tdx/tdreport.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(tdreport) {
  using namespace attest;
  auto r = tdx::parse_tdreport(fuzz::input(data, size));
  fuzz::check_error_named(r);
  if (r) (void)tdx::tdreport_to_json(*r).dump();
}
