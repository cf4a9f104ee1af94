#include "agent/api/worker_pool.h"

#include <system_error>
#include <thread>

namespace attest::api {

void WorkerPool::join_ended() {
  for (const std::thread::id id : ended_) {
    for (auto it = workers_.begin(); it != workers_.end(); ++it) {
      if (it->get_id() != id) continue;
      it->join();
      workers_.erase(it);
      break;
    }
  }
  ended_.clear();
}

bool WorkerPool::submit(std::function<void()> job) {
  std::unique_lock lock(mu_);
  if (stopping_) return false;
  join_ended();
  jobs_.push_back(std::move(job));
  // Only jobs beyond the idle workers need a thread of their own.
  if (jobs_.size() <= idle_) {
    wake_.notify_one();
    return true;
  }
  try {
    workers_.emplace_back(&WorkerPool::work, this);
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
  // This thread touches nothing of the pool after letting go of mu_; it is joined by the next
  // submit() or by stop(), which the pool's destructor runs.
  --threads_;
  ended_.push_back(std::this_thread::get_id());
}

void WorkerPool::stop() {
  std::list<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_all();
    workers.swap(workers_);
    ended_.clear();
  }
  // Outside mu_: a worker still running jobs needs it to take the next one and to end. A second
  // stop() finds nothing left to join.
  for (auto& t : workers) t.join();
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}

}  // namespace attest::api
