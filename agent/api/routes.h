// The socket API as a pure function: request -> response, over api::Service and the access
// decision. No sockets, no HTTP library: server.cpp hands a parsed request in and writes the
// response out, so every path, status and error body is unit-tested without a server.
//
// Paths (docs: kbs-protocol.md §10 for the CoCo api-server-rest aliases):
//   GET  /v1/resource/<repo>/<type>/<tag>   secret bytes (application/octet-stream)
//   GET  /v1/token                          the attestation token (application/jwt)
//   GET  /v1/evidence?runtime_data=<b64url> evidence JSON
//   GET  /v1/info                           version, TEE, KBS URL, token expiry, cached paths
//   GET  /healthz                           200 {"status":"ready"} | 503 + reason
//   GET  /metrics                           Prometheus text
//   POST /v1/measurements                   {"domain","operation","content"}
//   GET  /cdh/resource/<repo>/<type>/<tag>  as /v1/resource
//   GET  /aa/token?token_type=kbs           {"token","tee_keypair"}
//   GET  /aa/evidence?runtime_data=..[&encoding=base64]
//   POST /aa/aael                           as /v1/measurements, answers {"success":"true"}
//   GET  /info                              {"version","tee","additional_tees","feature"}
// Errors: JSON {"error": "<what failed>", "code": "<code_name() of the Code>"}. Statuses for a
// Service error come from one table (status_for); the request-level ones are 403 (access),
// 404 (no such path), 405 (method), 413 (body), 414 (URL), 400 (query/body malformed).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/api/access.h"
#include "agent/api/metrics.h"
#include "agent/api/service.h"
#include "agent/config/config.h"
#include "common/error.h"
#include "common/secure_buffer.h"

namespace attest::api {

// Bounds on what a caller may send. The HTTP server enforces the same (its header memory
// limit bounds the URL before we see it; these are checked again here).
inline constexpr std::size_t kMaxPathBytes = 2048;
inline constexpr std::size_t kMaxQueryArgs = 8;
inline constexpr std::size_t kMaxBodyBytes = 64u << 10;
// runtime_data is handed to the provider unhashed: at most the 64 bytes of report data.
inline constexpr std::size_t kMaxRuntimeDataBytes = 64;

struct Request {
  std::string_view method;                                 // "GET", "POST", ...
  std::string_view path;                                   // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order, duplicates kept
  std::string_view body;
  const PeerCred& peer;  // the connection's, fixed for its lifetime (not copied per request)
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Allow on 405)
  std::string body;                                          // non-secret bytes
  bool secret = false;    // the body is secret_body (never copied into `body`)
  SecretRef secret_body;  // a resource's bytes (the cache's own buffer), a token, {"token",...}
  Route route = Route::Unknown;
  // What this response hands out, for the release audit log: "resource default/key/disk",
  // "token". Empty for anything that is not a release (and for every error).
  std::string release;

  std::span<const std::uint8_t> bytes() const noexcept {
    if (secret) return secret_body ? secret_body->bytes() : std::span<const std::uint8_t>{};
    return {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()};
  }
};

// The HTTP status for an error a Service call returned (one table for the whole API).
// PermissionDenied/Unauthenticated from the Service mean the KBS refused (502), not the
// caller: the caller's own refusal is the access layer's 403.
int status_for(Code code) noexcept;

// An error response: {"error": message, "code": code_name(code)}.
Response error_response(int status, Code code, std::string_view message, Route route);

class Router {
 public:
  Router(Service& service, const Metrics& metrics) : service_(service), metrics_(metrics) {}

  // Everything that can be decided from the request line and the caller alone (path, method,
  // URL length, access): an answer when the request must stop here, else nullopt and the
  // server reads the body. server.cpp calls it before reading any body, so a refused caller
  // never gets to make the agent read a megabyte.
  [[nodiscard]] std::optional<Response> admit(const Request& head,
                                              std::span<const config::AccessRule> rules) const;

  // The full answer (admits again, then does the work). Thread-safe: Service is. May block
  // (a resource not cached yet waits for a KBS handshake; tokens, evidence, measurements).
  [[nodiscard]] Response handle(const Request& request,
                                std::span<const config::AccessRule> rules) const;

  // The answer when it is ready without blocking: every refusal and error handle() would give
  // from the request alone, a cached resource, and the status routes (info, healthz, metrics).
  // nullopt when the answer needs a Service call that may block: the server then calls
  // handle() off its event loop. Never calls a blocking Service method.
  [[nodiscard]] std::optional<Response> try_handle(const Request& request,
                                                   std::span<const config::AccessRule> rules) const;

  // The route a path names (Unknown when none), for metrics of requests that never reach
  // handle() (413 while reading the body).
  [[nodiscard]] static Route route_of(std::string_view path) noexcept;

 private:
  Service& service_;
  const Metrics& metrics_;
};

}  // namespace attest::api
