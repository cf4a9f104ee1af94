// /etc/attest-agent/config.toml (root-owned, but also any --config file a user points us at).
#include "agent/config/config.h"
#include "fuzz/fuzz_support.h"

ATTEST_FUZZ_TARGET(config) {
  using namespace attest;
  auto cfg = config::parse_config(fuzz::text(data, size), "fuzz.toml");
  fuzz::check_error_named(cfg);
  if (!cfg) ATTEST_FUZZ_CHECK(cfg.error().code == Code::InvalidArgument);
}
