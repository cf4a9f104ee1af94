#include "agent/measure/runtime_measurer.h"

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "agent/measure/aael.h"
#include "providers/eventlog/cc_eventlog.h"

namespace attest::measure {

RuntimeMeasurer::RuntimeMeasurer(Os& os, EvidenceProvider& provider, MeasurerOptions options)
    : os_(os), provider_(provider), options_(std::move(options)) {}

// Reads the log once: its size bounds later appends, and appending to a log that does not parse
// would only hide the damage until a verifier refuses the evidence.
Result<void> RuntimeMeasurer::load_log() {
  auto existing = read_file(os_, options_.log_path, eventlog::kMaxAaelSize);
  if (!existing && existing.error().os_errno == ENOENT) {
    log_size_ = 0;
    return {};
  }
  if (!existing) return std::unexpected(std::move(existing.error()).with_context("event log"));
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

Result<void> RuntimeMeasurer::append(ByteView record) {
  const std::filesystem::path dir = options_.log_path.parent_path();
  if (!dir.empty() && !os_.exists(dir)) {
    auto made = os_.mkdir(dir);
    if (!made && made.error().os_errno != EEXIST) return made;
  }
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

Result<void> RuntimeMeasurer::extend(std::string_view domain, std::string_view operation,
                                     std::string_view content) {
  std::lock_guard lock(mu_);
  if (broken_) return fail(Code::FailedPrecondition, broken_->message);
  auto reg = provider_.runtime_register(options_.pcr);
  if (!reg) return std::unexpected(std::move(reg.error()));
  auto record = encode_record(*reg, domain, operation, content);
  if (!record) return std::unexpected(std::move(record.error()));
  if (!log_size_) ATTEST_TRY(load_log());
  if (*log_size_ + record->bytes.size() > eventlog::kMaxAaelSize)
    return fail(Code::FailedPrecondition, "event log " + options_.log_path.string() + " is full (" +
                                              std::to_string(*log_size_) + " bytes; the limit is " +
                                              std::to_string(eventlog::kMaxAaelSize) + ")");

  ATTEST_TRY(provider_.extend(options_.pcr, record->digest));
  if (auto a = append(record->bytes); !a) {
    broken_ = Error{Code::FailedPrecondition,
                    std::string(provider_.name()) + " register for PCR " +
                        std::to_string(options_.pcr) + " was extended but event log " +
                        options_.log_path.string() + " could not record it (" + a.error().message +
                        "); the log no longer replays to the register until the guest reboots"};
    return fail(Code::Internal, broken_->message, a.error().os_errno);
  }
  *log_size_ += record->bytes.size();
  return {};
}

}  // namespace attest::measure
