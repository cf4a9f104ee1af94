#include "agent/daemon/refresh_policy.h"

#include <algorithm>
#include <limits>

namespace attest::daemon {
namespace {

using std::chrono::milliseconds;

// A factor in [1 - jitter, 1 + jitter) from a uniform unit in [0, 1).
double spread(double jitter, double unit) { return 1.0 + jitter * (2.0 * unit - 1.0); }

milliseconds to_ms(double ms) {
  // A lifetime of years times a factor cannot overflow int64 milliseconds, but clamp anyway:
  // the token's "exp" comes from the network.
  constexpr double kMax = static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2);
  return milliseconds(static_cast<std::int64_t>(std::clamp(ms, 0.0, kMax)));
}

}  // namespace

RefreshPolicy::RefreshPolicy(RefreshPolicyOptions options, Clock& clock)
    : options_(options), clock_(clock) {
  options_.refresh_fraction = std::clamp(options_.refresh_fraction, 0.05, 1.0);
  options_.jitter = std::clamp(options_.jitter, 0.0, 0.5);
  options_.fixed_interval = std::max(options_.fixed_interval, std::chrono::seconds(0));
  options_.initial_backoff = std::max(options_.initial_backoff, milliseconds(1));
  options_.max_backoff = std::max(options_.max_backoff, options_.initial_backoff);
  options_.max_retry_after = std::max(options_.max_retry_after, milliseconds(0));
}

milliseconds RefreshPolicy::after_success(std::chrono::seconds token_lifetime) {
  failures_ = 0;
  const double lifetime_ms =
      static_cast<double>(std::max<std::int64_t>(token_lifetime.count(), 0)) * 1000.0;
  const double factor = spread(options_.jitter, clock_.random_unit());
  milliseconds delay = to_ms(lifetime_ms * options_.refresh_fraction * factor);
  if (options_.fixed_interval.count() > 0)
    delay = std::min(delay,
                     to_ms(static_cast<double>(options_.fixed_interval.count()) * 1000.0 * factor));
  return std::max(delay, options_.initial_backoff);
}

milliseconds RefreshPolicy::after_failure(std::optional<milliseconds> retry_after) {
  if (failures_ < std::numeric_limits<int>::max()) ++failures_;
  const http::RetryPolicy backoff{.initial_backoff = options_.initial_backoff,
                                  .max_backoff = options_.max_backoff};
  const milliseconds jittered = http::backoff_delay(backoff, failures_, clock_.random_unit());
  if (!retry_after) return jittered;
  const milliseconds asked = std::clamp(*retry_after, milliseconds(0), options_.max_retry_after);
  // Only upwards: the server said "not before", and the spread keeps a fleet that got the
  // same answer from coming back in the same instant.
  const double up = 1.0 + options_.jitter * clock_.random_unit();
  return std::max(to_ms(static_cast<double>(asked.count()) * up), jittered);
}

}  // namespace attest::daemon
