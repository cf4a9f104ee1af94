#include "agent/http/retry.h"

#include <algorithm>
#include <cstdint>

namespace attest::http {

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

}  // namespace attest::http
