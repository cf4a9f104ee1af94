// The systemd credential socket: `LoadCredential=ID:/run/attest-agent/credentials.sock` in any
// unit makes systemd connect here and read the credential until EOF (systemd.exec(5)). The unit
// and ID arrive as the client's abstract socket name (credential_peer.h); [[credentials]]
// entries map them to a KBS resource, which the api::Service fetches (or has cached). The
// server writes the secret and closes. Anything else (no matching entry, a peer that is not
// root, a malformed peer name, a fetch that fails, a secret larger than systemd accepts) closes
// the connection with nothing written, which systemd reports as a failed credential.
//
// Not HTTP, and daemon-only. Each accepted connection is served on its own thread (at most
// kMaxInFlight at once), so a slow KBS fetch never holds up another unit. The secret is queued
// in the socket buffer whole, in one non-blocking send, or not at all: a client that stops
// reading holds nothing up and no client ever reads a truncated secret. Secrets are never
// logged: log lines name the unit, the ID and the resource path.
#pragma once

#include <memory>
#include <vector>

#include "agent/api/service.h"
#include "agent/config/config.h"
#include "common/error.h"

namespace attest::api {

class CredentialServer {
 public:
  static constexpr int kMaxInFlight = 32;

  // Serves `listen_fd` (a listening AF_UNIX SOCK_STREAM socket, e.g. from socket activation;
  // the caller keeps owning it and closes it after stop()). InvalidArgument when an entry's
  // resource is not a valid resource URI; Internal when the accept thread cannot start.
  [[nodiscard]] static Result<std::unique_ptr<CredentialServer>> start(
      Service& service, int listen_fd, std::vector<config::CredentialEntry> entries);

  // Replaces the mapping (a config reload); connections already accepted keep the old answer.
  // An entry whose resource is not a valid URI is logged and never matches.
  void set_entries(std::vector<config::CredentialEntry> entries);

  // Stops accepting and waits for the connections in flight (a KBS fetch under way finishes
  // within the KBS client's own deadlines). Idempotent.
  void stop();
  ~CredentialServer();

  CredentialServer(const CredentialServer&) = delete;
  CredentialServer& operator=(const CredentialServer&) = delete;

  struct State;  // shared with the connection threads (credential_server.cpp)

 private:
  explicit CredentialServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace attest::api
