#include "agent/http/retry.h"

#include <gtest/gtest.h>

#include "agent/http/http_client.h"
#include "tests/fakes/fake_clock.h"

namespace attest::http {
namespace {

using attest::testing::FakeClock;
using std::chrono::milliseconds;

TEST(Backoff, FullJitterDoublesUpToTheCap) {
  RetryPolicy p;
  p.initial_backoff = milliseconds(100);
  p.max_backoff = milliseconds(1000);
  // unit = 1.0 shows the ceiling: 100, 200, 400, 800, then capped at 1000.
  EXPECT_EQ(backoff_delay(p, 1, 1.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(p, 2, 1.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(p, 3, 1.0), milliseconds(400));
  EXPECT_EQ(backoff_delay(p, 4, 1.0), milliseconds(800));
  EXPECT_EQ(backoff_delay(p, 5, 1.0), milliseconds(1000));
  EXPECT_EQ(backoff_delay(p, 1000, 1.0), milliseconds(1000));  // no overflow
  EXPECT_EQ(backoff_delay(p, 3, 0.5), milliseconds(200));
  EXPECT_EQ(backoff_delay(p, 3, 0.0), milliseconds(0));
  EXPECT_EQ(backoff_delay(p, 3, 7.0), milliseconds(400));  // clamped
}

TEST(RetryAfter, DelaySecondsOnly) {
  EXPECT_EQ(parse_retry_after("1"), std::chrono::seconds(1));
  EXPECT_EQ(parse_retry_after(" 120 "), std::chrono::seconds(120));
  EXPECT_EQ(parse_retry_after("0"), std::chrono::seconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999999"), std::chrono::seconds(1'000'000'000));
  EXPECT_EQ(parse_retry_after(""), std::nullopt);
  EXPECT_EQ(parse_retry_after("-1"), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5"), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
}

struct Script {
  std::vector<Attempt<int>> steps;
  std::vector<milliseconds> remaining_seen;
  std::size_t next = 0;
  std::function<Attempt<int>(milliseconds)> fn() {
    return [this](milliseconds left) {
      remaining_seen.push_back(left);
      return std::move(steps.at(next++));
    };
  }
};

Attempt<int> transient() { return {fail(Code::Unavailable, "connection refused"), true}; }

TEST(RunWithRetries, RetriesTransientErrorsWithBackoff) {
  FakeClock clock;
  RetryPolicy p;
  p.max_attempts = 4;
  p.initial_backoff = milliseconds(100);
  Script s;
  s.steps.push_back(transient());
  s.steps.push_back(transient());
  s.steps.push_back({7, false});
  int made = 0;
  auto r = run_with_retries<int>(p, clock, clock.now() + milliseconds(10'000), s.fn(), &made);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(made, 3);
  EXPECT_EQ(clock.sleeps, (std::vector<milliseconds>{milliseconds(50), milliseconds(100)}));
  EXPECT_EQ(s.remaining_seen, (std::vector<milliseconds>{milliseconds(10'000), milliseconds(9'950),
                                                         milliseconds(9'850)}));
}

TEST(RunWithRetries, StopsAtMaxAttemptsWithTheLastError) {
  FakeClock clock;
  RetryPolicy p;
  p.max_attempts = 3;
  Script s;
  for (int i = 0; i < 3; ++i) s.steps.push_back(transient());
  int made = 0;
  auto r = run_with_retries<int>(p, clock, clock.now() + milliseconds(60'000), s.fn(), &made);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unavailable);
  EXPECT_EQ(made, 3);
  EXPECT_EQ(clock.sleeps.size(), 2u);
}

TEST(RunWithRetries, NonRetryableStopsAtOnce) {
  FakeClock clock;
  Script s;
  s.steps.push_back({fail(Code::Unavailable, "TLS: certificate verify failed"), false});
  int made = 0;
  auto r = run_with_retries<int>(RetryPolicy{}, clock, clock.now() + milliseconds(60'000), s.fn(),
                                 &made);
  ASSERT_FALSE(r);
  EXPECT_EQ(made, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(RunWithRetries, HonoursRetryAfterCapped) {
  FakeClock clock;
  RetryPolicy p;
  p.max_retry_after = milliseconds(5'000);
  Script s;
  Attempt<int> a1{429, true, milliseconds(2'000)};
  Attempt<int> a2{503, true, milliseconds(3'600'000)};  // an hour: capped
  s.steps.push_back(std::move(a1));
  s.steps.push_back(std::move(a2));
  s.steps.push_back({200, false});
  auto r = run_with_retries<int>(p, clock, clock.now() + milliseconds(60'000), s.fn());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 200);
  EXPECT_EQ(clock.sleeps, (std::vector<milliseconds>{milliseconds(2'000), milliseconds(5'000)}));
}

TEST(RunWithRetries, GivesUpWhenTheNextDelayPassesTheDeadline) {
  FakeClock clock;
  RetryPolicy p;
  p.max_retry_after = milliseconds(30'000);
  Script s;
  s.steps.push_back({503, true, milliseconds(10'000)});
  int made = 0;
  auto r = run_with_retries<int>(p, clock, clock.now() + milliseconds(5'000), s.fn(), &made);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 503);  // the last answer, not a made-up error
  EXPECT_EQ(made, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(HttpStatus, RetryableStatuses) {
  EXPECT_TRUE(is_retryable_status(429));
  EXPECT_TRUE(is_retryable_status(500));
  EXPECT_TRUE(is_retryable_status(502));
  EXPECT_TRUE(is_retryable_status(503));
  EXPECT_TRUE(is_retryable_status(504));
  EXPECT_FALSE(is_retryable_status(501));
  EXPECT_FALSE(is_retryable_status(505));
  EXPECT_FALSE(is_retryable_status(200));
  EXPECT_FALSE(is_retryable_status(401));
  EXPECT_FALSE(is_retryable_status(404));
}

TEST(HttpScheme, PlainHttpNeedsTheFlag) {
  EXPECT_TRUE(check_url_scheme("https://kbs:8080", false));
  EXPECT_TRUE(check_url_scheme("HTTPS://kbs", false));
  EXPECT_TRUE(check_url_scheme("http://127.0.0.1:1", true));
  auto r = check_url_scheme("http://127.0.0.1:1", false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_EQ(r.error().message,
            "refusing plain http:// for http://127.0.0.1:1; pass --insecure-http");
  auto ftp = check_url_scheme("ftp://kbs", true);
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().code, Code::InvalidArgument);
  EXPECT_EQ(check_url_scheme("kbs.example:8080", true).error().code, Code::InvalidArgument);
}

}  // namespace
}  // namespace attest::http
