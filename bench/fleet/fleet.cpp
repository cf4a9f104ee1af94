// bench/fleet: what one KBS sees from a fleet of attest-agents (issue 10, "Fleet behaviour").
//
// A discrete-event simulation of N agents, each scheduling its handshakes with the daemon's real
// scheduler (agent/daemon/refresh_policy.h, linked, not copied) over a simulated clock, against
// a KBS model with a capacity limit and one outage. It prints, per policy, the handshakes per
// agent per token lifetime in steady state and the peak request rate after the outage relative
// to the steady rate, next to naive policies for comparison.
//
// The model, deliberately simple (what it leaves out is listed in bench/README.md):
//  - a handshake (auth + attest) is one request and takes no time;
//  - the fleet has been running for a long time: each agent starts at a uniform point of its
//    first refresh interval (the policy's own after_success), so there is no boot wave;
//  - the KBS accepts at most `capacity` handshakes per second and answers the rest
//    429 with Retry-After (`retry_after` s); during the outage nothing answers (connection
//    refused: no Retry-After) and those attempts are not counted as KBS requests;
//  - every accepted handshake returns a token valid for `lifetime`.
//
// Deterministic for a given --seed (one mt19937_64 drives every random draw, in event order).
//
// Output: a readable table, then `RESULT|fleet|<metric>|<value>|<unit>` lines for scripts/bench.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "agent/daemon/refresh_policy.h"
#include "agent/http/retry.h"

namespace {

using attest::daemon::RefreshPolicy;
using attest::daemon::RefreshPolicyOptions;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Scenario {
  int agents = 10000;
  std::int64_t lifetime_s = 300;     // token lifetime
  std::int64_t capacity = 100;       // handshakes per second the KBS accepts
  std::int64_t retry_after_s = 10;   // its Retry-After when over capacity
  std::int64_t steady_from_s = 600;  // after two lifetimes of warm-up
  std::int64_t outage_at_s = 1800;
  std::int64_t outage_s = 60;
  std::int64_t end_s = 3300;  // five lifetimes after the outage
  std::uint64_t seed = 1;
};

// Simulated time and the one random stream. Only random_unit() is part of what the scheduler
// uses; now() serves the simulation itself; nobody may sleep.
class SimClock final : public attest::Clock {
 public:
  explicit SimClock(std::uint64_t seed) : rng_(seed) {}
  std::chrono::steady_clock::time_point now() override { return now_; }
  std::int64_t unix_now() override {
    return std::chrono::duration_cast<seconds>(now_.time_since_epoch()).count();
  }
  void sleep_for(milliseconds) override {
    std::fputs("fleet: the scheduler slept on the simulated clock\n", stderr);
    std::abort();
  }
  double random_unit() override { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  void set(milliseconds t) { now_ = std::chrono::steady_clock::time_point(t); }

 private:
  std::chrono::steady_clock::time_point now_{};
  std::mt19937_64 rng_;
};

// What an agent asks after each handshake: the real module, or a naive variant around it.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual milliseconds after_success(seconds lifetime) = 0;
  virtual milliseconds after_failure(std::optional<milliseconds> retry_after) = 0;
};

class RealPolicy final : public Scheduler {
 public:
  RealPolicy(RefreshPolicyOptions o, attest::Clock& c) : policy_(o, c) {}
  milliseconds after_success(seconds l) override { return policy_.after_success(l); }
  milliseconds after_failure(std::optional<milliseconds> ra) override {
    return policy_.after_failure(ra);
  }

 private:
  RefreshPolicy policy_;
};

// The common naive client: retry every second, whatever the server says.
class FixedRetry final : public Scheduler {
 public:
  FixedRetry(RefreshPolicyOptions o, attest::Clock& c) : policy_(o, c) {}
  milliseconds after_success(seconds l) override { return policy_.after_success(l); }
  milliseconds after_failure(std::optional<milliseconds>) override { return milliseconds(1000); }

 private:
  RefreshPolicy policy_;
};

struct PolicyCase {
  std::string key;    // for RESULT lines
  std::string title;  // for the table
  std::function<std::unique_ptr<Scheduler>(attest::Clock&)> make;
};

// Refresh exactly at expiry: the real module with fraction 1 and no jitter.
constexpr RefreshPolicyOptions kAtExpiry{
    .refresh_fraction = 1.0, .jitter = 0.0, .recovery_spread = 0.0};

std::vector<PolicyCase> policy_cases(bool short_list) {
  auto ours = [](RefreshPolicyOptions o) {
    return [o](attest::Clock& c) -> std::unique_ptr<Scheduler> {
      return std::make_unique<RealPolicy>(o, c);
    };
  };
  std::vector<PolicyCase> cases = {
      {"ours", "attest-agent: 80 % +-10 %, backoff + recovery spread 2", ours({})},
      // The policy before the recovery spread: full-jitter exponential backoff only.
      {"ours_no_spread", "attest-agent, recovery_spread 0 (backoff only)",
       ours({.recovery_spread = 0.0})},
  };
  if (short_list) return cases;
  cases.push_back(
      {"ours_spread1", "attest-agent, recovery_spread 1", ours({.recovery_spread = 1.0})});
  // Handshakes per lifetime is 1 / refresh_fraction by construction: the other fractions show
  // the price of issue 7's 80 % (bench/README.md).
  cases.push_back(
      {"ours_f090", "attest-agent with refresh_fraction 0.90", ours({.refresh_fraction = 0.90})});
  cases.push_back(
      {"ours_f095", "attest-agent with refresh_fraction 0.95", ours({.refresh_fraction = 0.95})});
  cases.push_back({"naive_fixed_retry", "naive: fixed 1 s retry (refresh as ours)", [](auto& c) {
                     return std::make_unique<FixedRetry>(RefreshPolicyOptions{}, c);
                   }});
  cases.push_back(
      {"naive_at_expiry", "naive: refresh at expiry, no jitter, backoff only", ours(kAtExpiry)});
  cases.push_back({"naive_both", "naive: refresh at expiry + fixed 1 s retry",
                   [](auto& c) { return std::make_unique<FixedRetry>(kAtExpiry, c); }});
  return cases;
}

struct Figures {
  double handshakes_per_lifetime = 0;  // successful, per agent, steady window
  double requests_per_lifetime = 0;    // all KBS requests (incl. 429s), per agent, steady
  double steady_rate = 0;              // KBS requests per second, steady window mean
  double steady_peak_10s = 0;          // highest 10 s average inside the steady window
  double post_peak_10s = 0;            // highest 10 s average after the outage
  double post_peak_1s = 0;             // highest single second after the outage
  double late_peak_10s = 0;         // highest 10 s average in the last lifetime: do lumps persist?
  double recovery_s = 0;            // outage end -> last agent that was failing gets a token
  std::int64_t rejected_after = 0;  // 429s after the outage
};

struct Event {
  std::int64_t at_ms;
  std::int32_t agent;
  bool operator>(const Event& o) const {
    return at_ms != o.at_ms ? at_ms > o.at_ms : agent > o.agent;
  }
};

double max_window_mean(const std::vector<std::int64_t>& per_s, std::int64_t from, std::int64_t to,
                       std::int64_t window) {
  double best = 0;
  std::int64_t sum = 0;
  for (std::int64_t s = from; s < to; ++s) {
    sum += per_s[static_cast<std::size_t>(s)];
    if (s - from >= window) sum -= per_s[static_cast<std::size_t>(s - window)];
    if (s - from + 1 >= window) best = std::max(best, static_cast<double>(sum) / window);
  }
  return best;
}

Figures simulate(const Scenario& sc, const PolicyCase& pc) {
  SimClock clock(sc.seed);
  std::vector<std::unique_ptr<Scheduler>> agents;
  agents.reserve(static_cast<std::size_t>(sc.agents));
  for (int i = 0; i < sc.agents; ++i) agents.push_back(pc.make(clock));

  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue;
  for (int i = 0; i < sc.agents; ++i) {
    const milliseconds first =
        agents[static_cast<std::size_t>(i)]->after_success(seconds(sc.lifetime_s));
    queue.push(
        {static_cast<std::int64_t>(clock.random_unit() * static_cast<double>(first.count())), i});
  }

  const std::int64_t outage_from = sc.outage_at_s * 1000;
  const std::int64_t outage_to = (sc.outage_at_s + sc.outage_s) * 1000;
  std::vector<std::int64_t> requests(static_cast<std::size_t>(sc.end_s) + 1, 0);
  std::vector<std::int64_t> accepted(static_cast<std::size_t>(sc.end_s) + 1, 0);
  std::vector<std::int64_t> failing_since(static_cast<std::size_t>(sc.agents), -1);
  std::int64_t steady_successes = 0, steady_requests = 0, rejected_after = 0, recovery_ms = 0;

  while (!queue.empty()) {
    const Event e = queue.top();
    queue.pop();
    if (e.at_ms >= sc.end_s * 1000) break;
    clock.set(milliseconds(e.at_ms));
    const auto sec = static_cast<std::size_t>(e.at_ms / 1000);
    const bool steady = e.at_ms >= sc.steady_from_s * 1000 && e.at_ms < outage_from;
    Scheduler& agent = *agents[static_cast<std::size_t>(e.agent)];
    auto& since = failing_since[static_cast<std::size_t>(e.agent)];
    milliseconds next{};
    if (e.at_ms >= outage_from && e.at_ms < outage_to) {
      next = agent.after_failure(std::nullopt);  // connection refused
      if (since < 0) since = e.at_ms;
    } else {
      ++requests[sec];
      if (steady) ++steady_requests;
      if (accepted[sec] >= sc.capacity) {
        next = agent.after_failure(milliseconds(sc.retry_after_s * 1000));
        if (e.at_ms >= outage_to) ++rejected_after;
        if (since < 0) since = e.at_ms;
      } else {
        ++accepted[sec];
        if (steady) ++steady_successes;
        next = agent.after_success(seconds(sc.lifetime_s));
        if (since >= 0 && since < outage_to && e.at_ms >= outage_to)
          recovery_ms = std::max(recovery_ms, e.at_ms - outage_to);
        since = -1;
      }
    }
    queue.push({e.at_ms + std::max<std::int64_t>(next.count(), 1), e.agent});
  }

  Figures f;
  const double steady_s = static_cast<double>(sc.outage_at_s - sc.steady_from_s);
  const double lifetimes = steady_s / static_cast<double>(sc.lifetime_s);
  f.handshakes_per_lifetime = static_cast<double>(steady_successes) / sc.agents / lifetimes;
  f.requests_per_lifetime = static_cast<double>(steady_requests) / sc.agents / lifetimes;
  f.steady_rate = static_cast<double>(steady_requests) / steady_s;
  f.steady_peak_10s = max_window_mean(requests, sc.steady_from_s, sc.outage_at_s, 10);
  const std::int64_t after = sc.outage_at_s + sc.outage_s;
  f.post_peak_10s = max_window_mean(requests, after, sc.end_s, 10);
  f.post_peak_1s = max_window_mean(requests, after, sc.end_s, 1);
  f.late_peak_10s = max_window_mean(requests, sc.end_s - sc.lifetime_s, sc.end_s, 10);
  f.recovery_s = static_cast<double>(recovery_ms) / 1000.0;
  f.rejected_after = rejected_after;
  return f;
}

bool parse_flag(std::string_view arg, std::string_view name, auto& out) {
  if (!arg.starts_with(name) || arg.size() <= name.size() || arg[name.size()] != '=') return false;
  const std::string_view v = arg.substr(name.size() + 1);
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || out < 0) {
    std::fprintf(stderr, "fleet: bad value for %.*s\n", static_cast<int>(name.size()), name.data());
    std::exit(2);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Scenario sc;
  int seeds = 1;
  bool short_list = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--short") {
      short_list = true;
      continue;
    }
    if (parse_flag(a, "--agents", sc.agents) || parse_flag(a, "--seed", sc.seed) ||
        parse_flag(a, "--lifetime", sc.lifetime_s) || parse_flag(a, "--capacity", sc.capacity) ||
        parse_flag(a, "--outage", sc.outage_s) || parse_flag(a, "--seeds", seeds))
      continue;
    std::fprintf(stderr,
                 "usage: fleet [--agents=N] [--seed=N] [--seeds=K] [--lifetime=S] "
                 "[--capacity=PER_S] [--outage=S] [--short]\n"
                 "  --seeds=K: K runs (seeds N..N+K-1); RESULT lines give the median and range\n"
                 "  --short: only attest-agent's policy and its no-spread variant\n");
    return 2;
  }
  if (sc.agents < 1 || sc.lifetime_s < 10 || sc.capacity < 1 || seeds < 1) {
    std::fputs("fleet: need agents >= 1, lifetime >= 10, capacity >= 1, seeds >= 1\n", stderr);
    return 2;
  }
  sc.steady_from_s = 2 * sc.lifetime_s;
  sc.outage_at_s = 6 * sc.lifetime_s;
  sc.end_s = sc.outage_at_s + sc.outage_s + 5 * sc.lifetime_s;

  std::printf(
      "fleet: %d agents, token lifetime %lld s, KBS capacity %lld handshakes/s (429 "
      "Retry-After %lld s), outage %lld s at t=%lld s, seed %llu (%d run(s))\n"
      "steady window t=%lld..%lld s; rates are KBS requests/s (429s included), peaks over 10 s\n\n",
      sc.agents, static_cast<long long>(sc.lifetime_s), static_cast<long long>(sc.capacity),
      static_cast<long long>(sc.retry_after_s), static_cast<long long>(sc.outage_s),
      static_cast<long long>(sc.outage_at_s), static_cast<unsigned long long>(sc.seed), seeds,
      static_cast<long long>(sc.steady_from_s), static_cast<long long>(sc.outage_at_s));
  std::printf("%-62s %9s %9s %8s %8s %9s %8s %8s %9s %8s\n", "policy", "hs/agent", "req/agent",
              "steady", "steady", "post-out", "post/", "last-lt", "recovery", "429s");
  std::printf("%-62s %9s %9s %8s %8s %9s %8s %8s %9s %8s\n", "", "/lifetime", "/lifetime", "req/s",
              "peak/s", "peak/s", "steady", "/steady", "s", "after");
  struct Row {
    std::string key;
    std::vector<Figures> runs;  // one per seed
  };
  std::vector<Row> all;
  const std::uint64_t first_seed = sc.seed;
  for (const auto& pc : policy_cases(short_list)) {
    Row row{pc.key, {}};
    for (int k = 0; k < seeds; ++k) {
      sc.seed = first_seed + static_cast<std::uint64_t>(k);
      const Figures f = simulate(sc, pc);
      // The table shows the first seed's run; with --seeds the RESULT lines give the spread.
      if (k == 0)
        std::printf("%-62s %9.3f %9.3f %8.1f %8.1f %9.1f %7.2fx %7.2fx %9.1f %8lld\n",
                    pc.title.c_str(), f.handshakes_per_lifetime, f.requests_per_lifetime,
                    f.steady_rate, f.steady_peak_10s, f.post_peak_10s,
                    f.post_peak_10s / f.steady_rate, f.late_peak_10s / f.steady_rate, f.recovery_s,
                    static_cast<long long>(f.rejected_after));
      row.runs.push_back(f);
    }
    all.push_back(std::move(row));
  }
  std::printf("\n");
  const std::vector<std::tuple<const char*, const char*, std::function<double(const Figures&)>>>
      metrics = {
          {"handshakes_per_agent_per_lifetime", "handshakes",
           [](const Figures& f) { return f.handshakes_per_lifetime; }},
          {"requests_per_agent_per_lifetime", "requests",
           [](const Figures& f) { return f.requests_per_lifetime; }},
          {"steady_rate", "req/s", [](const Figures& f) { return f.steady_rate; }},
          {"peak_after_outage_vs_steady", "x",
           [](const Figures& f) { return f.post_peak_10s / f.steady_rate; }},
          {"peak_1s_after_outage_vs_steady", "x",
           [](const Figures& f) { return f.post_peak_1s / f.steady_rate; }},
          {"steady_peak_vs_steady", "x",
           [](const Figures& f) { return f.steady_peak_10s / f.steady_rate; }},
          {"last_lifetime_peak_vs_steady", "x",
           [](const Figures& f) { return f.late_peak_10s / f.steady_rate; }},
          {"recovery", "s", [](const Figures& f) { return f.recovery_s; }},
      };
  for (const auto& row : all) {
    for (const auto& [name, unit, get] : metrics) {
      std::vector<double> v;
      for (const Figures& f : row.runs) v.push_back(get(f));
      std::sort(v.begin(), v.end());
      std::printf("RESULT|fleet|%s_%s|%.3f|%s\n", row.key.c_str(), name, v[v.size() / 2], unit);
      if (seeds > 1) {
        std::printf("RESULT|fleet|%s_%s_min|%.3f|%s\n", row.key.c_str(), name, v.front(), unit);
        std::printf("RESULT|fleet|%s_%s_max|%.3f|%s\n", row.key.c_str(), name, v.back(), unit);
      }
    }
  }
  return 0;
}
