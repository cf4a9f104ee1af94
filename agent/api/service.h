// What the socket API asks of the daemon. The API layer (agent/api) owns this interface and
// only translates HTTP to these calls; the daemon (agent/daemon) implements it on top of the
// providers, the KBS client and the secret store. Tests of the API put a fake behind it.
//
// Every call is thread-safe. Errors carry the codes of common/error.h; the API maps them to
// HTTP statuses (routes.h). Messages never hold secret bytes, tokens or keys.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/kbs/resource_uri.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/secure_buffer.h"

namespace attest::api {

// A released secret as the cache holds it: shared, immutable, never copied. An answer in flight
// keeps its bytes alive; the last holder (the cache after a refresh, or the answer once sent)
// wipes them (SecureBuffer's destructor).
using SecretRef = std::shared_ptr<const SecureBuffer>;

// An attestation token with the TEE private key it binds (CoCo's /aa/token answer).
struct TokenReply {
  SecureBuffer token;            // the JWT text
  SecureBuffer private_key_pem;  // RSA as PKCS#1 PEM, EC as PKCS#8 PEM (as CDH parses them)
  std::optional<std::int64_t> expires_at;  // unix seconds, from the token's "exp"
};

// guest-components' runtime measurement request (POST /v1/measurements, POST /aa/aael).
struct MeasurementRequest {
  std::string domain;
  std::string operation;
  std::string content;
};

struct Info {
  std::string version;
  std::string tee;                               // Trustee wire name ("tdx", "tpm", ...)
  std::string kbs_url;                           // without credentials
  std::optional<std::int64_t> token_expires_at;  // unix seconds; nullopt before the first token
  std::vector<std::string> cached_resources;     // "repo/type/tag", never values
};

struct Health {
  bool ready = false;
  std::string reason;  // why not ready ("KBS unreachable: ...", "starting"); empty when ready
};

class Service {
 public:
  virtual ~Service() = default;

  // The secret bytes of a resource: from the cache, else fetched (one handshake and one GET
  // however many callers ask at once). NotFound/PermissionDenied when the KBS denies it,
  // Unavailable/DeadlineExceeded when it cannot be reached. May block for a KBS handshake.
  [[nodiscard]] virtual Result<SecretRef> resource(const kbs::ResourceUri& uri) = 0;
  // The cached secret of a resource, never blocking: nullptr when it is not cached (then the
  // server calls resource() off its event loop). A hit counts as a release, as resource() does.
  // The default has no cache: every resource goes through resource().
  [[nodiscard]] virtual SecretRef cached_resource(const kbs::ResourceUri&) { return nullptr; }
  // The cached token while valid, else a fresh one.
  [[nodiscard]] virtual Result<TokenReply> token() = 0;
  // The evidence JSON for runtime data (at most 64 bytes, passed to the provider unhashed).
  [[nodiscard]] virtual Result<std::string> evidence(ByteView runtime_data) = 0;
  // Extends the runtime measurement register and appends to the event log. Unsupported where
  // the TEE cannot extend (the API answers 501).
  [[nodiscard]] virtual Result<void> extend_measurement(const MeasurementRequest& request) = 0;
  virtual Info info() = 0;
  virtual Health health() = 0;
  // Appends the daemon's own metrics (handshakes, failures by kind, latency, cache hits,
  // releases per resource) in Prometheus text exposition format.
  virtual void append_metrics(std::string& out) = 0;
};

}  // namespace attest::api
