#include "agent/measure/runtime_measurer.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "agent/measure/aael.h"
#include "common/os/atomic_file.h"
#include "providers/eventlog/cc_eventlog.h"

namespace attest::measure {

RuntimeMeasurer::RuntimeMeasurer(Os& os, EvidenceProvider& provider, MeasurerOptions options)
    : os_(os), provider_(provider), options_(std::move(options)) {}

std::filesystem::path RuntimeMeasurer::pending_path() const {
  auto p = options_.log_path;
  p += ".pending";
  return p;
}

namespace {

// The log as it is now; a missing file is an empty log.
Result<Bytes> read_log(Os& os, const std::filesystem::path& path) {
  auto log = read_file(os, path, eventlog::kMaxAaelSize);
  if (!log && log.error().os_errno == ENOENT) return Bytes{};
  if (!log) return std::unexpected(std::move(log.error()).with_context("event log"));
  return log;
}

Result<void> ensure_dir(Os& os, const std::filesystem::path& dir) {
  if (dir.empty() || os.exists(dir)) return {};
  auto made = os.mkdir(dir);
  if (!made && made.error().os_errno != EEXIST) return made;
  return {};
}

}  // namespace

// Reads the log once: its size bounds later appends, and appending to a log that does not parse
// would only hide the damage until a verifier refuses the evidence. A pending record is resolved
// first: until then the log may lack its last record or end in a torn one.
Result<void> RuntimeMeasurer::load_log() {
  ATTEST_TRY(resolve_pending_file());
  auto existing = read_log(os_, options_.log_path);
  if (!existing) return std::unexpected(std::move(existing.error()));
  if (!existing->empty()) {
    auto reg = provider_.runtime_register(options_.pcr);
    if (!reg) return std::unexpected(std::move(reg.error()));
    auto log = eventlog::assemble_cc_eventlog(std::nullopt, *existing, reg->alg);
    if (!log)
      return fail(Code::FailedPrecondition,
                  "event log " + options_.log_path.string() +
                      " is damaged, refusing to append: " + log.error().message);
  }
  log_size_ = existing->size();
  return {};
}

Result<void> RuntimeMeasurer::resolve_pending_file() {
  const auto path = pending_path();
  auto raw = read_file(os_, path, 2u << 20);
  if (!raw && raw.error().os_errno == ENOENT) return {};
  if (!raw) return std::unexpected(std::move(raw.error()).with_context("pending measurement"));
  auto pending = decode_pending(*raw);
  if (!pending)
    return fail(Code::FailedPrecondition,
                "pending measurement " + path.string() + " is unreadable (" +
                    pending.error().message +
                    "); refusing measurements: compare the register with the event log, then "
                    "remove the file");
  auto resolved = resolve(*pending);
  if (!resolved) return std::unexpected(std::move(resolved.error()));
  return {};
}

// Decides from the register whether the pending record's extend happened (see the header).
Result<RuntimeMeasurer::Resolved> RuntimeMeasurer::resolve(const PendingRecord& p) {
  auto reg = provider_.runtime_register(options_.pcr);
  if (!reg) return std::unexpected(std::move(reg.error()));
  auto now = provider_.read_register(options_.pcr);
  if (!now) return std::unexpected(std::move(now.error()).with_context("pending measurement"));
  auto log = read_log(os_, options_.log_path);
  if (!log) return std::unexpected(std::move(log.error()));
  Bytes chained = p.register_before;
  chained.insert(chained.end(), p.digest.begin(), p.digest.end());
  auto after = attest::digest(reg->alg, chained);
  if (!after) return std::unexpected(std::move(after.error()));

  const bool prefix_intact = log->size() >= p.log_offset;
  const ByteView tail = prefix_intact ? ByteView(*log).subspan(p.log_offset) : ByteView{};
  Resolved outcome;
  if (prefix_intact && *now == p.register_before && tail.empty()) {
    outcome = Resolved::NotExtended;
  } else if (prefix_intact && *now == *after && tail.size() <= p.record.size() &&
             std::equal(tail.begin(), tail.end(), p.record.begin())) {
    // The extend happened: the log is missing the record, holds a torn part of it, or has it.
    if (tail.size() != p.record.size()) {
      Bytes fixed(log->begin(), log->begin() + static_cast<std::ptrdiff_t>(p.log_offset));
      fixed.insert(fixed.end(), p.record.begin(), p.record.end());
      ATTEST_TRY(rewrite_log(fixed));
    }
    outcome = Resolved::Logged;
  } else {
    return fail(
        Code::FailedPrecondition,
        std::string(provider_.name()) + " register for PCR " + std::to_string(options_.pcr) +
            " is " + hex_encode(*now) + ", which neither the event log " +
            options_.log_path.string() + " (" + std::to_string(log->size()) + " bytes) explains (" +
            hex_encode(p.register_before) + " at " + std::to_string(p.log_offset) +
            " bytes) nor the log with the pending measurement in " + pending_path().string() +
            " (" + hex_encode(*after) + "); refusing measurements");
  }
  ATTEST_TRY(os_.unlink(pending_path()));
  log_size_ = p.log_offset + (outcome == Resolved::Logged ? p.record.size() : 0);
  return outcome;
}

Result<void> RuntimeMeasurer::rewrite_log(ByteView content) {
  return write_file_atomically(os_, options_.log_path, content, {.mode = 0600});
}

Result<void> RuntimeMeasurer::append(ByteView record) {
  // O_NOFOLLOW: a symlink planted at the log path is refused, not written through.
  // 0600: the log names what the workload measured, which is nobody else's business.
  auto fd = os_.create(options_.log_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600);
  if (!fd) return std::unexpected(std::move(fd.error()));
  // One write() of the whole record: with O_APPEND the kernel places it at the end in one piece.
  auto n = os_.write(*fd, record);
  if (!n) return std::unexpected(std::move(n.error()));
  if (*n != record.size())
    return fail(Code::Internal, "short write: " + std::to_string(*n) + " of " +
                                    std::to_string(record.size()) + " bytes");
  ATTEST_TRY(os_.fsync(*fd));
  return os_.close(std::move(*fd));
}

// A step after the pending record failed: resolve it now if the register can tell. An extend
// that happened is then logged and the measurement stands; one that did not leaves no trace and
// the caller gets the failure. If even that fails, the pending record stays and is resolved
// before the next measurement (or at the next start).
Result<void> RuntimeMeasurer::settle(const PendingRecord& p, Error failure) {
  log_size_.reset();  // re-read the log before the next append, whatever happens here
  auto resolved = resolve(p);
  if (resolved && *resolved == Resolved::Logged) return {};
  if (resolved) return std::unexpected(std::move(failure));
  return fail(failure.code,
              failure.message + "; the pending measurement " + pending_path().string() +
                  " stays until it can be resolved: " + resolved.error().message,
              failure.os_errno);
}

Result<void> RuntimeMeasurer::recover() {
  std::lock_guard lock(mu_);
  return load_log();
}

Result<void> RuntimeMeasurer::extend(std::string_view domain, std::string_view operation,
                                     std::string_view content) {
  std::lock_guard lock(mu_);
  auto reg = provider_.runtime_register(options_.pcr);
  if (!reg) return std::unexpected(std::move(reg.error()));
  auto record = encode_record(*reg, domain, operation, content);
  if (!record) return std::unexpected(std::move(record.error()));
  if (!log_size_) ATTEST_TRY(load_log());
  if (*log_size_ + record->bytes.size() > eventlog::kMaxAaelSize)
    return fail(Code::FailedPrecondition, "event log " + options_.log_path.string() + " is full (" +
                                              std::to_string(*log_size_) + " bytes; the limit is " +
                                              std::to_string(eventlog::kMaxAaelSize) + ")");

  auto before = provider_.read_register(options_.pcr);
  if (!before) return std::unexpected(std::move(before.error()));
  const PendingRecord pending{*log_size_, std::move(*before), record->digest, record->bytes};
  ATTEST_TRY(ensure_dir(os_, options_.log_path.parent_path()));
  if (auto w = write_file_atomically(os_, pending_path(), encode_pending(pending), {.mode = 0600});
      !w)
    return std::unexpected(std::move(w.error()).with_context("pending measurement"));

  if (auto e = provider_.extend(options_.pcr, record->digest); !e)
    return settle(pending, std::move(e.error()));
  if (auto a = append(record->bytes); !a) return settle(pending, std::move(a.error()));
  *log_size_ += record->bytes.size();
  // The record is in the log. Should the removal fail, the next recovery finds the log ending
  // with exactly this record and the register matching it, and removes the file then.
  if (auto u = os_.unlink(pending_path()); !u) log_size_.reset();
  return {};
}

}  // namespace attest::measure
