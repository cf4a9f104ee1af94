// A Clock that never sleeps: sleeps advance time and are recorded; jitter is scripted.
#pragma once

#include <chrono>
#include <vector>

#include "agent/kbs/retry.h"

namespace attest::kbs::testing {

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return now_; }
  void sleep_for(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    now_ += d;
  }
  double random_unit() override { return unit; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

  std::vector<std::chrono::milliseconds> sleeps;
  double unit = 0.5;

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
};

}  // namespace attest::kbs::testing
