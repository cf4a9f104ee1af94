#include "agent/daemon/refresh_policy.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace attest::daemon {
namespace {

using attest::testing::FakeClock;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RefreshPolicy, RefreshesAtTheFractionOfTheLifetimeWithSymmetricJitter) {
  FakeClock clock;
  RefreshPolicy p({}, clock);
  clock.unit = 0.5;  // the middle of the jitter range: exactly 80 %
  EXPECT_EQ(p.after_success(seconds(300)), milliseconds(240000));
  clock.unit = 0.0;  // -10 %
  EXPECT_EQ(p.after_success(seconds(300)), milliseconds(216000));
  clock.unit = 0.999999;  // just under +10 %
  const auto top = p.after_success(seconds(300));
  EXPECT_GT(top, milliseconds(263990));
  EXPECT_LT(top, milliseconds(264000));
  EXPECT_TRUE(clock.sleeps.empty());  // pure: it computes delays, never sleeps
}

TEST(RefreshPolicy, OptionsChangeFractionAndJitter) {
  FakeClock clock;
  RefreshPolicy p({.refresh_fraction = 0.5, .jitter = 0.2}, clock);
  clock.unit = 0.0;
  EXPECT_EQ(p.after_success(seconds(100)), milliseconds(40000));
  clock.unit = 0.5;
  EXPECT_EQ(p.after_success(seconds(100)), milliseconds(50000));
}

TEST(RefreshPolicy, FixedIntervalIsJitteredButNeverLaterThanTheLifetimeSchedule) {
  FakeClock clock;
  clock.unit = 0.5;
  RefreshPolicy p({.fixed_interval = seconds(60)}, clock);
  EXPECT_EQ(p.after_success(seconds(3600)), milliseconds(60000));
  clock.unit = 0.0;
  EXPECT_EQ(p.after_success(seconds(3600)), milliseconds(54000));
  // A token valid for 50 s would expire before a 60 s refresh: the lifetime schedule wins.
  clock.unit = 0.5;
  EXPECT_EQ(p.after_success(seconds(50)), milliseconds(40000));
}

TEST(RefreshPolicy, TokenWithoutLifetimeDoesNotBusyLoop) {
  FakeClock clock;
  RefreshPolicy p({.initial_backoff = milliseconds(1500)}, clock);
  EXPECT_EQ(p.after_success(seconds(0)), milliseconds(1500));
  EXPECT_EQ(p.after_success(seconds(-20)), milliseconds(1500));
  EXPECT_EQ(p.after_success(seconds(1)), milliseconds(1500));
}

TEST(RefreshPolicy, FailuresBackOffExponentiallyWithFullJitterUpToTheCap) {
  FakeClock clock;
  RefreshPolicy p({.initial_backoff = milliseconds(1000), .max_backoff = milliseconds(10000)},
                  clock);
  clock.unit = 0.5;
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(500));   // ceiling 1 s
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(1000));  // 2 s
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(2000));  // 4 s
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(4000));  // 8 s
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(5000));  // capped at 10 s
  EXPECT_EQ(p.consecutive_failures(), 5);
  clock.unit = 0.0;  // full jitter: the delay may be anywhere down to zero
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(0));
  clock.unit = 0.999;
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(9990));
  EXPECT_EQ(p.consecutive_failures(), 7);
}

TEST(RefreshPolicy, SuccessResetsTheBackoff) {
  FakeClock clock;
  clock.unit = 0.5;
  RefreshPolicy p({}, clock);
  for (int i = 0; i < 6; ++i) (void)p.after_failure(std::nullopt);
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(32000));  // 7th: ceiling 64 s
  (void)p.after_success(seconds(300));
  EXPECT_EQ(p.consecutive_failures(), 0);
  clock.advance(seconds(300));  // that token has expired: only the backoff is left
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(500));
}

TEST(RefreshPolicy, AFailedRefreshSpreadsOverTwiceTheMarginItsTokenHad) {
  FakeClock clock;
  clock.unit = 0.5;
  RefreshPolicy p({}, clock);
  EXPECT_EQ(p.after_success(seconds(300)), milliseconds(240000));
  clock.advance(seconds(240));  // the refresh at 80 % fails: the token has 60 s left
  // Window max(backoff 1 s, 2 * max(failing 0 s, margin 60 s)) = 120 s; full jitter: 60 s.
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(60000));
  clock.unit = 0.0;
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(0));
  // The margin is the one when the failures began: it does not shrink as the token ages.
  clock.advance(seconds(50));
  clock.unit = 0.75;
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(90000));
  // Failing for longer than the margin widens the window: 2 * 100 s.
  clock.advance(seconds(50));
  clock.unit = 0.5;
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(100000));
  EXPECT_EQ(p.consecutive_failures(), 4);
}

TEST(RefreshPolicy, WithoutATokenTheWindowGrowsWithTheTimeSpentFailing) {
  FakeClock clock;
  clock.unit = 0.5;
  RefreshPolicy p({}, clock);                                   // at boot: no token, no margin
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(500));  // backoff 1 s
  clock.advance(seconds(10));
  // 2nd failure: backoff 2 s, but 10 s of failing: window 20 s.
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(10000));
  clock.advance(seconds(1000));
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(150000));  // capped at max_backoff 300 s
}

TEST(RefreshPolicy, TheRecoverySpreadIsCappedAndCanBeTurnedOff) {
  FakeClock clock;
  clock.unit = 0.5;
  // The margin counts at most one normal refresh interval: refresh_seconds = 12 with a
  // day-long token retries within 2 * 12 s.
  RefreshPolicy fixed({.fixed_interval = seconds(12)}, clock);
  EXPECT_EQ(fixed.after_success(seconds(86400)), milliseconds(12000));
  EXPECT_EQ(fixed.after_failure(std::nullopt), milliseconds(12000));
  RefreshPolicy capped({.max_backoff = milliseconds(20000)}, clock);
  (void)capped.after_success(seconds(300));
  clock.advance(seconds(240));
  EXPECT_EQ(capped.after_failure(std::nullopt), milliseconds(10000));  // 120 s capped at 20 s
  RefreshPolicy off({.recovery_spread = 0.0}, clock);
  (void)off.after_success(seconds(300));
  clock.advance(seconds(240));
  EXPECT_EQ(off.after_failure(std::nullopt), milliseconds(500));  // plain backoff: 1 s window
  // Retry-After still wins when it asks for longer, and never shortens the spread window.
  RefreshPolicy asked({}, clock);
  (void)asked.after_success(seconds(100));
  clock.advance(seconds(80));  // margin 20 s: window 40 s
  clock.unit = 0.0;
  EXPECT_EQ(asked.after_failure(milliseconds(7000)), milliseconds(7000));
  clock.unit = 0.5;  // 40 s * 0.5 = 20 s beats Retry-After 7 s (+5 %)
  EXPECT_EQ(asked.after_failure(milliseconds(7000)), milliseconds(20000));
}

TEST(RefreshPolicy, ManyFailuresNeitherOverflowNorExceedTheCap) {
  FakeClock clock;
  clock.unit = 0.999;
  RefreshPolicy p({}, clock);
  milliseconds last{};
  for (int i = 0; i < 10000; ++i) last = p.after_failure(std::nullopt);
  EXPECT_EQ(last, milliseconds(299700));
  EXPECT_EQ(p.consecutive_failures(), 10000);
}

TEST(RefreshPolicy, RetryAfterIsHonouredAndSpreadUpwards) {
  FakeClock clock;
  RefreshPolicy p({}, clock);
  clock.unit = 0.0;  // backoff 0, spread +0 %
  EXPECT_EQ(p.after_failure(milliseconds(60000)), milliseconds(60000));
  clock.unit = 0.5;  // +5 %
  EXPECT_EQ(p.after_failure(milliseconds(60000)), milliseconds(63000));
  clock.unit = 0.0;
  EXPECT_EQ(p.after_failure(milliseconds(0)), milliseconds(0));
}

TEST(RefreshPolicy, RetryAfterNeverShortensTheBackoff) {
  FakeClock clock;
  clock.unit = 0.5;
  RefreshPolicy p({}, clock);
  for (int i = 0; i < 5; ++i) (void)p.after_failure(std::nullopt);
  // 6th failure: backoff ceiling 32 s * 0.5 = 16 s beats "Retry-After: 1".
  EXPECT_EQ(p.after_failure(milliseconds(1000)), milliseconds(16000));
}

TEST(RefreshPolicy, RetryAfterIsCapped) {
  FakeClock clock;
  clock.unit = 0.0;
  RefreshPolicy p({.max_retry_after = milliseconds(120000)}, clock);
  // "Retry-After: 1000000000" (31 years) from a hostile or broken server.
  EXPECT_EQ(p.after_failure(milliseconds(1'000'000'000'000)), milliseconds(120000));
  EXPECT_EQ(p.after_failure(milliseconds(-5)), milliseconds(0));
}

TEST(RefreshPolicy, NonsenseOptionsAreClamped) {
  FakeClock clock;
  clock.unit = 0.0;
  RefreshPolicy p({.refresh_fraction = 7.0,
                   .jitter = 3.0,
                   .initial_backoff = milliseconds(-1),
                   .max_backoff = milliseconds(-1)},
                  clock);
  // fraction 1.0, jitter 0.5: 100 s * 1.0 * 0.5
  EXPECT_EQ(p.after_success(seconds(100)), milliseconds(50000));
  clock.unit = 0.999;
  EXPECT_EQ(p.after_failure(std::nullopt), milliseconds(0));  // 1 ms ceiling, truncated
}

}  // namespace
}  // namespace attest::daemon
