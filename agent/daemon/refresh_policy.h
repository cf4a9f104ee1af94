// When the daemon next talks to the KBS: the one scheduling module for token refresh and for
// retries after a failed handshake (issue 10, "Fleet behaviour").
//
// Thousands of agents share one KBS. Two rules keep them from stampeding it:
//  - a refresh happens at a jittered fraction of the token lifetime, so agents that booted
//    together (or recovered from the same outage together) drift apart instead of renewing in
//    lock-step forever;
//  - failures back off exponentially with full jitter (http::backoff_delay, the same formula the
//    per-request retries use), and a server's Retry-After is honoured, capped, and spread.
// Pure logic over an injected Clock (only random_unit() is used), so tests and the fleet
// simulation (bench/fleet.cpp) drive it without sleeping. Not thread-safe: one instance per
// scheduling loop.
#pragma once

#include <chrono>
#include <optional>

#include "agent/http/retry.h"

namespace attest::daemon {

struct RefreshPolicyOptions {
  // Refresh at this fraction of the token lifetime, +- `jitter` of it (0.8 +- 10 %: issue 7).
  double refresh_fraction = 0.8;
  double jitter = 0.1;
  // [agent] refresh_seconds; 0 = use the fraction of the token lifetime.
  std::chrono::seconds fixed_interval{0};
  // Failure backoff: full jitter over [0, min(max_backoff, initial_backoff * 2^(n-1))].
  std::chrono::milliseconds initial_backoff{1000}, max_backoff{300000}, max_retry_after{600000};
  // Recovery spread: the backoff window is at least this many times the longer of (a) how long
  // the agent has been failing and (b) the validity its token had left when the failures began
  // (capped at the normal refresh interval), so that a fleet which lost its KBS together comes
  // back spread over about twice the outage instead of in the first seconds (bench/README.md,
  // "Fleet simulation": 1.8x the steady rate instead of 3.7x). 0 = plain exponential backoff.
  double recovery_spread = 2.0;
};

class RefreshPolicy {
 public:
  // Out-of-range options are clamped (fraction to [0.05, 1], jitter to [0, 0.5], backoffs to
  // >= 1 ms): they come from code, not from users; the config loader validates refresh_seconds.
  RefreshPolicy(RefreshPolicyOptions options, Clock& clock);

  // A handshake succeeded with a token valid for `token_lifetime`: the delay until the next
  // refresh. Resets the failure count. The delay is never shorter than initial_backoff (a token
  // with no lifetime left must not turn into a busy loop) and, with a fixed interval, never
  // later than the jittered fraction of the lifetime (refreshing after expiry helps nobody).
  [[nodiscard]] std::chrono::milliseconds after_success(std::chrono::seconds token_lifetime);

  // A handshake failed: the delay until the next attempt. Without Retry-After, full jitter over
  // the largest of the exponential backoff and the recovery spread window (both capped at
  // max_backoff). With Retry-After, no sooner than the server asked (capped at max_retry_after),
  // spread over +jitter of it so that every agent told "60" does not return in the same second,
  // and never sooner than the backoff would have waited.
  [[nodiscard]] std::chrono::milliseconds after_failure(
      std::optional<std::chrono::milliseconds> retry_after);

  // Failures since the last success (0 after a success).
  [[nodiscard]] int consecutive_failures() const { return failures_; }

 private:
  RefreshPolicyOptions options_;
  Clock& clock_;
  int failures_ = 0;
  // When the token of the last success expires (clock_.now() scale); none before the first.
  std::optional<std::chrono::steady_clock::time_point> token_expiry_;
  std::chrono::milliseconds last_interval_{0};  // the last after_success delay
  // Set at the first failure after a success: when, and how long its token still had.
  std::chrono::steady_clock::time_point failing_since_{};
  std::chrono::milliseconds margin_at_failure_{0};
};

}  // namespace attest::daemon
