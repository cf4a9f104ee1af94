#include "agent/api/metrics.h"

#include <algorithm>
#include <cstdio>

namespace attest::api {
namespace {

constexpr std::array<std::string_view, kRouteCount> kRouteNames = {
    "resource",     "token",    "evidence",    "info",    "healthz",   "metrics", "measurements",
    "cdh_resource", "aa_token", "aa_evidence", "aa_aael", "coco_info", "unknown",
};

std::uint64_t load(const std::atomic<std::uint64_t>& a) noexcept {
  return a.load(std::memory_order_relaxed);
}

// Seconds with nanosecond precision, trailing zeros dropped ("0.00025", "1", "0.000123456").
std::string seconds(std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llu.%09llu", static_cast<unsigned long long>(ns / 1000000000),
                static_cast<unsigned long long>(ns % 1000000000));
  std::string out(buf);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

// name{route="r"[,extra]} value
void sample(std::string& out, std::string_view name, std::string_view route, std::string_view extra,
            std::string_view value) {
  out += name;
  out += "{route=\"";
  out += route;
  out += '"';
  if (!extra.empty()) {
    out += ',';
    out += extra;
  }
  out += "} ";
  out += value;
  out += '\n';
}

}  // namespace

std::string_view route_name(Route r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < kRouteNames.size() ? kRouteNames[i] : "unknown";
}

std::size_t Metrics::status_slot(int status) noexcept {
  for (std::size_t i = 0; i < kStatuses.size(); ++i)
    if (kStatuses[i] == status) return i;
  return kStatusSlots;
}

void Metrics::record(Route route, int status, std::chrono::nanoseconds latency) noexcept {
  const auto r = static_cast<std::size_t>(route);
  if (r >= kRouteCount) return;
  requests_[r][status_slot(status)].fetch_add(1, std::memory_order_relaxed);
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  const std::uint64_t us = ns / 1000;
  // Cumulative buckets are computed at render time; here each request lands in one bucket.
  for (std::size_t b = 0; b < kBucketsUs.size(); ++b) {
    if (us <= kBucketsUs[b]) {
      buckets_[r][b].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  latency_sum_ns_[r].fetch_add(ns, std::memory_order_relaxed);
  latency_count_[r].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Metrics::count(Route route, int status) const noexcept {
  const auto r = static_cast<std::size_t>(route);
  return r < kRouteCount ? load(requests_[r][status_slot(status)]) : 0;
}

void Metrics::append(std::string& out) const {
  out +=
      "# HELP attest_api_requests_total Socket API requests by route and HTTP status.\n"
      "# TYPE attest_api_requests_total counter\n";
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    for (std::size_t s = 0; s <= kStatusSlots; ++s) {
      const std::uint64_t n = load(requests_[r][s]);
      if (n == 0) continue;
      const std::string status = s < kStatusSlots ? std::to_string(kStatuses[s]) : "other";
      sample(out, "attest_api_requests_total", kRouteNames[r], "status=\"" + status + "\"",
             std::to_string(n));
    }
  }
  out +=
      "# HELP attest_api_request_duration_seconds Time from request headers to response "
      "queued.\n"
      "# TYPE attest_api_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    const std::uint64_t total = load(latency_count_[r]);
    if (total == 0) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBucketsUs.size(); ++b) {
      cumulative += load(buckets_[r][b]);
      sample(out, "attest_api_request_duration_seconds_bucket", kRouteNames[r],
             "le=\"" + seconds(kBucketsUs[b] * 1000) + "\"", std::to_string(cumulative));
    }
    // Read count before +Inf so that +Inf >= every finite bucket even under concurrent updates.
    const std::string count = std::to_string(std::max(total, cumulative));
    sample(out, "attest_api_request_duration_seconds_bucket", kRouteNames[r], "le=\"+Inf\"", count);
    sample(out, "attest_api_request_duration_seconds_sum", kRouteNames[r], "",
           seconds(load(latency_sum_ns_[r])));
    sample(out, "attest_api_request_duration_seconds_count", kRouteNames[r], "", count);
  }
}

}  // namespace attest::api
