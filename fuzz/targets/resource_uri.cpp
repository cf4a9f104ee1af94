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
  // The GET goes to the URI's plugin: /kbs/v0/resource/<repo/type/tag> for kbs://, and
  // /kbs/v0/<plugin>/<segments> for kbs+<plugin>:// (whose path() is "<plugin>:seg/...").
  std::string expected = "/kbs/v0/" + uri->plugin + "/";
  if (uri->is_resource_plugin()) {
    expected += uri->path();
  } else {
    for (std::size_t i = 0; i < uri->plugin_path.size(); ++i)
      expected += (i == 0 ? "" : "/") + uri->plugin_path[i];
  }
  ATTEST_FUZZ_CHECK(uri->request_path().starts_with(expected));
}
