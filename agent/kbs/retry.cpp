#include "agent/kbs/retry.h"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>

namespace attest::kbs {
namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
  double random_unit() override {
    std::lock_guard lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int failures, double unit) {
  const std::int64_t cap = p.max_backoff.count();
  std::int64_t ceiling = std::max<std::int64_t>(p.initial_backoff.count(), 0);
  // Doubling stops at the cap, so the shift can never overflow.
  for (int i = 1; i < failures && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  unit = std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(ceiling) * unit));
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r'))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  constexpr std::int64_t kSaturate = 1'000'000'000;  // ~31 years: "a very long time"
  std::int64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    if (n < kSaturate) n = n * 10 + (c - '0');
  }
  return std::chrono::seconds(std::min(n, kSaturate));
}

}  // namespace attest::kbs
