#include "agent/api/worker_pool.h"

#include <system_error>
#include <thread>

namespace attest::api {

bool WorkerPool::submit(std::function<void()> job) {
  std::unique_lock lock(mu_);
  if (stopping_) return false;
  jobs_.push_back(std::move(job));
  // Only jobs beyond the idle workers need a thread of their own.
  if (jobs_.size() <= idle_) {
    wake_.notify_one();
    return true;
  }
  try {
    std::thread(&WorkerPool::work, this).detach();
    ++threads_;
  } catch (const std::system_error&) {
    jobs_.pop_back();  // out of threads: the caller answers 503
    return false;
  }
  return true;
}

void WorkerPool::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (jobs_.empty()) {
      if (stopping_) break;
      ++idle_;
      const bool woken =
          wake_.wait_for(lock, idle_exit_, [&] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (!woken) break;  // idle for idle_exit_: end; the next burst starts threads again
      continue;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // whatever the job held (a response, a secret) goes before the next wait
    lock.lock();
  }
  // Notified under the lock: stop() cannot return (and the pool be destroyed) before this
  // thread has let go of mu_, and it touches nothing of the pool after that.
  --threads_;
  gone_.notify_all();
}

void WorkerPool::stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  wake_.notify_all();
  gone_.wait(lock, [&] { return threads_ == 0; });
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}

}  // namespace attest::api
