#include "agent/api/credential_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "agent/api/credential_peer.h"
#include "agent/api/worker_pool.h"
#include "agent/kbs/resource_uri.h"
#include "common/log.h"

namespace attest::api {
namespace {

// Owns one descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd& operator=(UniqueFd&&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct CompiledEntries {
  std::vector<config::CredentialEntry> valid;
  std::vector<Error> errors;
};

// Keeps only entries whose resource parses, so a bad one cannot shadow a later good one.
CompiledEntries compile(std::vector<config::CredentialEntry> entries) {
  CompiledEntries out;
  for (auto& e : entries) {
    auto uri = kbs::parse_resource_uri(e.resource);
    if (!uri) {
      out.errors.push_back(
          std::move(uri.error())
              .with_context("[[credentials]] unit '" + e.unit + "' id '" + e.id + "'"));
      continue;
    }
    out.valid.push_back(std::move(e));
  }
  return out;
}

std::string describe(const CredentialPeer& peer) {
  return "credential '" + peer.id + "' for " + peer.unit;
}

// Room the kernel needs beside the data: each queued skb carries its own bookkeeping (a 1 MiB
// secret takes at most a few dozen skbs, about 1 KiB each).
constexpr std::size_t kSkbOverhead = 64 * 1024;

// Queues the whole secret in one non-blocking send(), or nothing. Then a client that reads
// slowly (or never) holds no thread, and no client ever reads part of a secret followed by EOF,
// which systemd would store as the credential.
Result<void> queue_whole(int fd, std::span<const std::uint8_t> data) {
  const std::size_t need = data.size() + kSkbOverhead;
  const int want = static_cast<int>(need);  // <= 1 MiB + 64 KiB; the kernel doubles it
  // SO_SNDBUFFORCE (CAP_NET_ADMIN) passes net.core.wmem_max; SO_SNDBUF is capped by it.
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want) != 0)
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
  int have = 0;
  socklen_t have_len = sizeof have;
  if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &have_len) != 0)
    return os_error(errno, "SO_SNDBUF");
  if (have < 0 || static_cast<std::size_t>(have) < need)
    return fail(Code::FailedPrecondition,
                std::to_string(data.size()) + " bytes do not fit the socket buffer (" +
                    std::to_string(have) +
                    "); raise net.core.wmem_max or give the daemon CAP_NET_ADMIN");
  ssize_t n;
  do {
    n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return os_error(errno, "send");
  if (static_cast<std::size_t>(n) != data.size())
    return fail(Code::Internal, "send queued " + std::to_string(n) + " of " +
                                    std::to_string(data.size()) + " bytes");
  return {};
}

}  // namespace

struct CredentialServer::State {
  explicit State(Service& s, int listen, int wake) : service(s), listen_fd(listen), wake_fd(wake) {}
  ~State() { ::close(wake_fd); }

  Service& service;
  const int listen_fd;
  const int wake_fd;  // eventfd: written by stop() to end the accept loop
  std::thread acceptor;

  std::mutex mu;
  std::condition_variable idle;
  std::vector<config::CredentialEntry> entries;
  int in_flight = 0;  // connections on a worker (fetching, then one send)
  bool stopping = false;
  // Joined threads, not detached ones (worker_pool.h says why); stopped by stop().
  WorkerPool workers;
};

namespace {

using State = CredentialServer::State;

// Runs on a worker, counted in state->in_flight until it has closed the connection.
void serve_connection(const std::shared_ptr<State>& state, UniqueFd conn, CredentialPeer peer,
                      std::string resource) {
  {
    auto uri = kbs::parse_resource_uri(resource);  // valid: compile() kept only those
    Result<SecretRef> secret =
        uri ? state->service.resource(*uri) : std::unexpected(std::move(uri.error()));
    if (!secret) {
      log::warning(describe(peer) + ": " + resource + ": " + secret.error().message);
    } else if ((*secret)->size() > kCredentialSizeMax) {
      log::warning(describe(peer) + ": " + resource + " is larger than systemd's 1 MiB limit");
    } else if (auto sent = queue_whole(conn.get(), (*secret)->bytes()); !sent) {
      log::warning(describe(peer) + ": " + resource + " not delivered: " + sent.error().message);
    } else {
      log::info(describe(peer) + ": delivered " + resource);
    }
  }  // our reference is dropped here (the cache's copy is wiped when the cache lets go)
  { UniqueFd closed = std::move(conn); }
  std::lock_guard lock(state->mu);
  if (--state->in_flight == 0) state->idle.notify_all();
}

void handle_accepted(const std::shared_ptr<State>& state, UniqueFd conn) {
  ucred cred{};
  socklen_t cred_len = sizeof cred;
  if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0) {
    log::warning("credential socket: SO_PEERCRED: " + os_error(errno, "").error().message);
    return;
  }
  // Only the system manager (root) speaks for a unit: anyone can bind an abstract name that
  // claims to be another unit, so the name alone proves nothing.
  if (cred.uid != 0) {
    log::notice("credential socket: refused pid " + std::to_string(cred.pid) + " (uid " +
                std::to_string(cred.uid) + "): only systemd, as root, may ask");
    return;
  }
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(conn.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    log::warning("credential socket: getpeername: " + os_error(errno, "").error().message);
    return;
  }
  constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);
  const std::size_t path_len =
      len > kPathOffset ? std::min<std::size_t>(len - kPathOffset, sizeof addr.sun_path) : 0;
  auto peer = parse_credential_peer(std::span<const char>(addr.sun_path, path_len));
  if (!peer) {
    log::notice("credential socket: pid " + std::to_string(cred.pid) + ": " + peer.error().message);
    return;
  }
  std::unique_lock lock(state->mu);
  auto resource = match_credential(state->entries, *peer);
  if (!resource) {
    log::notice(describe(*peer) + ": no [[credentials]] entry matches");
    return;
  }
  if (state->stopping) return;
  if (state->in_flight >= CredentialServer::kMaxInFlight) {
    log::warning(describe(*peer) + ": refused, " + std::to_string(CredentialServer::kMaxInFlight) +
                 " requests already in flight");
    return;
  }
  ++state->in_flight;
  const std::string who = describe(*peer);
  // std::function wants a copyable job: the connection goes in a shared box.
  auto fd = std::make_shared<UniqueFd>(std::move(conn));
  if (!state->workers.submit([state, fd, peer = std::move(*peer), resource = std::move(*resource)] {
        serve_connection(state, std::move(*fd), peer, resource);
      })) {
    --state->in_flight;
    log::error("credential socket: cannot start a thread for " + who);
  }
}

void accept_loop(const std::shared_ptr<State>& state) {
  while (true) {
    pollfd fds[2] = {{state->listen_fd, POLLIN, 0}, {state->wake_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log::error("credential socket: poll: " + os_error(errno, "").error().message);
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & (POLLERR | POLLNVAL | POLLHUP)) != 0) {
      log::error("credential socket: the listening socket failed; no longer serving credentials");
      return;
    }
    const int c = ::accept4(state->listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) {
      const int err = errno;
      if (err == EINTR || err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED) continue;
      log::warning("credential socket: accept: " + os_error(err, "").error().message);
      // Out of descriptors or memory: back off instead of spinning, still answering stop().
      pollfd wake{state->wake_fd, POLLIN, 0};
      if (::poll(&wake, 1, 100) > 0) return;
      continue;
    }
    handle_accepted(state, UniqueFd(c));
  }
}

}  // namespace

Result<std::unique_ptr<CredentialServer>> CredentialServer::start(
    Service& service, int listen_fd, std::vector<config::CredentialEntry> entries) {
  auto compiled = compile(std::move(entries));
  if (!compiled.errors.empty()) return std::unexpected(std::move(compiled.errors.front()));
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) return os_error(errno, "credential socket: eventfd");
  auto state = std::make_shared<State>(service, listen_fd, wake);
  state->entries = std::move(compiled.valid);
  try {
    state->acceptor = std::thread(accept_loop, state);
  } catch (const std::system_error& e) {
    return fail(Code::Internal,
                std::string("credential socket: cannot start a thread: ") + e.what());
  }
  return std::unique_ptr<CredentialServer>(new CredentialServer(std::move(state)));
}

CredentialServer::CredentialServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

void CredentialServer::set_entries(std::vector<config::CredentialEntry> entries) {
  auto compiled = compile(std::move(entries));
  for (const auto& e : compiled.errors) log::warning(e.message + "; the entry is ignored");
  std::lock_guard lock(state_->mu);
  state_->entries = std::move(compiled.valid);
}

void CredentialServer::stop() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->stopping = true;
  }
  const std::uint64_t one = 1;
  (void)!::write(state_->wake_fd, &one, sizeof one);
  if (state_->acceptor.joinable()) state_->acceptor.join();
  {
    std::unique_lock lock(state_->mu);
    state_->idle.wait(lock, [&] { return state_->in_flight == 0; });
  }
  // Joins the workers: after this no thread holds a job (nor its reference to the state).
  state_->workers.stop();
}

CredentialServer::~CredentialServer() { stop(); }

}  // namespace attest::api
