// Resource addresses: from the command line, the config's [[secrets]], and the socket API.
#include "agent/kbs/resource_uri.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(resource_uri) {
  using namespace attest;
  auto uri = kbs::parse_resource_uri(fuzz::text(data, size));
  fuzz::check_error_named(uri);
  if (!uri) return;
  // What we accept we can print, and what we print reads back as the same address.
  auto again = kbs::parse_resource_uri(uri->to_string());
  ATTEST_FUZZ_CHECK(again.has_value() && *again == *uri);
  ATTEST_FUZZ_CHECK(uri->request_path().starts_with("/kbs/v0/resource/" + uri->path()));
}
