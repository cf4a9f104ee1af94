// Runtime measurements (POST /v1/measurements, api-server-rest's POST /aa/aael): extend the
// TEE's runtime register with an AAEL event and append the event's record to the event log the
// evidence carries (agent/measure/aael.h for the format, providers/eventlog/cc_eventlog.h for
// how the evidence carries it).
//
// One extend at a time (a mutex): the log's order must be the order of the extends, or replay
// gives another value. Each measurement is four steps, as guest-components' extend_entry
// (eventlog/mod.rs @8246e5e0): (1) write a pending record (pending_record.h) next to the log,
// "<log>.pending", with the shared atomic writer (fsynced file and directory); (2) extend the
// register; (3) append the record to the log with one O_APPEND write() and fsync(); (4) remove
// the pending record. A crash or failure between any two steps leaves the pending record, and
// recovery (at start, before the next measurement, and right after a failed step) decides from
// the register alone, never guessing:
//   register == the value before (replay(log) == register): the extend never happened, so the
//     record is dropped; the log must still end where it did;
//   register == H(before || digest) (replay(log + pending) == register): the extend happened,
//     so the log becomes log + record (rewritten atomically, which also repairs a torn append),
//     unless it already ends with exactly that record;
//   anything else: measurements are refused (FailedPrecondition) naming the register, its
//     value and both expected values; the pending record stays for a person to look at.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>

#include "agent/measure/pending_record.h"
#include "common/error.h"
#include "providers/provider.h"

namespace attest::measure {

struct MeasurerOptions {
  // The AAEL file; its directory is created (mode 0700) when missing. Must be the path the
  // provider's ProviderConfig::aael_path names, or the evidence will not carry the log.
  std::filesystem::path log_path = "/run/attest-agent/eventlog";
  // The register (measurement_register.h: the daemon picks the TEE's default and checks it).
  unsigned pcr = 17;
};

class RuntimeMeasurer {
 public:
  RuntimeMeasurer(Os& os, EvidenceProvider& provider, MeasurerOptions options = {});

  // Errors: InvalidArgument (a field breaks the AAEL rules, named), Unsupported (this TEE cannot
  // extend: the provider's message), FailedPrecondition (the log is full, malformed, or a
  // pending record does not match the register), and the provider's or the file system's
  // errors. A failed step after the pending record was written is resolved at once when the
  // register can be read: an extend that did happen is logged and the call succeeds.
  [[nodiscard]] Result<void> extend(std::string_view domain, std::string_view operation,
                                    std::string_view content);

  // At agent start: resolves a pending record a crash left and checks the log. The same runs
  // before the first measurement; an error here is what every measurement answers until fixed.
  [[nodiscard]] Result<void> recover();

  std::filesystem::path pending_path() const;

 private:
  enum class Resolved { NotExtended, Logged };
  [[nodiscard]] Result<void> load_log();
  [[nodiscard]] Result<Resolved> resolve(const PendingRecord& p);
  [[nodiscard]] Result<void> resolve_pending_file();
  [[nodiscard]] Result<void> rewrite_log(ByteView content);
  [[nodiscard]] Result<void> append(ByteView record);
  [[nodiscard]] Result<void> settle(const PendingRecord& p, Error failure);

  Os& os_;
  EvidenceProvider& provider_;
  MeasurerOptions options_;
  std::mutex mu_;
  std::optional<std::size_t> log_size_;  // known once the existing log was read and checked
};

}  // namespace attest::measure
