// The one HTTP client of the project: a libcurl wrapper for the KBS protocol.
//
// Security defaults: TLS peer and host verification are always on; plain http:// is refused
// unless allow_insecure_http is set; redirects are never followed; only http/https are spoken.
// Proxies come from the environment (https_proxy, no_proxy, ...) exactly as libcurl reads them,
// unless use_proxy is false (the Azure IMDS, a link-local address no proxy can reach).
//
// Error codes (the CLI maps them through cli/exit_codes.h):
//   InvalidArgument   bad URL, plain http:// without allow_insecure_http, missing or unreadable
//                     CA/cert file (a bad option, not a missing device)
//   Unavailable       connection refused/reset, DNS failure, TLS failure (exit 5, "network").
//                     TLS verification failures are reported as "TLS: certificate verify failed
//                     (...)" and are never retried: a wrong CA does not fix itself.
//   DeadlineExceeded  the per-request timeout or the overall deadline fired
//   Corrupt           the response exceeded max_response_bytes ("response larger than N bytes")
// A non-2xx HTTP status is NOT an error here: the response is returned and the KBS layer maps it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/kbs/retry.h"
#include "common/error.h"

namespace attest::kbs {

struct HttpOptions {
  // Extra trusted root(s), PEM. They are ADDED to the system trust store (like guest-components'
  // add_kbs_cert), not substituted for it: a KBS with a public certificate keeps working.
  std::string ca_file;
  // Client certificate and key (PEM) for mutual TLS; both or neither.
  std::string client_cert_file;
  std::string client_key_file;
  bool allow_insecure_http = false;
  // False: connect directly, ignoring http_proxy/https_proxy/all_proxy.
  bool use_proxy = true;
  // Non-empty: connect to this Unix socket instead (attest-cli agent -> the agent's API); the
  // URL then only names the path, e.g. http://localhost/v1/token.
  std::string unix_socket_path;
  std::chrono::milliseconds connect_timeout{10'000};
  // Bound on one request (connect + transfer); also capped by what is left of the deadline.
  std::chrono::milliseconds request_timeout{30'000};
  // Bound on one send() including every retry and backoff sleep.
  std::chrono::milliseconds overall_timeout{60'000};
  // Optional hard end for every send() (e.g. a CLI command's --timeout covering the whole
  // handshake and fetch), on the client's Clock.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Largest accepted response body; larger ones are aborted while arriving.
  std::size_t max_response_bytes = 8u << 20;
  RetryPolicy retry;
  std::string user_agent = "attest-agent/0.1.0";
};

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent for POST
};

struct HttpResponse {
  long status = 0;
  // Header names lowercased, in arrival order, of the final response only.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int attempts = 1;  // how many tries send() made

  std::optional<std::string> header(std::string_view lowercase_name) const;
  std::vector<std::string> headers_named(std::string_view lowercase_name) const;
};

// The interface the KBS client talks to (tests substitute a scripted fake).
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends with retries (connection errors, 5xx except 501/505, 429) under the overall deadline.
  [[nodiscard]] virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

// True for statuses worth retrying: 429 and 5xx other than 501/505.
bool is_retryable_status(long status);

// Checks a URL against the options before any I/O: https:// always, http:// only when allowed.
[[nodiscard]] Result<void> check_url_scheme(std::string_view url, bool allow_insecure_http);

class CurlHttpClient final : public HttpClient {
 public:
  // Validates the options and loads the CA file once (so a bad --cert-file fails early).
  [[nodiscard]] static Result<std::unique_ptr<CurlHttpClient>> create(
      HttpOptions options, Clock& clock = system_clock());
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Thread-safe: concurrent calls use different easy handles; a finished handle (with its live
  // connection and TLS session) is reused by the next call, so requests share connections.
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) override;

  struct Impl;

 private:
  explicit CurlHttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attest::kbs
