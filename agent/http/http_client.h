// The one HTTP client of the project: a libcurl wrapper for the KBS protocol and the Azure IMDS.
//
// Security defaults: TLS peer and host verification are always on; a CA file given is the only
// trust anchor (curl --cacert), public keys can be pinned (curl --pinnedpubkey); plain http://
// is refused unless allow_insecure_http is set; redirects are never followed; only http/https
// are spoken; SSLKEYLOGFILE is ignored (TLS secrets never go to a file); URLs in messages have
// their user:password@ removed.
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
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/http/retry.h"
#include "common/error.h"

namespace attest::http {

struct HttpOptions {
  // Trusted root(s), PEM. When given they are the ONLY anchors (like curl --cacert): the JWE does
  // not authenticate the sender, so any server with a certificate from any system-trusted CA
  // could otherwise hand us a disk key of its choice (issue 9). Empty: the system trust store.
  std::string ca_file;
  // Also trust the system store besides ca_file (guest-components' add_kbs_cert behaviour).
  bool trust_system_store = false;
  // The file that stands for the system store; empty: libcurl's built-in default (tests point it
  // at a test CA to prove that ca_file excludes the system store).
  std::string system_ca_file;
  // Public-key pins: base64 SHA-256 of the server certificate's DER SubjectPublicKeyInfo, as
  // curl's --pinnedpubkey sha256//...; the certificate must match one of them, on top of the
  // chain verification. Empty: no pinning.
  std::vector<std::string> pinned_sha256;
  // Client certificate and key (PEM) for mutual TLS; both or neither.
  std::string client_cert_file;
  std::string client_key_file;
  bool allow_insecure_http = false;
  // Non-empty: connect to this Unix socket instead (attest-cli agent -> the agent's API); the
  // URL then only names the path, e.g. http://localhost/v1/token.
  std::string unix_socket_path;
  // False: connect directly, ignoring http_proxy/https_proxy/all_proxy.
  bool use_proxy = true;
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
  // Sent as "Authorization: Bearer <token>". The token stays in the caller's locked memory (it
  // must outlive send()); the header line is built in locked memory, and libcurl's copy of it is
  // wiped before it is freed. Never put a token in `headers`.
  std::optional<std::span<const std::uint8_t>> bearer_token;
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
  [[nodiscard]] static Result<std::unique_ptr<CurlHttpClient>> create(HttpOptions options,
                                                                      Clock& clock);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Thread-safe. Consecutive calls reuse one easy handle, so a one-shot exchange (auth, attest,
  // resource) costs one TCP connect, one TLS handshake and one CA load; a call made while
  // another is in flight uses its own handle.
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) override;

  // For shutdown: every send() in flight fails within about a second (libcurl's progress
  // callback runs at least once a second, even on a connection where nothing arrives), and every
  // later one at once, with Unavailable and no retry. Irreversible; thread-safe.
  void cancel();

  struct Impl;

 private:
  explicit CurlHttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attest::http
