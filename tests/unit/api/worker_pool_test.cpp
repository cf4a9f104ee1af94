// WorkerPool: a job never waits behind a slow one, idle workers end, stop() runs what was
// submitted. Ordering and completion, never timing thresholds.
#include "agent/api/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace attest::api {
namespace {

void wait_until(const std::function<bool()>& done) {
  for (int i = 0; i < 2000 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

TEST(WorkerPool, AJobDoesNotWaitBehindABlockedOneAndIdleWorkersEnd) {
  WorkerPool pool(std::chrono::milliseconds(20));
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<bool> blocked_started{false};
  std::atomic<bool> blocked_done{false};
  std::atomic<bool> quick_done{false};
  ASSERT_TRUE(pool.submit([&] {
    blocked_started = true;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
    blocked_done = true;
  }));
  wait_until([&] { return blocked_started.load(); });
  ASSERT_TRUE(pool.submit([&] { quick_done = true; }));
  wait_until([&] { return quick_done.load(); });
  EXPECT_TRUE(quick_done);     // ran on a second worker
  EXPECT_FALSE(blocked_done);  // while the first is still held
  {
    std::lock_guard lock(mu);
    open = true;
  }
  cv.notify_all();
  wait_until([&] { return pool.threads() == 0; });
  EXPECT_TRUE(blocked_done);
  EXPECT_EQ(pool.threads(), 0u);  // both idle past idle_exit: an idle agent keeps no workers
  std::atomic<int> later{0};
  ASSERT_TRUE(pool.submit([&] { ++later; }));  // a new burst starts a thread again
  wait_until([&] { return later.load() == 1; });
  EXPECT_EQ(later, 1);
}

TEST(WorkerPool, StopRunsTheSubmittedJobsThenRefusesNewOnes) {
  WorkerPool pool;
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(pool.submit([&] { ++ran; }));
  pool.stop();
  EXPECT_EQ(ran, 20);
  EXPECT_EQ(pool.threads(), 0u);
  EXPECT_FALSE(pool.submit([&] { ++ran; }));
  pool.stop();  // idempotent
  EXPECT_EQ(ran, 20);
}

// A worker's thread-local destructors (OpenSSL frees a thread's DRBGs in one) have run when
// stop() returns, both for a worker that was busy and for one that had ended on its own while
// idle: the process may exit right after stop(), and a destructor running after OpenSSL's atexit
// cleanup leaks (worker_pool.h). The destructor here is slow on purpose: with detached workers
// stop() returned long before it finished.
std::atomic<int> g_thread_exits{0};
struct SlowThreadExit {
  bool touched = false;
  ~SlowThreadExit() {
    if (!touched) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ++g_thread_exits;
  }
};
thread_local SlowThreadExit t_slow_exit;

TEST(WorkerPool, StopReturnsOnlyOnceEveryWorkerThreadHasFinishedExiting) {
  g_thread_exits = 0;
  WorkerPool pool(std::chrono::milliseconds(20));
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.submit([&] {
    t_slow_exit.touched = true;
    ++ran;
  }));
  wait_until([&] { return pool.threads() == 0; });  // ended on its own, idle
  ASSERT_EQ(pool.threads(), 0u);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  ASSERT_TRUE(pool.submit([&] {
    t_slow_exit.touched = true;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    ++ran;
  }));
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.stop();
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(g_thread_exits, 2);
}

}  // namespace
}  // namespace attest::api
