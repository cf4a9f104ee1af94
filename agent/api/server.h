// The socket API's HTTP server: serves already listening sockets (the daemon binds them, or
// systemd passes them) with libmicrohttpd, one MHD daemon per socket. The only file that
// includes <microhttpd.h> is server.cpp.
//
// Per connection: the caller's SO_PEERCRED (uid, gid, pid) and SO_PEERGROUPS on a Unix socket;
// on the loopback TCP listener only peers whose address really is loopback are accepted (no
// uid: they match [[access]] rules with loopback = true). Each request goes through
// routes.h's Router: access is checked from the request line before any body is read.
//
// Threads: one per connection (MHD_USE_THREAD_PER_CONNECTION). Service calls block (a first
// resource request waits for a KBS handshake of seconds); with a thread per connection a slow
// call holds up only its own caller, while a cached resource is answered without a hand-off
// between threads (the lowest latency for keep-alive clients). max_connections bounds the
// threads. Keep-alive is on (HTTP/1.1).
//
// Every release (a resource, a token) is logged once, at info level, with the caller's uid,
// pid, executable (/proc/<pid>/exe) and the resource path; never the value. Refusals (403) are
// logged at notice level the same way.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "agent/api/metrics.h"
#include "agent/api/service.h"
#include "agent/config/config.h"
#include "common/error.h"

namespace attest::api {

struct Listener {
  int fd;             // an already listening socket; the server owns it (closes it in stop())
  bool loopback_tcp;  // a TCP socket bound to a loopback address (CoCo's 127.0.0.1:8006)
};

struct ServerOptions {
  std::vector<Listener> listeners;
  std::vector<config::AccessRule> rules;
  unsigned max_connections = 256;                       // per listener
  std::chrono::milliseconds connection_timeout{30000};  // idle keep-alive connections
};

class Server {
 public:
  // Starts serving every listener. On failure every listener fd is closed and nothing runs.
  // A TCP listener not bound to a loopback address is refused (InvalidArgument).
  [[nodiscard]] static Result<std::unique_ptr<Server>> start(Service& service,
                                                             ServerOptions options);
  // SIGHUP reload: requests admitted from now on use these rules. Thread-safe.
  void set_rules(std::vector<config::AccessRule> rules);
  // Stops accepting, waits for the requests in flight to be answered (at most
  // connection_timeout), then closes every connection and listener. Idempotent.
  void stop();
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The server's own request counters and latency (also served on /metrics).
  const Metrics& metrics() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attest::api
