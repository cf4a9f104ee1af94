// TCG crypto-agile event log (securityfs) and the TDX CCEL (ACPI table data): the same format,
// parsed, replayed and described as `inspect` does, one target per source (separate corpora).
#include "providers/eventlog/eventlog.h"
#include "fuzz/fuzz_support.h"

namespace attest::fuzz {
namespace {

void parse_replay_describe(const std::uint8_t* data, std::size_t size, bool ccel) {
  auto log = eventlog::parse_eventlog(input(data, size));
  check_error_named(log);
  if (!log) return;
  (void)eventlog::replay(*log);
  (void)eventlog::eventlog_to_json(*log, ccel).dump();
}

}  // namespace
}  // namespace attest::fuzz

ATTEST_FUZZ_TARGET(eventlog) { attest::fuzz::parse_replay_describe(data, size, false); }
ATTEST_FUZZ_TARGET(ccel) { attest::fuzz::parse_replay_describe(data, size, true); }
