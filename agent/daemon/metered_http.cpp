#include "agent/daemon/metered_http.h"

#include "agent/http/retry.h"

namespace attest::daemon {

std::string_view kbs_endpoint_of(std::string_view url) {
  const auto at = url.find("/kbs/v0/");
  if (at == std::string_view::npos) return "other";
  std::string_view rest = url.substr(at + 8);
  for (std::string_view e : {"auth", "attest", "resource"}) {
    if (rest.starts_with(e) &&
        (rest.size() == e.size() || rest[e.size()] == '/' || rest[e.size()] == '?'))
      return e;
  }
  return "other";
}

Result<http::HttpResponse> MeteredHttpClient::send(const http::HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  auto r = inner_.send(request);
  metrics_.kbs_request(kbs_endpoint_of(request.url), r ? r->status : 0,
                       std::chrono::steady_clock::now() - start);
  if (r && (r->status == 429 || r->status == 503)) {
    if (auto value = r->header("retry-after")) {
      if (auto delay = http::parse_retry_after(*value)) {
        std::lock_guard lock(mu_);
        retry_after_ = std::chrono::duration_cast<std::chrono::milliseconds>(*delay);
      }
    }
  }
  return r;
}

std::optional<std::chrono::milliseconds> MeteredHttpClient::take_retry_after() {
  std::lock_guard lock(mu_);
  return std::exchange(retry_after_, std::nullopt);
}

}  // namespace attest::daemon
