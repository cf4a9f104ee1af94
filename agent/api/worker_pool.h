// Threads for the socket API's calls that may block (a resource not cached yet, a token,
// evidence, a measurement): the event loop hands them here so that it keeps answering cached
// resources on other connections meanwhile.
//
// Elastic: a job runs on an idle worker if there is one, else on a new thread, so a slow call
// (a KBS handshake of seconds) holds up only its own caller, never a job queued behind it. The
// server bounds the jobs (one per suspended connection, at most max_connections). A worker idle
// for `idle_exit` ends, so an agent that only serves cached secrets keeps no worker threads.
//
// Every worker is joined (an idle one by the next submit() or stop(), the rest by stop()), never
// detached: a thread is only gone once its thread-local destructors have run, and OpenSSL frees a
// thread's DRBGs in one of them. A detached worker still exiting while the process exits runs
// that destructor after OpenSSL's atexit cleanup deleted its key, and the DRBGs leak (seen by
// LeakSanitizer in the agent's leak gate, about one run in many).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace attest::api {

class WorkerPool {
 public:
  explicit WorkerPool(std::chrono::milliseconds idle_exit = std::chrono::seconds(10))
      : idle_exit_(idle_exit) {}
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `job` on a worker. False (the job is not run) when stopped or when no thread can be
  // started; the caller answers the request itself then.
  [[nodiscard]] bool submit(std::function<void()> job);
  // Runs the jobs already submitted to completion, then ends every worker. Idempotent.
  void stop();

  std::size_t threads() const;  // workers alive (for tests)

 private:
  void work();
  // Joins the workers that left work() (under mu_: they no longer need it).
  void join_ended();

  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // a job arrived, or stop()
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> workers_;      // started and not joined yet
  std::vector<std::thread::id> ended_;  // left work(); joined by the next submit() or stop()
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace attest::api
