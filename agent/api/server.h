// The socket API's HTTP server: serves already listening sockets (the daemon binds them, or
// systemd passes them) with libmicrohttpd, one MHD daemon per socket. The only file that
// includes <microhttpd.h> is server.cpp.
//
// Per connection: the caller's SO_PEERCRED (uid, gid, pid) and SO_PEERGROUPS on a Unix socket,
// read once at accept, with the caller's executable (/proc/<pid>/exe); on the loopback TCP
// listener only peers whose address really is loopback are accepted (no uid: they match
// [[access]] rules with loopback = true). Each request goes through routes.h's Router: access
// is checked from the request line before any body is read.
//
// Threads: two epoll event loops per listener (MHD_USE_EPOLL with a thread pool of 2; each
// loop accepts and serves its own connections). What is ready without blocking is answered on the
// loop: refusals and errors, a cached resource (the cache's own shared buffer, handed to MHD
// without a copy and kept alive until MHD has sent it), info, healthz and metrics. A call that may
// block (a resource not cached yet waits for a KBS handshake of seconds; a token; evidence; a
// measurement) suspends its connection (MHD_suspend_connection) and runs on a worker
// (worker_pool.h: an idle worker, else a new thread), which resumes the connection with the answer.
// So a slow call holds up only its own caller, and an idle agent has no worker threads.
// max_connections bounds the connections (and so the workers); MHD splits it between the two loops,
// so a listener may refuse a connection when one loop holds its half while the other has room.
// Keep-alive is on (HTTP/1.1).
//
// Audit log, at info level, never a value: the first release of each thing (a resource, a
// token) on a connection is logged when it is sent, with the caller's uid, gid, pid,
// executable and the resource path ("api: released resource default/key/disk to uid=0 ...
// exe=/usr/bin/curl"); repeats on the same connection are counted and logged once when the
// connection closes ("... released resource default/key/disk 5000 times to ... (connection
// closed)"), and counted per resource in /metrics (the daemon's release counter). A connection
// that asks for more than 32 distinct things gets every further release logged one by one.
// Refusals (403) are logged at notice level, every one.
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
  unsigned max_connections = 256;                       // per listener (half per event loop)
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
