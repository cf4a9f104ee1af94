#include "agent/api/routes.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "agent/kbs/resource_uri.h"
#include "common/bytes.h"

namespace attest::api {
namespace {

struct RouteEntry {
  std::string_view path;
  bool prefix;  // the path is followed by <repo>/<type>/<tag>
  std::string_view method;
  Route route;
  RequestKind kind;
};

constexpr std::array<RouteEntry, 12> kRoutes = {{
    {"/v1/resource/", true, "GET", Route::Resource, RequestKind::Resource},
    {"/cdh/resource/", true, "GET", Route::CdhResource, RequestKind::Resource},
    {"/v1/token", false, "GET", Route::Token, RequestKind::Token},
    {"/aa/token", false, "GET", Route::AaToken, RequestKind::Token},
    {"/v1/evidence", false, "GET", Route::Evidence, RequestKind::Evidence},
    {"/aa/evidence", false, "GET", Route::AaEvidence, RequestKind::Evidence},
    {"/v1/info", false, "GET", Route::Info, RequestKind::Info},
    {"/info", false, "GET", Route::CocoInfo, RequestKind::Info},
    {"/healthz", false, "GET", Route::Health, RequestKind::Info},
    {"/metrics", false, "GET", Route::Metrics, RequestKind::Info},
    {"/v1/measurements", false, "POST", Route::Measurements, RequestKind::Measurements},
    {"/aa/aael", false, "POST", Route::AaAael, RequestKind::Measurements},
}};

const RouteEntry* find_route(std::string_view path) noexcept {
  for (const auto& e : kRoutes)
    if (e.prefix ? path.starts_with(e.path) : path == e.path) return &e;
  return nullptr;
}

// The resource a /v1/resource or /cdh/resource path names, exactly "repo/type/tag": the
// remainder must be what parse_resource_uri would print back (no kbs:// spelling, no query).
Result<kbs::ResourceUri> resource_of(const RouteEntry& e, std::string_view path) {
  const std::string_view rest = path.substr(e.path.size());
  auto uri = kbs::parse_resource_uri(rest);
  if (!uri) return std::unexpected(std::move(uri.error()));
  if (uri->path() != rest)
    return fail(Code::InvalidArgument,
                "resource path must be <repo>/<type>/<tag>, got '" + std::string(rest) + "'");
  return uri;
}

// The query arguments a route accepts; anything else (unknown or repeated) is a 400, so a
// typo is reported instead of silently ignored.
struct QuerySpec {
  std::string_view name;
  bool required;
};

Result<std::vector<std::optional<std::string>>> take_query(
    const std::vector<std::pair<std::string, std::string>>& query,
    std::initializer_list<QuerySpec> spec) {
  std::vector<std::optional<std::string>> values(spec.size());
  for (const auto& [name, value] : query) {
    std::size_t i = 0;
    for (const auto& s : spec) {
      if (s.name == name) break;
      ++i;
    }
    if (i == spec.size())
      return fail(Code::InvalidArgument, "unknown query parameter '" + name + "'");
    if (values[i]) return fail(Code::InvalidArgument, "query parameter '" + name + "' repeated");
    values[i] = value;
  }
  std::size_t i = 0;
  for (const auto& s : spec) {
    if (s.required && !values[i])
      return fail(Code::InvalidArgument, "missing query parameter '" + std::string(s.name) + "'");
    ++i;
  }
  return values;
}

Response error_from(const Error& e, Route route) {
  return error_response(status_for(e.code), e.code, e.message, route);
}

Response bad_request(const Error& e, Route route) {
  return error_response(400, e.code, e.message, route);
}

Response json_response(const nlohmann::json& j, Route route) {
  Response r;
  r.route = route;
  r.body = j.dump() + "\n";
  return r;
}

Response secret_response(SecretRef bytes, std::string_view content_type, Route route,
                         std::string release) {
  Response r;
  r.route = route;
  r.content_type = std::string(content_type);
  r.secret = true;
  r.secret_body = std::move(bytes);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.release = std::move(release);
  return r;
}

// JSON string escaping of ASCII text (tokens and PEM keys are ASCII), straight into locked
// memory: the secret never passes through a std::string.
std::size_t escaped_size(ByteView in) {
  std::size_t n = 2;  // quotes
  for (const std::uint8_t c : in) n += (c == '"' || c == '\\' || c == '\n') ? 2 : c < 0x20 ? 6 : 1;
  return n;
}

std::size_t write_escaped(ByteView in, std::uint8_t* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t at = 0;
  out[at++] = '"';
  for (const std::uint8_t c : in) {
    if (c == '"' || c == '\\') {
      out[at++] = '\\';
      out[at++] = c;
    } else if (c == '\n') {
      out[at++] = '\\';
      out[at++] = 'n';
    } else if (c < 0x20) {
      for (const char ch : {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]})
        out[at++] = static_cast<std::uint8_t>(ch);
    } else {
      out[at++] = c;
    }
  }
  out[at++] = '"';
  return at;
}

Result<SecureBuffer> token_pair_json(const TokenReply& reply) {
  for (const ByteView part : {reply.token.bytes(), reply.private_key_pem.bytes()})
    if (std::any_of(part.begin(), part.end(), [](std::uint8_t c) { return c >= 0x80; }))
      return fail(Code::Internal, "token or TEE key is not ASCII");
  static constexpr std::string_view kHead = "{\"token\":";
  static constexpr std::string_view kMiddle = ",\"tee_keypair\":";
  static constexpr std::string_view kTail = "}";
  const std::size_t size = kHead.size() + escaped_size(reply.token.bytes()) + kMiddle.size() +
                           escaped_size(reply.private_key_pem.bytes()) + kTail.size();
  auto buf = SecureBuffer::make(size);
  if (!buf) return std::unexpected(std::move(buf.error()));
  std::uint8_t* out = buf->bytes().data();
  std::size_t at = 0;
  for (const auto& [text, part] :
       {std::pair{kHead, reply.token.bytes()}, std::pair{kMiddle, reply.private_key_pem.bytes()}}) {
    std::memcpy(out + at, text.data(), text.size());
    at += text.size();
    at += write_escaped(part, out + at);
  }
  std::memcpy(out + at, kTail.data(), kTail.size());
  return buf;
}

Response invalid(std::string message, Route route) {
  return error_response(400, Code::InvalidArgument, message, route);
}

Response resource_released(SecretRef secret, const RouteEntry& e, const kbs::ResourceUri& uri) {
  return secret_response(std::move(secret), "application/octet-stream", e.route,
                         "resource " + uri.path());
}

// A resource answer: from the cache only (`cached_only`: nullopt on a miss), or fetching.
std::optional<Response> resource(Service& service, const RouteEntry& e, const Request& req,
                                 bool cached_only) {
  if (auto q = take_query(req.query, {}); !q) return bad_request(q.error(), e.route);
  auto uri = resource_of(e, req.path);  // admit() validated it
  if (!uri) return bad_request(uri.error(), e.route);
  if (cached_only) {
    if (auto hit = service.cached_resource(*uri)) return resource_released(std::move(hit), e, *uri);
    return std::nullopt;
  }
  auto secret = service.resource(*uri);
  if (!secret) return error_from(secret.error(), e.route);
  return resource_released(std::move(*secret), e, *uri);
}

Result<SecretRef> shared(Result<SecureBuffer> bytes) {
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  return std::make_shared<const SecureBuffer>(std::move(*bytes));
}

Response token(Service& service, const RouteEntry& e, const Request& req) {
  if (e.route == Route::AaToken) {
    auto q = take_query(req.query, {{"token_type", true}});
    if (!q) return bad_request(q.error(), e.route);
    if (*(*q)[0] != "kbs")
      return invalid("token_type '" + *(*q)[0] + "' is not supported; use token_type=kbs", e.route);
  } else if (auto q = take_query(req.query, {}); !q) {
    return bad_request(q.error(), e.route);
  }
  auto reply = service.token();
  if (!reply) return error_from(reply.error(), e.route);
  if (e.route == Route::Token) {
    auto jwt = shared(std::move(reply->token));
    return secret_response(std::move(*jwt), "application/jwt", e.route, "token");
  }
  // CoCo's answer: the token with the TEE key it binds, as CDH parses it.
  auto pair = shared(token_pair_json(*reply));
  if (!pair) return error_from(pair.error(), e.route);
  return secret_response(std::move(*pair), "application/octet-stream", e.route,
                         "token and TEE key");
}

// runtime_data: base64url on /v1/evidence; on /aa/evidence the raw query value, or base64url
// without padding with encoding=base64 (as api-server-rest reads it).
Result<Bytes> runtime_data_of(const RouteEntry& e, const Request& req) {
  Bytes data;
  if (e.route == Route::AaEvidence) {
    auto q = take_query(req.query, {{"runtime_data", true}, {"encoding", false}});
    if (!q) return std::unexpected(std::move(q.error()));
    const std::string& raw = *(*q)[0];
    if ((*q)[1] && *(*q)[1] != "base64")
      return fail(Code::InvalidArgument,
                  "encoding '" + *(*q)[1] + "' is not supported; use base64");
    if ((*q)[1]) {
      auto decoded = base64_decode(raw, Base64::Url, Padding::Optional);
      if (!decoded) return fail(Code::InvalidArgument, "runtime_data is not base64url");
      data = std::move(*decoded);
    } else {
      data.assign(raw.begin(), raw.end());
    }
  } else {
    auto q = take_query(req.query, {{"runtime_data", true}});
    if (!q) return std::unexpected(std::move(q.error()));
    auto decoded = base64_decode(*(*q)[0], Base64::Url, Padding::Optional);
    if (!decoded) return fail(Code::InvalidArgument, "runtime_data is not base64url");
    data = std::move(*decoded);
  }
  if (data.size() > kMaxRuntimeDataBytes)
    return fail(Code::InvalidArgument, "runtime_data is " + std::to_string(data.size()) +
                                           " bytes; at most " +
                                           std::to_string(kMaxRuntimeDataBytes) + " allowed");
  return data;
}

Response evidence(Service& service, const RouteEntry& e, const Request& req) {
  auto data = runtime_data_of(e, req);
  if (!data) return bad_request(data.error(), e.route);
  auto json = service.evidence(*data);
  if (!json) return error_from(json.error(), e.route);
  Response r;
  r.route = e.route;
  r.body = std::move(*json);
  return r;
}

Result<MeasurementRequest> parse_measurement(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return fail(Code::InvalidArgument,
                "body must be a JSON object {\"domain\",\"operation\",\"content\"}");
  // Fields beyond these three are ignored, as upstream's deserializer does.
  MeasurementRequest m;
  for (const auto& [name, field] :
       {std::pair{"domain", &m.domain}, std::pair{"operation", &m.operation},
        std::pair{"content", &m.content}}) {
    const auto it = j.find(name);
    if (it == j.end() || !it->is_string())
      return fail(Code::InvalidArgument, std::string("body: \"") + name + "\" must be a string");
    *field = it->get<std::string>();
  }
  return m;
}

Response measurement(Service& service, const RouteEntry& e, const Request& req) {
  if (auto q = take_query(req.query, {}); !q) return bad_request(q.error(), e.route);
  auto m = parse_measurement(req.body);
  if (!m) return bad_request(m.error(), e.route);
  if (auto done = service.extend_measurement(*m); !done) return error_from(done.error(), e.route);
  return json_response({{"success", "true"}}, e.route);
}

Response status(Service& service, const Metrics& metrics, const RouteEntry& e, const Request& req) {
  if (auto q = take_query(req.query, {}); !q) return bad_request(q.error(), e.route);
  switch (e.route) {
    case Route::Health: {
      const Health h = service.health();
      if (h.ready) return json_response({{"status", "ready"}}, e.route);
      return error_response(503, Code::Unavailable, h.reason.empty() ? "not ready" : h.reason,
                            e.route);
    }
    case Route::Metrics: {
      Response r;
      r.route = e.route;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      metrics.append(r.body);
      service.append_metrics(r.body);
      return r;
    }
    case Route::CocoInfo: {
      const Info i = service.info();
      return json_response({{"version", i.version},
                            {"tee", i.tee},
                            {"additional_tees", nlohmann::json::array()},
                            {"feature", "all"}},
                           e.route);
    }
    case Route::Info:
    default: {
      const Info i = service.info();
      nlohmann::json j{{"version", i.version},
                       {"tee", i.tee},
                       {"kbs_url", i.kbs_url},
                       {"token_expires_at", nullptr},
                       {"cached_resources", i.cached_resources}};
      if (i.token_expires_at) j["token_expires_at"] = *i.token_expires_at;
      return json_response(j, e.route);
    }
  }
}

}  // namespace

int status_for(Code code) noexcept {
  switch (code) {
    case Code::InvalidArgument:
      return 400;
    case Code::NotFound:
      return 404;
    case Code::PermissionDenied:  // the KBS denied the resource (policy), not the caller
    case Code::Unauthenticated:   // the KBS refused our evidence or token
    case Code::Corrupt:           // the KBS (or the hardware) answered something malformed
      return 502;
    case Code::Unsupported:
      return 501;
    case Code::Unavailable:
    case Code::FailedPrecondition:
      return 503;
    case Code::DeadlineExceeded:
      return 504;
    case Code::Internal:
    default:
      return 500;
  }
}

Response error_response(int status, Code code, std::string_view message, Route route) {
  Response r;
  r.status = status;
  r.route = route;
  r.body = nlohmann::json{{"error", message}, {"code", code_name(code)}}.dump(
               -1, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
  return r;
}

Route Router::route_of(std::string_view path) noexcept {
  const RouteEntry* e = find_route(path);
  return e ? e->route : Route::Unknown;
}

std::optional<Response> Router::admit(const Request& head,
                                      std::span<const config::AccessRule> rules) const {
  if (head.path.size() > kMaxPathBytes)
    return error_response(414, Code::InvalidArgument,
                          "URL path longer than " + std::to_string(kMaxPathBytes) + " bytes",
                          Route::Unknown);
  const RouteEntry* e = find_route(head.path);
  if (e == nullptr) return error_response(404, Code::NotFound, "no such path", Route::Unknown);
  if (head.method != e->method) {
    auto r = error_response(
        405, Code::InvalidArgument,
        "method " + std::string(head.method) + " not allowed; use " + std::string(e->method),
        e->route);
    r.headers.emplace_back("Allow", std::string(e->method));
    return r;
  }
  if (head.query.size() > kMaxQueryArgs)
    return error_response(400, Code::InvalidArgument, "too many query parameters", e->route);
  AccessRequest access{e->kind, {}};
  std::string resource_path;
  if (e->prefix) {
    auto uri = resource_of(*e, head.path);
    if (!uri) return bad_request(uri.error(), e->route);
    resource_path = uri->path();
    access.resource_path = resource_path;
  }
  // Checked before any work and before the body is read; the answer is the same whether or
  // not the resource exists.
  if (decide(head.peer, rules, access) == Decision::Deny)
    return error_response(403, Code::PermissionDenied, "access denied", e->route);
  if (head.body.size() > kMaxBodyBytes)
    return error_response(413, Code::InvalidArgument,
                          "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes",
                          e->route);
  return std::nullopt;
}

std::optional<Response> Router::try_handle(const Request& request,
                                           std::span<const config::AccessRule> rules) const {
  if (auto early = admit(request, rules)) return early;
  const RouteEntry& e = *find_route(request.path);  // admit() found it
  switch (e.kind) {
    case RequestKind::Resource:
      return resource(service_, e, request, /*cached_only=*/true);
    case RequestKind::Info:
      return status(service_, metrics_, e, request);
    default:  // tokens, evidence, measurements: the TEE or the KBS, maybe for seconds
      return std::nullopt;
  }
}

Response Router::handle(const Request& request, std::span<const config::AccessRule> rules) const {
  if (auto early = admit(request, rules)) return std::move(*early);
  const RouteEntry& e = *find_route(request.path);  // admit() found it
  switch (e.route) {
    case Route::Resource:
    case Route::CdhResource:
      return *resource(service_, e, request, /*cached_only=*/false);
    case Route::Token:
    case Route::AaToken:
      return token(service_, e, request);
    case Route::Evidence:
    case Route::AaEvidence:
      return evidence(service_, e, request);
    case Route::Measurements:
    case Route::AaAael:
      return measurement(service_, e, request);
    case Route::Info:
    case Route::CocoInfo:
    case Route::Health:
    case Route::Metrics:
      return status(service_, metrics_, e, request);
    case Route::Unknown:
    default:
      return error_response(404, Code::NotFound, "no such path", Route::Unknown);
  }
}

}  // namespace attest::api
