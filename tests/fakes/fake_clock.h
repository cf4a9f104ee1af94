// A Clock that never sleeps: sleeps advance time and are recorded; jitter is scripted.
#pragma once

#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>

#include "common/os/clock.h"

namespace attest::testing {

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return now_; }
  std::int64_t unix_now() override {
    return unix_start + std::chrono::duration_cast<std::chrono::seconds>(now_ - start_).count();
  }
  void sleep_for(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    now_ += d;
  }
  double random_unit() override { return unit; }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  std::chrono::milliseconds slept() const {
    return std::accumulate(sleeps.begin(), sleeps.end(), std::chrono::milliseconds(0));
  }

  std::vector<std::chrono::milliseconds> sleeps;
  double unit = 0.5;
  std::int64_t unix_start = 1'700'000'000;  // 2023-11-14

 private:
  static constexpr std::chrono::steady_clock::time_point start_{std::chrono::hours(1000)};
  std::chrono::steady_clock::time_point now_{start_};
};

// The real clock, for tests that talk to real processes (the test KBS, swtpm) in real time.
inline Clock& real_clock() {
  static SystemClock clock;
  return clock;
}

}  // namespace attest::testing
