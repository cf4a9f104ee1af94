// The Trustee KBS protocol 0.4.0 client (kbs-protocol.md §0): RCAR handshake (auth -> attest),
// token cache, resource fetch with re-attestation on 401. No sockets or files here: HTTP goes
// through HttpClient, evidence through EvidenceProvider.
//
// Error codes returned (cli/exit_codes.h maps them):
//   Unsupported       /auth refused (protocol version mismatch, quoting the KBS detail; unknown
//                     TEE), a hash the KBS selected that we never offered, KBS JweError (it
//                     cannot encrypt to our key type)
//   Unauthenticated   /attest refused: "KBS refused the evidence (401 AttestationError ...)", or
//                     the KBS kept rejecting the token for a resource after re-attesting
//   PermissionDenied  resource 401 PolicyDeny / PluginInternalError ("KBS denied resource ...")
//   NotFound          404 (no such plugin or endpoint: is the URL the KBS base URL?)
//   Corrupt           malformed KBS JSON ("KBS /auth response: ..."), bad JWT, bad JWE
//   Unavailable / DeadlineExceeded / InvalidArgument   from HttpClient (network, TLS, timeouts)
// Messages never contain resource bytes, keys or tokens.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/crypto/tee_key.h"
#include "agent/http/http_client.h"
#include "agent/kbs/resource_uri.h"
#include "common/digest.h"
#include "common/error.h"
#include "common/secure_buffer.h"
#include "providers/provider.h"

namespace attest::kbs {

struct KbsClientOptions {
  std::string base_url;  // "https://kbs:8080"; a trailing '/' is ignored
  crypto::KeyAlg key_alg = crypto::KeyAlg::EcP256;
  // Plaintext init-data TOML, sent as {"format":"toml","body":...}; nullopt sends null. It must
  // parse as init-data, with an algorithm the provider's TEE can verify (agent/measure/
  // initdata.h): otherwise the handshake fails InvalidArgument before any request.
  std::optional<std::string> initdata_toml;
  // Device evidence (e.g. GPUs), bound with the device runtime data and carried as
  // additional_evidence {"<tee>": evidence, ...}. Not owned; may be empty.
  std::vector<EvidenceProvider*> additional_evidence_providers;
  // Background check (default): resources are fetched with the session cookie. Passport: with
  // "Authorization: Bearer <token>" and no cookie.
  bool bearer_auth = false;
  // Re-attest when the token expires within this margin, or within a tenth of its lifetime
  // when that is shorter (a 10 s token is used for 9 s, not re-attested on every use).
  std::chrono::seconds token_refresh_margin{30};
  // Lifetime assumed for a token without "exp" (the KBS session lasts 5 minutes by default).
  std::chrono::seconds default_token_lifetime{60};
  // Resource GETs per get_resource() call, each after a fresh handshake (guest-components: 3).
  int max_resource_attempts = 3;
  // Unix time in seconds; injectable for tests. Default: the system clock.
  std::function<std::int64_t()> unix_now;
};

// A token together with the private key it binds (passport-mode handoff, §4.2).
struct TokenAndKey {
  SecureBuffer token;  // locked, wiped memory, like every copy of the token in this client
  SecureBuffer private_key_pem;
};

class KbsClient {
 public:
  KbsClient(http::HttpClient& http, EvidenceProvider& provider, KbsClientOptions options);
  ~KbsClient();
  KbsClient(const KbsClient&) = delete;
  KbsClient& operator=(const KbsClient&) = delete;

  // Always runs a fresh handshake (joining one already in flight) and returns its token.
  [[nodiscard]] Result<SecureBuffer> attest();
  // The cached token while it is valid, else a fresh handshake's; with its private key.
  [[nodiscard]] Result<TokenAndKey> token();
  // GET /kbs/v0/resource/<repo>/<type>/<tag> and decrypt it. Reuses the cached session; on a 401
  // re-attests and retries, at most max_resource_attempts GETs in all. A PolicyDeny or
  // PluginInternalError on a session attested for this very call is final at once.
  // Thread-safe: concurrent callers share one handshake.
  [[nodiscard]] Result<SecureBuffer> get_resource(const ResourceUri& uri);

  struct Session;

 private:
  using SessionPtr = std::shared_ptr<const Session>;
  [[nodiscard]] Result<SessionPtr> session(bool force_fresh, bool* fresh);
  [[nodiscard]] Result<SessionPtr> handshake();
  [[nodiscard]] Result<std::string> additional_evidence(std::string_view nonce, HashAlg alg,
                                                        const nlohmann::json& jwk);
  void invalidate(const SessionPtr& used);
  std::int64_t now() const;

  http::HttpClient& http_;
  EvidenceProvider& provider_;
  KbsClientOptions options_;
  std::mutex mu_;
  SessionPtr session_;                                // guarded by mu_
  std::shared_future<Result<SessionPtr>> in_flight_;  // guarded by mu_
};

// Passport mode with a token obtained elsewhere: GET with "Authorization: Bearer <token>" and
// decrypt with `key`. A 401 is final (there is no way to refresh someone else's token).
[[nodiscard]] Result<SecureBuffer> get_resource_with_token(http::HttpClient& http,
                                                           std::string_view base_url,
                                                           ByteView token,
                                                           const crypto::TeeKey& key,
                                                           const ResourceUri& uri);

}  // namespace attest::kbs
