// Time and randomness, as one explicit seam: every wait, deadline, token-expiry check and jitter
// in the program asks a Clock that main() builds and passes down (there is no global default).
// Tests substitute tests/fakes/fake_clock.h, whose sleeps advance time instantly and whose
// jitter is scripted.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

namespace attest {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time: deadlines, backoff, latency.
  virtual std::chrono::steady_clock::time_point now() = 0;
  // Wall-clock Unix time in seconds: token "exp"/"iat".
  virtual std::int64_t unix_now() = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
  // Uniform in [0, 1): backoff and refresh jitter.
  virtual double random_unit() = 0;
};

// The real clock: steady_clock, system_clock, this_thread::sleep_for and a seeded PRNG.
// Thread-safe.
class SystemClock final : public Clock {
 public:
  SystemClock();
  ~SystemClock() override;
  std::chrono::steady_clock::time_point now() override;
  std::int64_t unix_now() override;
  void sleep_for(std::chrono::milliseconds d) override;
  double random_unit() override;

 private:
  struct Rng;
  std::unique_ptr<Rng> rng_;
};

}  // namespace attest
