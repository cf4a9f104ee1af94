// libmicrohttpd behind api::Server. The only file that includes <microhttpd.h>.
#include "agent/api/server.h"

#include <arpa/inet.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <new>
#include <unordered_set>

#include "agent/api/routes.h"
#include "agent/api/worker_pool.h"
#include "common/log.h"

namespace attest::api {
namespace {

using Clock = std::chrono::steady_clock;
using Rules = std::shared_ptr<const std::vector<config::AccessRule>>;

// Per-connection memory for the request line, headers and response headers (a body is read
// into our own buffer in chunks, a response body is sent from ours). MHD zeroes the whole pool
// between requests on a keep-alive connection: with its default 32 KiB that memset was 22 % of
// the agent's time serving cached secrets. 8 KiB still holds a kMaxPathBytes URL with headers.
constexpr std::size_t kConnectionMemory = 8u << 10;

// Event-loop threads per listener (MHD_OPTION_THREAD_POOL_SIZE): two let cached answers use two
// cores (bench/socket.sh: 1.65x nginx's throughput with two, 0.85-1.26x with one on this 2-core
// machine); each has its own epoll set and accepts on the listener. MHD splits the connection
// limit between them.
constexpr unsigned kEventThreads = 2;

// SO_PEERGROUPS reports at most NGROUPS_MAX (65536) groups; start small, grow once.
constexpr std::size_t kInitialGroups = 64;
constexpr std::size_t kMaxGroups = 65536;

bool is_loopback(const sockaddr* sa) {
  if (sa == nullptr) return false;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

Result<sa_family_t> listener_family(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return os_error(errno, "api: getsockname of listener fd " + std::to_string(fd));
  return ss.ss_family;
}

Result<void> check_listener(const Listener& l) {
  auto family = listener_family(l.fd);
  if (!family) return std::unexpected(std::move(family.error()));
  if (!l.loopback_tcp) {
    if (*family != AF_UNIX)
      return fail(Code::InvalidArgument,
                  "api: listener fd " + std::to_string(l.fd) +
                      " is not a Unix socket (callers could not be identified)");
    return {};
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(l.fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return os_error(errno, "api: getsockname");
  if (!is_loopback(reinterpret_cast<const sockaddr*>(&ss)))
    return fail(Code::InvalidArgument, "api: the TCP listener (fd " + std::to_string(l.fd) +
                                           ") is not bound to a loopback address");
  return {};
}

// The caller of a Unix-socket connection, as the kernel recorded it at connect().
bool read_peer_cred(int fd, PeerCred& peer) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
    return false;
  peer.pid = cred.pid;
  peer.uid = cred.uid;
  peer.gid = cred.gid;
  std::vector<gid_t> groups(kInitialGroups);
  socklen_t glen = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  int rc = ::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen);
  if (rc != 0 && errno == ERANGE && glen / sizeof(gid_t) <= kMaxGroups) {
    groups.resize(glen / sizeof(gid_t));
    rc = ::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen);
  }
  // Without supplementary groups the caller is judged on uid and primary gid only: that can
  // only refuse more, never allow more.
  if (rc == 0) {
    groups.resize(glen / sizeof(gid_t));
    peer.groups = std::move(groups);
  }
  return true;
}

std::string executable_of(pid_t pid) {
  if (pid <= 0) return "?";
  char buf[PATH_MAX];
  const std::string link = "/proc/" + std::to_string(pid) + "/exe";
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
  if (n <= 0) return "?";
  return std::string(buf, static_cast<std::size_t>(n));
}

// The caller as the audit lines name it. The executable is read once, at accept: the peer of a
// connection is fixed for its lifetime (SO_PEERCRED is the connecting process).
std::string describe(const PeerCred& p) {
  if (p.loopback_tcp) return "loopback TCP caller";
  return "uid=" + std::to_string(p.uid) + " gid=" + std::to_string(p.gid) +
         " pid=" + std::to_string(p.pid) + " exe=" + executable_of(p.pid);
}

// Distinct releases remembered per connection for the audit log; beyond this many, every
// release on that connection is logged (a caller cannot grow our memory to hide from the log).
constexpr std::size_t kAuditedPerConnection = 32;

// What MHD keeps per connection (socket context) and per request (con_cls). A connection is
// served by one event-loop thread at a time, so neither needs a lock.
struct ConnectionState {
  PeerCred peer;
  bool identified = false;  // false: credentials unreadable or not loopback -> every request 403
  std::string who;          // describe(peer), resolved at accept
  struct Released {
    std::string what;  // "resource default/key/disk", "token"
    std::uint64_t count;
  };
  std::vector<Released> released;  // at most kAuditedPerConnection

  // The release audit (server.h): the first release of each thing on this connection is
  // logged at once; repeats are counted and summed up when the connection closes.
  void audit_release(const std::string& what) {
    for (auto& r : released)
      if (r.what == what) {
        ++r.count;
        return;
      }
    if (released.size() < kAuditedPerConnection) released.push_back({what, 1});
    log::info("api: released " + what + " to " + who);
  }
  void audit_close() const {
    for (const auto& r : released)
      if (r.count > 1)
        log::info("api: released " + r.what + " " + std::to_string(r.count) + " times to " + who +
                  " (connection closed)");
  }
};

struct RequestState {
  Clock::time_point start = Clock::now();
  ConnectionState* conn = nullptr;
  // MHD's copies, in the connection's memory until the request completes.
  std::string_view method;
  std::string_view path;
  std::vector<std::pair<std::string, std::string>> query;
  bool too_many_args = false;
  std::string body;
  bool body_too_large = false;
  Rules rules;
  // Off the event loop: a worker computes `answer`, then resumes the connection.
  MHD_Connection* connection = nullptr;
  bool working = false;
  std::optional<Response> answer;

  Request request() const { return {method, path, query, body, conn->peer}; }
};

struct ListenerContext {
  Server::Impl* impl = nullptr;
  bool loopback_tcp = false;
  int fd = -1;
  MHD_Daemon* daemon = nullptr;
};

// A response body MHD sends straight from our memory, released (and, for a secret, wiped by
// SecureBuffer's destructor) when MHD is done with it.
struct Payload {
  Response response;
};

void free_payload(void* cls) { delete static_cast<Payload*>(cls); }

MHD_Result collect_arg(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* st = static_cast<RequestState*>(cls);
  if (st->query.size() >= kMaxQueryArgs) {
    st->too_many_args = true;
    return MHD_NO;  // stops the iteration
  }
  st->query.emplace_back(key != nullptr ? key : "", value != nullptr ? value : "");
  return MHD_YES;
}

}  // namespace

struct Server::Impl {
  explicit Impl(Service& s) : service(s), router(s, metrics) {}

  Service& service;
  Metrics metrics;
  Router router;
  std::chrono::milliseconds connection_timeout{30000};

  std::mutex rules_mu;
  Rules rules;

  std::vector<std::unique_ptr<ListenerContext>> listeners;
  WorkerPool workers;
  // The requests a worker is serving (their connections suspended). Guards the hand-back: a
  // worker touches its request only while it is still listed here; stop() empties the list.
  std::mutex resume_mu;
  std::unordered_set<RequestState*> suspended;  // guarded by resume_mu
  std::atomic<bool> stopping{false};
  std::mutex flight_mu;
  std::condition_variable flight_cv;
  int in_flight = 0;
  bool stopped = false;

  Rules current_rules() {
    std::lock_guard lock(rules_mu);
    return rules;
  }

  MHD_Result send(MHD_Connection* c, RequestState& st, Response r);
  MHD_Result hand_to_worker(MHD_Connection* c, RequestState& st);
  // Hands a worker's answer back to the event loop (unless stop() got there first).
  void resume(RequestState& req, Response answer);
  MHD_Result on_request(ListenerContext& l, MHD_Connection* c, const char* url, const char* method,
                        const char* upload, std::size_t* upload_size, void** con_cls);
  void request_done() {
    std::lock_guard lock(flight_mu);
    --in_flight;
    flight_cv.notify_all();
  }
};

namespace {

MHD_Result on_accept(void* cls, const sockaddr* addr, socklen_t) {
  const auto* l = static_cast<const ListenerContext*>(cls);
  // The loopback listener answers loopback peers only, whatever the routing allows.
  if (l->loopback_tcp && !is_loopback(addr)) {
    log::notice("api: refused a non-loopback TCP connection");
    return MHD_NO;
  }
  return MHD_YES;
}

void on_connection(void* cls, MHD_Connection* c, void** socket_context,
                   MHD_ConnectionNotificationCode code) {
  const auto* l = static_cast<const ListenerContext*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    auto* st = static_cast<ConnectionState*>(*socket_context);
    if (st != nullptr) st->audit_close();
    delete st;
    *socket_context = nullptr;
    return;
  }
  auto* st = new (std::nothrow) ConnectionState;
  if (st == nullptr) return;  // no state: on_request closes the connection
  if (l->loopback_tcp) {
    const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    st->peer.loopback_tcp = true;
    st->identified = ci != nullptr && is_loopback(ci->client_addr);
  } else {
    const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    st->identified = ci != nullptr && read_peer_cred(ci->connect_fd, st->peer);
    if (!st->identified) log::warning("api: SO_PEERCRED failed; the caller will be refused");
  }
  try {
    st->who = describe(st->peer);
  } catch (...) {
    delete st;  // out of memory: no state, on_request closes the connection
    return;
  }
  *socket_context = st;
}

void on_completed(void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
  auto* l = static_cast<ListenerContext*>(cls);
  auto* st = static_cast<RequestState*>(*con_cls);
  if (st == nullptr) return;
  delete st;
  *con_cls = nullptr;
  l->impl->request_done();
}

MHD_Result on_request_thunk(void* cls, MHD_Connection* c, const char* url, const char* method,
                            const char*, const char* upload, std::size_t* upload_size,
                            void** con_cls) {
  auto* l = static_cast<ListenerContext*>(cls);
  try {
    return l->impl->on_request(*l, c, url, method, upload, upload_size, con_cls);
  } catch (...) {
    // Out of memory: close this connection rather than let an exception cross into C.
    return MHD_NO;
  }
}

void on_mhd_log(void*, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  log::debug(std::string("api: libmicrohttpd: ") + buf);
}

std::optional<std::size_t> declared_length(MHD_Connection* c) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (v == nullptr) return std::nullopt;
  std::size_t n = 0;
  const std::string_view s(v);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

}  // namespace

MHD_Result Server::Impl::send(MHD_Connection* c, RequestState& st, Response r) {
  const int status = r.status;
  const Route route = r.route;
  std::string release = std::move(r.release);
  auto* payload = new Payload{std::move(r)};
  const auto bytes = payload->response.bytes();
  static char empty = 0;
  void* data = bytes.empty() ? static_cast<void*>(&empty) : const_cast<std::uint8_t*>(bytes.data());
  MHD_Response* resp = MHD_create_response_from_buffer_with_free_callback_cls(
      bytes.size(), data, &free_payload, payload);
  if (resp == nullptr) {
    delete payload;
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          payload->response.content_type.c_str());
  for (const auto& [name, value] : payload->response.headers)
    MHD_add_response_header(resp, name.c_str(), value.c_str());
  if (stopping.load()) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  const MHD_Result queued = MHD_queue_response(c, static_cast<unsigned>(status), resp);
  MHD_destroy_response(resp);  // MHD holds its own reference until the response is sent
  metrics.record(route, status, Clock::now() - st.start);
  if (queued == MHD_YES && status == 200 && !release.empty())
    st.conn->audit_release(release);
  else if (status == 403)
    log::notice("api: refused " + std::string(st.method) + " " + std::string(st.path) + " to " +
                st.conn->who);
  return queued;
}

MHD_Result Server::Impl::hand_to_worker(MHD_Connection* c, RequestState& st) {
  st.working = true;
  st.connection = c;
  RequestState* req = &st;
  {
    std::lock_guard lock(resume_mu);
    suspended.insert(req);
  }
  MHD_suspend_connection(c);
  const bool queued = workers.submit([this, req] {
    Response answer;
    try {
      answer = router.handle(req->request(), *req->rules);
    } catch (...) {  // out of memory: no exception may end the worker thread
      answer.status = 500;
      answer.route = Router::route_of(req->path);
    }
    resume(*req, std::move(answer));
  });
  if (!queued)
    resume(*req, error_response(503, Code::Unavailable, "the agent cannot start a thread",
                                Router::route_of(st.path)));
  return MHD_YES;
}

void Server::Impl::resume(RequestState& req, Response answer) {
  std::lock_guard lock(resume_mu);
  // stop() has answered it already and MHD may have freed it; `answer` is dropped (wiped).
  if (suspended.erase(&req) == 0) return;
  req.answer = std::move(answer);
  MHD_resume_connection(req.connection);  // MHD calls on_request again, which sends it
}

MHD_Result Server::Impl::on_request(ListenerContext&, MHD_Connection* c, const char* url,
                                    const char* method, const char* upload,
                                    std::size_t* upload_size, void** con_cls) {
  auto* st = static_cast<RequestState*>(*con_cls);
  if (st == nullptr) {
    // Headers received: decide everything that does not need the body, before reading it.
    const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    auto* conn = ci != nullptr ? static_cast<ConnectionState*>(ci->socket_context) : nullptr;
    if (conn == nullptr) return MHD_NO;
    st = new RequestState;
    *con_cls = st;
    {
      std::lock_guard lock(flight_mu);
      ++in_flight;
    }
    st->conn = conn;
    st->method = method != nullptr ? method : "";
    st->path = url != nullptr ? url : "";
    st->rules = current_rules();
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, &collect_arg, st);
    const Route route = Router::route_of(st->path);
    if (stopping.load())
      return send(c, *st, error_response(503, Code::Unavailable, "the agent is stopping", route));
    if (st->too_many_args)
      return send(c, *st,
                  error_response(400, Code::InvalidArgument, "too many query parameters", route));
    if (!conn->identified)
      return send(c, *st,
                  error_response(403, Code::PermissionDenied, "caller not identified", route));
    if (auto early = router.admit(st->request(), *st->rules))
      return send(c, *st, std::move(*early));
    if (auto n = declared_length(c); n && *n > kMaxBodyBytes)
      return send(
          c, *st,
          error_response(413, Code::InvalidArgument,
                         "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes",
                         route));
    return MHD_YES;
  }
  if (st->working) {
    // Resumed: the worker's answer is ready.
    st->working = false;
    if (!st->answer) return MHD_NO;
    Response answer = std::move(*st->answer);
    st->answer.reset();
    return send(c, *st, std::move(answer));
  }
  if (*upload_size != 0) {
    // Body data: kept up to the bound; the rest is read and dropped, answered 413 below.
    if (st->body_too_large || *upload_size > kMaxBodyBytes - st->body.size())
      st->body_too_large = true;
    else
      st->body.append(upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (st->body_too_large)
    return send(
        c, *st,
        error_response(413, Code::InvalidArgument,
                       "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes",
                       Router::route_of(st->path)));
  // A cached resource and the status routes are answered here, on the event loop; anything that
  // may block goes to a worker, and only this connection waits for it.
  if (auto now = router.try_handle(st->request(), *st->rules)) return send(c, *st, std::move(*now));
  return hand_to_worker(c, *st);
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

const Metrics& Server::metrics() const { return impl_->metrics; }

void Server::set_rules(std::vector<config::AccessRule> rules) {
  auto next = std::make_shared<const std::vector<config::AccessRule>>(std::move(rules));
  std::lock_guard lock(impl_->rules_mu);
  impl_->rules = std::move(next);
}

Result<std::unique_ptr<Server>> Server::start(Service& service, ServerOptions options) {
  // Until a daemon owns a listener, we do: close whatever is left on every failure path.
  struct Owned {
    std::vector<int> fds;
    ~Owned() {
      for (int fd : fds)
        if (fd >= 0) ::close(fd);
    }
  } owned;
  for (const auto& l : options.listeners) owned.fds.push_back(l.fd);
  if (options.listeners.empty()) return fail(Code::InvalidArgument, "api: no listener given");
  if (options.max_connections == 0)
    return fail(Code::InvalidArgument, "api: max_connections must be positive");
  for (const auto& l : options.listeners) ATTEST_TRY(check_listener(l));

  auto impl = std::make_unique<Impl>(service);
  impl->connection_timeout = options.connection_timeout;
  impl->rules = std::make_shared<const std::vector<config::AccessRule>>(std::move(options.rules));
  const auto timeout_s = static_cast<unsigned>(
      std::max<long long>(1, (options.connection_timeout.count() + 999) / 1000));
  std::unique_ptr<Server> server(new Server(std::move(impl)));
  // No more loops than connections: MHD gives each loop a share of the limit.
  const unsigned event_threads = std::min(kEventThreads, options.max_connections);
  for (std::size_t i = 0; i < options.listeners.size(); ++i) {
    auto l = std::make_unique<ListenerContext>();
    l->impl = server->impl_.get();
    l->loopback_tcp = options.listeners[i].loopback_tcp;
    l->fd = options.listeners[i].fd;
    // Epoll event loops (see server.h); suspend/resume for the calls handed to workers;
    // turbo: read and write optimistically before asking epoll (non-blocking sockets); ITC so
    // that stop() can quiesce the listener and workers can resume connections.
    const unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                           MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO | MHD_USE_ITC |
                           MHD_USE_ERROR_LOG;
    l->daemon = MHD_start_daemon(
        flags, 0, &on_accept, l.get(), &on_request_thunk, l.get(), MHD_OPTION_LISTEN_SOCKET,
        static_cast<MHD_socket>(l->fd), MHD_OPTION_CONNECTION_LIMIT, options.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, MHD_OPTION_NOTIFY_CONNECTION, &on_connection,
        l.get(), MHD_OPTION_NOTIFY_COMPLETED, &on_completed, l.get(), MHD_OPTION_EXTERNAL_LOGGER,
        &on_mhd_log, nullptr, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        kConnectionMemory, MHD_OPTION_THREAD_POOL_SIZE, event_threads, MHD_OPTION_END);
    // From here on the fd is MHD's: a failing MHD_start_daemon closes a provided listen
    // socket itself (Karlson2k/libmicrohttpd src/microhttpd/daemon.c, free_and_fail, at
    // c372caeb), so closing it again here could close someone else's new fd.
    owned.fds[i] = -1;
    if (l->daemon == nullptr) {
      server->stop();  // the daemons started so far (they own their fds now)
      return fail(Code::Internal,
                  "api: libmicrohttpd could not serve listener fd " + std::to_string(l->fd));
    }
    server->impl_->listeners.push_back(std::move(l));
  }
  return server;
}

void Server::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.flight_mu);
    if (s.stopped) return;
    s.stopped = true;
  }
  s.stopping.store(true);
  std::vector<MHD_socket> quiesced;
  for (auto& l : s.listeners) {
    const MHD_socket fd = MHD_quiesce_daemon(l->daemon);
    // MHD only stops polling it; shutting the listener down makes new connects fail at once
    // (instead of waiting in the backlog) while the fd number stays valid for MHD's threads.
    if (fd != MHD_INVALID_SOCKET) (void)::shutdown(fd, SHUT_RDWR);
    quiesced.push_back(fd);
  }
  {
    std::unique_lock lock(s.flight_mu);
    s.flight_cv.wait_for(lock, s.connection_timeout, [&] { return s.in_flight == 0; });
  }
  {
    // Requests still with a worker after the grace period are answered 503 now: MHD must not
    // stop with connections suspended, and a worker finishing later finds its request gone.
    std::lock_guard lock(s.resume_mu);
    for (RequestState* req : s.suspended) {
      req->answer = error_response(503, Code::Unavailable, "the agent is stopping",
                                   Router::route_of(req->path));
      MHD_resume_connection(req->connection);
    }
    s.suspended.clear();
  }
  {
    // Let the event loops send those 503s (a second at most) before MHD closes everything.
    std::unique_lock lock(s.flight_mu);
    s.flight_cv.wait_for(lock, std::chrono::seconds(1), [&] { return s.in_flight == 0; });
  }
  for (auto& l : s.listeners) MHD_stop_daemon(l->daemon);
  s.workers.stop();  // the calls still running finish (the Service outlives the server)
  // MHD leaves a quiesced listener to us; close it only after the daemon's threads are gone.
  for (MHD_socket fd : quiesced)
    if (fd != MHD_INVALID_SOCKET) ::close(fd);
  s.listeners.clear();
}

}  // namespace attest::api
