// The daemon's own metrics, rendered in Prometheus text exposition format (version 0.0.4) for
// GET /metrics: KBS requests and their latency per endpoint, handshakes, failures by kind,
// cache hits and releases per resource. Names and labels only, never values. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/store/secret_store.h"
#include "common/error.h"

namespace attest::daemon {

class Metrics {
 public:
  // One KBS request: endpoint "auth", "attest", "resource" or "other"; status 0 when no HTTP
  // answer arrived (the request failed with `error`).
  void kbs_request(std::string_view endpoint, long status, std::chrono::nanoseconds latency);
  // A failed operation ("resource", "token", "evidence", "measurement", "startup", "refresh"),
  // counted by the error's Code.
  void failure(std::string_view operation, Code code);
  // A secret handed to a client ("repo/type/tag").
  void release(const std::string& resource);

  // Appends every metric; the store's counters are read by the caller and passed in.
  void append(std::string& out, const store::StoreStats& store) const;

 private:
  struct Latency {
    std::uint64_t count = 0;
    double seconds = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Latency, std::less<>> latency_;                     // endpoint
  std::map<std::pair<std::string, std::string>, std::uint64_t> responses_;  // endpoint, status
  std::uint64_t handshakes_ = 0;  // successful /attest answers
  std::map<std::pair<std::string, std::string>, std::uint64_t> failures_;  // operation, code
  std::map<std::string, std::uint64_t> releases_;                          // resource
};

}  // namespace attest::daemon
