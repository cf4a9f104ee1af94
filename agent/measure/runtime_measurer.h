// Runtime measurements (POST /v1/measurements, api-server-rest's POST /aa/aael): extend the
// TEE's runtime register with an AAEL event and append the event's record to the event log the
// evidence carries (agent/measure/aael.h for the format, providers/eventlog/cc_eventlog.h for
// how the evidence carries it).
//
// One extend at a time (a mutex): the log's order must be the order of the extends, or replay
// gives another value. The order of the two steps follows guest-components
// (eventlog/mod.rs extend_entry @8246e5e0): extend the register, then append the record with
// one O_APPEND write() and fsync(). A failed extend changes nothing. A failed append after a
// successful extend leaves a register the log no longer explains: the measurer then refuses
// every further extend (FailedPrecondition) instead of widening the gap.
// FIXME: upstream also keeps a write-ahead record to repair that gap after a crash between the
// two steps; we have no recovery yet, so such a crash needs a reboot of the guest.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/error.h"
#include "providers/provider.h"

namespace attest::measure {

struct MeasurerOptions {
  // The AAEL file; its directory is created (mode 0700) when missing. Must be the path the
  // provider's ProviderConfig::aael_path names, or the evidence will not carry the log.
  std::filesystem::path log_path = "/run/attest-agent/eventlog";
  // guest-components' default register (config/mod.rs DEFAULT_PCR_INDEX; TDX maps it to RTMR3).
  unsigned pcr = 17;
};

class RuntimeMeasurer {
 public:
  RuntimeMeasurer(Os& os, EvidenceProvider& provider, MeasurerOptions options = {});

  // Errors: InvalidArgument (a field breaks the AAEL rules, named), Unsupported (this TEE cannot
  // extend: the provider's message), FailedPrecondition (the log is full, malformed, or no
  // longer matches the register), and the provider's or the file system's errors.
  [[nodiscard]] Result<void> extend(std::string_view domain, std::string_view operation,
                                    std::string_view content);

 private:
  [[nodiscard]] Result<void> load_log();
  [[nodiscard]] Result<void> append(ByteView record);

  Os& os_;
  EvidenceProvider& provider_;
  MeasurerOptions options_;
  std::mutex mu_;
  std::optional<std::size_t> log_size_;  // known once the existing log was read and checked
  std::optional<Error> broken_;          // set when a register extend is missing from the log
};

}  // namespace attest::measure
