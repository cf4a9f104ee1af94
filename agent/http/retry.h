// Retry policy for HTTP requests: exponential backoff with full jitter, Retry-After, and an
// overall deadline. Pure logic over the injected Clock, so unit tests never sleep.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "common/error.h"
#include "common/os/clock.h"

namespace attest::http {

struct RetryPolicy {
  int max_attempts = 4;  // total tries of one request, the first included
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{4000};
  // A server's Retry-After is honoured up to this much; larger values are capped to it.
  std::chrono::milliseconds max_retry_after{10000};
};

// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform delay in
// [0, min(max_backoff, initial * 2^(failures-1))]. `failures` counts from 1; `unit` in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int failures, double unit);

// Retry-After (RFC 9110 §10.2.3) in its delay-seconds form: 1*DIGIT, surrounding blanks allowed.
// The HTTP-date form and anything else yield nullopt (the caller falls back to backoff); huge
// values saturate instead of overflowing.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

// What one attempt produced, and whether trying again could help.
template <class T>
struct Attempt {
  Result<T> result;
  bool retryable = false;
  // Set when the server asked for a delay (429/503 Retry-After).
  std::optional<std::chrono::milliseconds> retry_after;
};

// Runs `attempt(remaining)` until it succeeds, is not retryable, max_attempts is reached, or the
// next delay would pass `deadline`. `remaining` is the time left before the deadline, so an
// attempt can bound its own timeout. Returns the last attempt's result and, through
// `attempts_made`, how many were made.
template <class T>
Result<T> run_with_retries(const RetryPolicy& policy, Clock& clock,
                           std::chrono::steady_clock::time_point deadline,
                           const std::function<Attempt<T>(std::chrono::milliseconds)>& attempt,
                           int* attempts_made = nullptr) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  int made = 0;
  for (;;) {
    const auto left = duration_cast<milliseconds>(deadline - clock.now());
    Attempt<T> a = attempt(left > milliseconds::zero() ? left : milliseconds::zero());
    ++made;
    if (attempts_made != nullptr) *attempts_made = made;
    if (!a.retryable || made >= policy.max_attempts) return std::move(a.result);
    milliseconds delay = a.retry_after ? std::min(*a.retry_after, policy.max_retry_after)
                                       : backoff_delay(policy, made, clock.random_unit());
    if (clock.now() + delay >= deadline) return std::move(a.result);
    clock.sleep_for(delay);
  }
}

}  // namespace attest::http
