// Azure HCL report: the vTPM NV index 0x01400001 contents (written by the paravisor).
#include "providers/azure/hcl_report.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(hcl_report) {
  using namespace attest;
  auto r = azure::parse_hcl_report(fuzz::input(data, size));
  fuzz::check_error_named(r);
  if (!r) return;
  (void)azure::hcl_tee(*r);
  (void)azure::hcl_hw_report_data(*r);
  fuzz::check_error_named(azure::hcl_binding_ok(*r));
  (void)azure::hcl_report_to_json(*r).dump();
}
