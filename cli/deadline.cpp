#include "cli/deadline.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace attest::cli {
namespace {

std::atomic<bool> g_abandoned{false};

// Shared by the waiter and the worker: whichever finishes last frees it.
struct Handoff {
  std::mutex mu;
  std::condition_variable done;
  std::optional<Result<Evidence>> result;
};

}  // namespace

bool work_abandoned() noexcept { return g_abandoned.load(); }

Result<Evidence> evidence_before(Deadline deadline, const std::string& what,
                                 std::function<Result<Evidence>()> work) {
  auto handoff = std::make_shared<Handoff>();
  try {
    std::thread([handoff, work = std::move(work)]() mutable {
      Result<Evidence> r = fail(Code::Internal, "evidence: unexpected exception");
      try {
        r = work();
      } catch (const std::bad_alloc&) {
        r = fail(Code::Internal, "evidence: out of memory");
      } catch (const std::exception& e) {
        r = fail(Code::Internal, std::string("evidence: ") + e.what());
      }
      std::lock_guard lock(handoff->mu);
      handoff->result = std::move(r);
      handoff->done.notify_one();
    }).detach();
  } catch (const std::system_error& e) {
    return fail(Code::Internal, std::string("cannot start a thread: ") + e.what());
  }
  std::unique_lock lock(handoff->mu);
  if (!handoff->done.wait_until(lock, deadline, [&] { return handoff->result.has_value(); })) {
    g_abandoned = true;
    return fail(Code::DeadlineExceeded, what + " did not finish within --timeout");
  }
  return std::move(*handoff->result);
}

Result<Evidence> DeadlineProvider::get_evidence(ByteView report_data) {
  // The worker may outlive this call: it gets its own copy of the report data and a share of
  // the provider.
  return evidence_before(deadline_, std::string(name()) + " evidence collection",
                         [inner = inner_, data = Bytes(report_data.begin(), report_data.end())] {
                           return inner->get_evidence(data);
                         });
}

}  // namespace attest::cli
