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
  options_.recovery_spread = std::clamp(options_.recovery_spread, 0.0, 10.0);
}

milliseconds RefreshPolicy::after_success(std::chrono::seconds token_lifetime) {
  failures_ = 0;
  token_expiry_ = clock_.now() + std::max(token_lifetime, std::chrono::seconds(0));
  const double lifetime_ms =
      static_cast<double>(std::max<std::int64_t>(token_lifetime.count(), 0)) * 1000.0;
  const double factor = spread(options_.jitter, clock_.random_unit());
  milliseconds delay = to_ms(lifetime_ms * options_.refresh_fraction * factor);
  if (options_.fixed_interval.count() > 0)
    delay = std::min(delay,
                     to_ms(static_cast<double>(options_.fixed_interval.count()) * 1000.0 * factor));
  last_interval_ = std::max(delay, options_.initial_backoff);
  return last_interval_;
}

milliseconds RefreshPolicy::after_failure(std::optional<milliseconds> retry_after) {
  const auto now = clock_.now();
  if (failures_ == 0) {
    failing_since_ = now;
    // The refresh margin this agent had: never more than its usual refresh interval (with
    // refresh_seconds = 60 and a day-long token, a failure is retried within minutes).
    margin_at_failure_ =
        token_expiry_ ? std::clamp(std::chrono::duration_cast<milliseconds>(*token_expiry_ - now),
                                   milliseconds(0), last_interval_)
                      : milliseconds(0);
  }
  if (failures_ < std::numeric_limits<int>::max()) ++failures_;
  const http::RetryPolicy backoff{.initial_backoff = options_.initial_backoff,
                                  .max_backoff = options_.max_backoff};
  // Why a window proportional to the failure so far and not only 2^n: agents that began failing
  // just before the KBS came back have small n, and with plain backoff they all return in the
  // first seconds after an outage (the excess decays like ln(outage / t): 3.7x the steady rate).
  // Scaling by how long the agent has been failing, and by the margin its token still gives,
  // spreads the whole backlog over about twice the outage.
  const auto failing = std::chrono::duration_cast<milliseconds>(now - failing_since_);
  const milliseconds spread =
      to_ms(static_cast<double>(std::max(failing, margin_at_failure_).count()) *
            options_.recovery_spread);
  // http::backoff_delay at unit 1 is the backoff's window itself.
  const milliseconds window = std::max(http::backoff_delay(backoff, failures_, 1.0),
                                       std::min(spread, options_.max_backoff));
  const milliseconds jittered = to_ms(static_cast<double>(window.count()) * clock_.random_unit());
  if (!retry_after) return jittered;
  const milliseconds asked = std::clamp(*retry_after, milliseconds(0), options_.max_retry_after);
  // Only upwards: the server said "not before", and the spread keeps a fleet that got the
  // same answer from coming back in the same instant.
  const double up = 1.0 + options_.jitter * clock_.random_unit();
  return std::max(to_ms(static_cast<double>(asked.count()) * up), jittered);
}

}  // namespace attest::daemon
