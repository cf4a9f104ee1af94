#include "common/os/clock.h"

#include <mutex>
#include <random>
#include <thread>

namespace attest {

struct SystemClock::Rng {
  std::mutex mu;
  std::mt19937_64 engine{std::random_device{}()};
};

SystemClock::SystemClock() : rng_(std::make_unique<Rng>()) {}
SystemClock::~SystemClock() = default;

std::chrono::steady_clock::time_point SystemClock::now() {
  return std::chrono::steady_clock::now();
}

std::int64_t SystemClock::unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SystemClock::sleep_for(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

double SystemClock::random_unit() {
  std::lock_guard lock(rng_->mu);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_->engine);
}

}  // namespace attest
