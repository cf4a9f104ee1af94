// The SNP extended-report certificate table (host-supplied: the hypervisor fills it).
#include "fuzz/fuzz_support.h"
#include "providers/snp/cert_table.h"

ATTEST_FUZZ_TARGET(snp_cert_table) {
  using namespace attest;
  auto entries = snp::parse_cert_table(fuzz::input(data, size));
  fuzz::check_error_named(entries);
  if (!entries) return;
  (void)snp::cert_table_to_json(*entries).dump();
  (void)snp::cert_chain_to_trustee_json(*entries).dump();
  // What we accepted must survive our own encoder: rebuilt and parsed again, same entries.
  auto again = snp::parse_cert_table(snp::build_cert_table(*entries));
  ATTEST_FUZZ_CHECK(again.has_value());
  ATTEST_FUZZ_CHECK(again->size() == entries->size());
  for (std::size_t i = 0; i < entries->size(); ++i) {
    ATTEST_FUZZ_CHECK((*again)[i].guid == (*entries)[i].guid);
    ATTEST_FUZZ_CHECK((*again)[i].der == (*entries)[i].der);
  }
}
