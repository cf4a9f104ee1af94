// SEV-SNP ATTESTATION_REPORT from /dev/sev-guest, configfs-tsm or an HCL report.
#include "fuzz/fuzz_support.h"
#include "providers/snp/report.h"

ATTEST_FUZZ_TARGET(snp_report) {
  using namespace attest;
  auto r = snp::parse_report(fuzz::input(data, size));
  fuzz::check_error_named(r);
  if (!r) return;
  (void)snp::report_to_json(*r).dump();
  (void)snp::report_to_trustee_json(*r).dump();
  (void)snp::product_name(*r);
}
