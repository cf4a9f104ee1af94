// The socket API's own metrics: requests by route and status, latency histogram per route,
// rendered in the Prometheus text exposition format (version 0.0.4). Lock-free: every counter
// is an atomic, so recording costs a few relaxed increments on the request path.
//
// Labels come from fixed tables (route names, a closed set of statuses), never from the
// request: a caller cannot grow the metrics without bound, and no resource path appears here
// (releases per resource are the daemon's, in Service::append_metrics).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attest::api {

enum class Route : std::uint8_t {
  Resource,      // GET /v1/resource/<repo>/<type>/<tag>
  Token,         // GET /v1/token
  Evidence,      // GET /v1/evidence
  Info,          // GET /v1/info
  Health,        // GET /healthz
  Metrics,       // GET /metrics
  Measurements,  // POST /v1/measurements
  CdhResource,   // GET /cdh/resource/<repo>/<type>/<tag>
  AaToken,       // GET /aa/token
  AaEvidence,    // GET /aa/evidence
  AaAael,        // POST /aa/aael
  CocoInfo,      // GET /info
  Unknown,       // no such path
};
inline constexpr std::size_t kRouteCount = static_cast<std::size_t>(Route::Unknown) + 1;

std::string_view route_name(Route r) noexcept;

class Metrics {
 public:
  // Statuses counted on their own; anything else is counted as "other".
  static constexpr std::array<int, 12> kStatuses = {200, 400, 403, 404, 405, 413,
                                                    414, 500, 501, 502, 503, 504};
  // Histogram bucket upper bounds, in microseconds (rendered in seconds).
  static constexpr std::array<std::uint64_t, 12> kBucketsUs = {
      100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000, 1000000, 5000000, 30000000};

  void record(Route route, int status, std::chrono::nanoseconds latency) noexcept;
  // Appends the API's families (attest_api_requests_total, attest_api_request_duration_seconds).
  void append(std::string& out) const;
  // For tests and the bench: requests recorded for a route and status.
  std::uint64_t count(Route route, int status) const noexcept;

 private:
  static constexpr std::size_t kStatusSlots = kStatuses.size();  // plus one slot: "other"
  static std::size_t status_slot(int status) noexcept;

  std::array<std::array<std::atomic<std::uint64_t>, kStatusSlots + 1>, kRouteCount> requests_{};
  std::array<std::array<std::atomic<std::uint64_t>, kBucketsUs.size()>, kRouteCount> buckets_{};
  std::array<std::atomic<std::uint64_t>, kRouteCount> latency_sum_ns_{};
  std::array<std::atomic<std::uint64_t>, kRouteCount> latency_count_{};
};

}  // namespace attest::api
