#include "agent/kbs/rcar_client.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>

#include "agent/crypto/jwe.h"
#include "agent/crypto/jwt.h"
#include "agent/crypto/runtime_data.h"
#include "agent/kbs/session_cookie.h"
#include "agent/kbs/wire.h"
#include "agent/measure/initdata.h"

namespace attest::kbs {

struct KbsClient::Session {
  crypto::TeeKey key;
  std::string session_id;
  SecureBuffer token;  // the bearer credential: locked, never dumped, wiped with the session
  std::int64_t refresh_at = 0;  // unix seconds; re-attest from then on
};

namespace {

std::string_view as_string_view(const SecureBuffer& b) {
  return {reinterpret_cast<const char*>(b.bytes().data()), b.size()};
}

// Token times come from the KBS: exp = INT64_MIN minus the refresh margin would be signed
// overflow (undefined behaviour, in practice a wrap to "valid for ever"). Clamp instead.
std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

// When a token with expiry `exp`, received at `now`, is re-attested. The margin is at most a
// tenth of the token's lifetime: a token living no longer than the margin would be stale on
// arrival, and every use of it (the daemon's refresh, then the resource GET right after it)
// would attest again: 2.4 handshakes per lifetime with 10 s tokens.
std::int64_t refresh_time(std::int64_t exp, std::int64_t now, std::chrono::seconds max_margin) {
  const std::int64_t lifetime =
      saturating_add(exp, now == std::numeric_limits<std::int64_t>::min() ? 0 : -now);
  const std::int64_t margin =
      std::clamp<std::int64_t>(lifetime / 10, 0, std::max<std::int64_t>(max_margin.count(), 0));
  return saturating_add(exp, -margin);
}

std::string trim_base(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

http::HttpRequest post_json(const std::string& url, std::string body) {
  http::HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::string after_attempts(const http::HttpResponse& r) {
  return r.attempts > 1 ? " (after " + std::to_string(r.attempts) + " attempts)" : "";
}

// Statuses every endpoint shares: 404, 5xx/429 that outlasted the retries, anything unexpected.
Error map_common_status(const http::HttpResponse& r, std::string_view what) {
  const ErrorInfo info = parse_error_info(r.body);
  const std::string desc = describe_status(r.status, info);
  if (r.status == 404)
    return Error{Code::NotFound, std::string(what) + ": KBS answered " + desc +
                                     "; is --url the KBS base URL (without /kbs/v0)?"};
  if (http::is_retryable_status(r.status))
    return Error{Code::Unavailable,
                 std::string(what) + ": KBS unavailable (" + desc + ")" + after_attempts(r)};
  if (r.status == 403)
    return Error{Code::PermissionDenied, std::string(what) + ": KBS answered " + desc};
  return Error{Code::FailedPrecondition,
               std::string(what) + ": unexpected KBS answer " + desc + after_attempts(r)};
}

Error map_auth_status(const http::HttpResponse& r) {
  const ErrorInfo info = parse_error_info(r.body);
  if (r.status == 401) {
    if (info.detail.find("Version Mismatch") != std::string::npos ||
        info.detail.find("KBS version") != std::string::npos)
      return Error{Code::Unsupported, "KBS protocol version mismatch: this client speaks " +
                                          std::string(kProtocolVersion) +
                                          "; the KBS said: " + describe_status(r.status, info)};
    return Error{Code::Unsupported,
                 "KBS refused the handshake request (" + describe_status(r.status, info) + ")"};
  }
  return map_common_status(r, "KBS /auth");
}

Error map_attest_status(const http::HttpResponse& r) {
  if (r.status == 401)
    return Error{Code::Unauthenticated, "KBS refused the evidence (" +
                                            describe_status(r.status, parse_error_info(r.body)) +
                                            "; the reason is only in the KBS log)"};
  return map_common_status(r, "KBS /attest");
}

bool is_final_denial(const ErrorInfo& info) {
  return info.variant == "PolicyDeny" || info.variant == "PluginInternalError";
}

Error map_resource_status(const http::HttpResponse& r, const ResourceUri& uri) {
  const ErrorInfo info = parse_error_info(r.body);
  const std::string desc = describe_status(r.status, info);
  if (r.status == 401) {
    if (is_final_denial(info))
      return Error{
          Code::PermissionDenied,
          "KBS denied resource " + uri.path() + ": " + desc +
              " (Trustee answers 401 both for a policy denial and for a missing resource)"};
    if (info.variant == "JweError")
      return Error{Code::Unsupported, "KBS could not encrypt resource " + uri.path() +
                                          " to our key (" + desc + "); try --key-alg ec-p256"};
    return Error{Code::Unauthenticated, "KBS rejected the attestation token for resource " +
                                            uri.path() + " (" + desc + ")"};
  }
  if (r.status == 404)
    return Error{Code::NotFound, "KBS resource " + uri.path() + ": " + desc +
                                     " (no such plugin or path; is --url the KBS base URL?)"};
  return map_common_status(r, "KBS resource " + uri.path());
}

// GET the resource with the session cookie, or with `bearer` (passport mode) when given.
Result<http::HttpResponse> get_resource_response(http::HttpClient& http, const std::string& base,
                                                 const ResourceUri& uri, const std::string& cookie,
                                                 std::optional<ByteView> bearer) {
  http::HttpRequest req;
  req.method = "GET";
  req.url = base + uri.request_path();
  if (bearer)
    req.bearer_token = *bearer;
  else
    req.headers.emplace_back("Cookie", cookie);
  return http.send(req);
}

Result<SecureBuffer> decrypt_resource(const http::HttpResponse& r, const crypto::TeeKey& key,
                                      const ResourceUri& uri) {
  auto plain = crypto::decrypt_jwe(key, r.body);
  if (!plain)
    return std::unexpected(std::move(plain.error()).with_context("KBS resource " + uri.path()));
  return plain;
}

}  // namespace

KbsClient::KbsClient(http::HttpClient& http, EvidenceProvider& provider, KbsClientOptions options)
    : http_(http), provider_(provider), options_(std::move(options)) {
  options_.base_url = trim_base(std::move(options_.base_url));
  if (options_.max_resource_attempts < 1) options_.max_resource_attempts = 1;
}

KbsClient::~KbsClient() = default;

std::int64_t KbsClient::now() const {
  if (options_.unix_now) return options_.unix_now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> KbsClient::additional_evidence(std::string_view nonce, HashAlg alg,
                                                   const nlohmann::json& jwk) {
  if (options_.additional_evidence_providers.empty()) return std::string();
  nlohmann::json devices = nlohmann::json::object();
  for (EvidenceProvider* device : options_.additional_evidence_providers) {
    auto bound = crypto::bind_device_runtime_data(alg, nonce, jwk);
    if (!bound) return std::unexpected(std::move(bound.error()));
    auto ev = device->get_evidence(bound->digest);
    if (!ev)
      return std::unexpected(
          std::move(ev.error()).with_context("device evidence " + std::string(device->name())));
    devices[std::string(device->name())] = std::move(ev->json);
  }
  return devices.dump();
}

Result<KbsClient::SessionPtr> KbsClient::handshake() {
  // Init-data Trustee cannot verify for this TEE (e.g. sha384 on tpm) is refused before any
  // traffic: the same check the daemon's bind_initdata() makes at start.
  if (options_.initdata_toml) {
    auto init = measure::initdata_for(provider_.kind(), *options_.initdata_toml);
    if (!init) return std::unexpected(std::move(init.error()));
  }
  auto key = crypto::TeeKey::generate(options_.key_alg);
  if (!key) return std::unexpected(std::move(key.error()).with_context("TEE key"));
  const nlohmann::json jwk = key->public_jwk();

  // 1. /auth -> challenge and session cookie.
  auto auth = http_.send(
      post_json(options_.base_url + "/kbs/v0/auth", build_auth_request(provider_.name())));
  if (!auth) return std::unexpected(std::move(auth.error()));
  if (auth->status != 200) return std::unexpected(map_auth_status(*auth));
  auto challenge = parse_challenge(auth->body);
  if (!challenge) return std::unexpected(std::move(challenge.error()));
  auto session_id = find_session_cookie(auth->headers_named("set-cookie"));
  if (!session_id)
    return fail(Code::Corrupt, "KBS /auth response: no usable kbs-session-id cookie");

  // 2. Runtime data bound into the evidence (§2.2); SHA-384 unless the KBS chose (§0 step 3).
  const HashAlg alg = challenge->selected.value_or(HashAlg::Sha384);
  auto devices = additional_evidence(challenge->nonce, alg, jwk);
  if (!devices) return std::unexpected(std::move(devices.error()));
  auto bound = crypto::bind_runtime_data(alg, challenge->nonce, jwk, *devices);
  if (!bound) return std::unexpected(std::move(bound.error()));
  auto evidence = provider_.get_evidence(bound->digest);
  if (!evidence)
    return std::unexpected(
        std::move(evidence.error()).with_context("evidence " + std::string(provider_.name())));

  // 3. /attest -> token.
  auto body =
      build_attestation(options_.initdata_toml, challenge->nonce, jwk, evidence->json, *devices);
  if (!body) return std::unexpected(std::move(body.error()));
  http::HttpRequest attest_req = post_json(options_.base_url + "/kbs/v0/attest", std::move(*body));
  attest_req.headers.emplace_back("Cookie", session_cookie_header(*session_id));
  auto attested = http_.send(attest_req);
  if (!attested) return std::unexpected(std::move(attested.error()));
  if (attested->status != 200) return std::unexpected(map_attest_status(*attested));
  auto parsed = parse_attest_response(attested->body);
  // The token's only ordinary-heap copies: moved into locked memory and wiped at once.
  OPENSSL_cleanse(attested->body.data(), attested->body.size());
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  auto token = SecureBuffer::copy_of(as_bytes(*parsed));
  OPENSSL_cleanse(parsed->data(), parsed->size());
  if (!token) return std::unexpected(std::move(token.error()));
  auto claims = crypto::decode_jwt_claims(as_string_view(*token));
  if (!claims)
    return std::unexpected(std::move(claims.error()).with_context("KBS /attest response: token"));

  auto s = std::make_shared<Session>(
      Session{std::move(*key), std::move(*session_id), std::move(*token), 0});
  // A renewed cookie on /attest replaces the first one (Trustee sends the same one again).
  if (auto renewed = find_session_cookie(attested->headers_named("set-cookie")))
    s->session_id = std::move(*renewed);
  s->refresh_at = claims->exp ? refresh_time(*claims->exp, now(), options_.token_refresh_margin)
                              : saturating_add(now(), options_.default_token_lifetime.count());
  return SessionPtr(std::move(s));
}

Result<KbsClient::SessionPtr> KbsClient::session(bool force_fresh, bool* fresh) {
  std::unique_lock lock(mu_);
  if (!force_fresh && session_ && now() < session_->refresh_at) {
    if (fresh != nullptr) *fresh = false;
    return session_;
  }
  if (fresh != nullptr) *fresh = true;
  if (in_flight_.valid()) {  // one attestation at a time: wait for it and share its result
    auto shared = in_flight_;
    lock.unlock();
    return shared.get();
  }
  std::promise<Result<SessionPtr>> promise;
  in_flight_ = promise.get_future().share();
  lock.unlock();
  Result<SessionPtr> r = fail(Code::Internal, "KBS handshake: unexpected exception");
  try {
    r = handshake();
  } catch (const std::exception& e) {
    // Nothing in handshake() should throw; if a library does, the waiters still get an answer.
    r = fail(Code::Internal, std::string("KBS handshake: ") + e.what());
  }
  lock.lock();
  if (r) session_ = *r;
  in_flight_ = {};
  lock.unlock();
  promise.set_value(r);
  return r;
}

void KbsClient::invalidate(const SessionPtr& used) {
  std::lock_guard lock(mu_);
  if (session_ == used) session_.reset();
}

Result<SecureBuffer> KbsClient::attest() {
  auto s = session(/*force_fresh=*/true, nullptr);
  if (!s) return std::unexpected(std::move(s.error()));
  return SecureBuffer::copy_of((*s)->token.bytes());
}

Result<TokenAndKey> KbsClient::token() {
  auto s = session(/*force_fresh=*/false, nullptr);
  if (!s) return std::unexpected(std::move(s.error()));
  auto pem = (*s)->key.private_pem();
  if (!pem) return std::unexpected(std::move(pem.error()));
  auto token = SecureBuffer::copy_of((*s)->token.bytes());
  if (!token) return std::unexpected(std::move(token.error()));
  return TokenAndKey{std::move(*token), std::move(*pem)};
}

Result<SecureBuffer> KbsClient::get_resource(const ResourceUri& uri) {
  Error last{Code::Internal, "no attempt made"};
  int made = 0;
  for (int attempt = 0; attempt < options_.max_resource_attempts; ++attempt) {
    bool fresh = false;
    auto s = session(false, &fresh);
    if (!s) return std::unexpected(std::move(s.error()));
    const Session& sess = **s;
    auto r =
        options_.bearer_auth
            ? get_resource_response(http_, options_.base_url, uri, {}, ByteView(sess.token.bytes()))
            : get_resource_response(http_, options_.base_url, uri,
                                    session_cookie_header(sess.session_id), std::nullopt);
    ++made;
    if (!r) return std::unexpected(std::move(r.error()));
    if (r->status == 200) return decrypt_resource(*r, sess.key, uri);
    if (r->status != 401) return std::unexpected(map_resource_status(*r, uri));
    last = map_resource_status(*r, uri);
    // A session attested for this very call cannot be stale: a denial on it is the answer.
    if (fresh && is_final_denial(parse_error_info(r->body))) return std::unexpected(last);
    invalidate(*s);
  }
  if (made > 1)
    last.message += " (after " + std::to_string(made) + " attempts, re-attesting each time)";
  return std::unexpected(std::move(last));
}

Result<SecureBuffer> get_resource_with_token(http::HttpClient& http, std::string_view base_url,
                                             ByteView token, const crypto::TeeKey& key,
                                             const ResourceUri& uri) {
  auto r = get_resource_response(http, trim_base(std::string(base_url)), uri, {}, token);
  if (!r) return std::unexpected(std::move(r.error()));
  if (r->status != 200) return std::unexpected(map_resource_status(*r, uri));
  return decrypt_resource(*r, key, uri);
}

}  // namespace attest::kbs
