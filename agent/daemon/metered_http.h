// An HttpClient decorator between the KBS client and the one persistent libcurl client: it
// times and counts every KBS request by endpoint (Metrics) and remembers the last Retry-After a
// busy KBS sent (429/503), so that the daemon's retry loop can honour it without the KBS client
// having to carry HTTP headers in its errors.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>

#include "agent/daemon/metrics.h"
#include "agent/http/http_client.h"

namespace attest::daemon {

// "auth", "attest", "resource" or "other", from a KBS URL's path (/kbs/v0/<endpoint>...).
std::string_view kbs_endpoint_of(std::string_view url);

class MeteredHttpClient final : public http::HttpClient {
 public:
  MeteredHttpClient(http::HttpClient& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}
  [[nodiscard]] Result<http::HttpResponse> send(const http::HttpRequest& request) override;
  // The Retry-After of the last 429/503 answer since the previous call, then forgets it.
  std::optional<std::chrono::milliseconds> take_retry_after();

 private:
  http::HttpClient& inner_;
  Metrics& metrics_;
  std::mutex mu_;
  std::optional<std::chrono::milliseconds> retry_after_;  // guarded by mu_
};

}  // namespace attest::daemon
