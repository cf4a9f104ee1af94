#include "agent/daemon/listeners.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace attest::daemon {
namespace {

constexpr int kBacklog = 128;

std::optional<gid_t> group_named(const char* name) {
  group g{};
  group* found = nullptr;
  char buf[4096];
  if (::getgrnam_r(name, &g, buf, sizeof buf, &found) != 0 || found == nullptr) return std::nullopt;
  return found->gr_gid;
}

Result<sockaddr_un> unix_address(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& p = path.native();
  if (p.empty() || p.size() >= sizeof addr.sun_path)
    return fail(Code::InvalidArgument, "socket path '" + p + "' must be 1.." +
                                           std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, p.data(), p.size());
  return addr;
}

// A socket file at `path` whose owner still accepts connections means another agent runs.
Result<void> clear_stale_socket(const std::filesystem::path& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return os_error(errno, path.string());
  }
  if (!S_ISSOCK(st.st_mode))
    return fail(Code::FailedPrecondition,
                path.string() + ": exists and is not a socket; refusing to replace it");
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return os_error(errno, "socket");
  const bool live = ::connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(probe);
  if (live)
    return fail(Code::FailedPrecondition,
                path.string() + ": another agent is listening on this socket");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os_error(errno, path.string());
  return {};
}

// A Unix socket at `path` with `mode` and, when given, `group`.
Result<ListenSocket> bind_unix(const std::filesystem::path& path, mode_t mode,
                               std::optional<gid_t> group) {
  auto addr = unix_address(path);
  if (!addr) return std::unexpected(std::move(addr.error()));
  const auto dir = path.parent_path();
  if (!dir.empty()) {
    // The directory is reachable by the clients (0755); the socket's own mode decides access.
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec); ec)
      return os_error(ec.value(), "create " + dir.string());
  }
  ATTEST_TRY(clear_stale_socket(path, *addr));
  ListenSocket s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), false);
  if (s.fd() < 0) return os_error(errno, "socket");
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(s.fd(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) return os_error(bind_errno, "bind " + path.string());
  const auto give_up = [&](const char* what) {
    const int err = errno;
    remove_owned_socket(path);
    return os_error(err, std::string(what) + " " + path.string());
  };
  if (group && ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) return give_up("chown");
  if (::chmod(path.c_str(), mode & 0777) != 0) return give_up("chmod");
  if (::listen(s.fd(), kBacklog) != 0) return give_up("listen");
  return s;
}

Result<ListenSocket> bind_tcp(const std::string& text) {
  auto a = parse_loopback_address(text);
  if (!a) return std::unexpected(std::move(a.error()));
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (a->host.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(a->port));
    (void)::inet_pton(AF_INET6, a->host.c_str(), &v6->sin6_addr);
    len = sizeof *v6;
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(a->port));
    (void)::inet_pton(AF_INET, a->host.c_str(), &v4->sin_addr);
    len = sizeof *v4;
  }
  ListenSocket s(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), true);
  if (s.fd() < 0) return os_error(errno, "socket");
  const int one = 1;
  (void)::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(s.fd(), reinterpret_cast<const sockaddr*>(&ss), len) != 0)
    return os_error(errno, "bind rest_listen " + text);
  if (::listen(s.fd(), kBacklog) != 0) return os_error(errno, "listen rest_listen " + text);
  return s;
}

bool is_loopback(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace

ListenSocket::ListenSocket(ListenSocket&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), loopback_tcp_(o.loopback_tcp_) {}

ListenSocket& ListenSocket::operator=(ListenSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    loopback_tcp_ = o.loopback_tcp_;
  }
  return *this;
}

ListenSocket::~ListenSocket() {
  if (fd_ >= 0) ::close(fd_);
}

int ListenSocket::release() { return std::exchange(fd_, -1); }

Result<TcpAddress> parse_loopback_address(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return fail(Code::InvalidArgument,
                "rest_listen '" + std::string(text) + "': " + std::string(why));
  };
  TcpAddress a;
  std::string_view port;
  if (text.starts_with("[")) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return bad("expected [v6-address]:port");
    a.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("expected address:port");
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (a.host.find(':') != std::string::npos) return bad("put an IPv6 address in brackets");
  }
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || a.port < 1 ||
      a.port > 65535)
    return bad("port must be 1..65535");
  if (!is_loopback(a.host))
    return bad(
        "only a numeric loopback address (127.0.0.0/8 or ::1) is allowed: this "
        "listener has no peer credentials");
  return a;
}

Result<Listeners> open_listeners(const ListenOptions& o) {
  Listeners out;
  // Socket activation: systemd bound the sockets (and chose their rights); we serve them.
  char** names = nullptr;
  const int n = ::sd_listen_fds_with_names(1, &names);
  if (n < 0) return os_error(-n, "sd_listen_fds");
  std::vector<std::string> fd_names;
  for (int i = 0; names != nullptr && i < n; ++i) {
    fd_names.emplace_back(names[i] != nullptr ? names[i] : "");
    std::free(names[i]);
  }
  std::free(names);
  if (n > 0) {
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; ++fd) {
      const auto index = static_cast<std::size_t>(fd - SD_LISTEN_FDS_START);
      const bool is_unix = ::sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) > 0;
      if (is_unix && index < fd_names.size() && fd_names[index] == kCredentialFdName) {
        out.credential.emplace(fd, false);
      } else if (is_unix) {
        out.sockets.emplace_back(fd, false);
      } else if (::sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) > 0) {
        // Only a loopback TCP socket may be served: it carries no peer credentials.
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        char host[INET6_ADDRSTRLEN] = {};
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
          if (ss.ss_family == AF_INET)
            ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, host, sizeof host);
          else
            ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, host,
                        sizeof host);
        }
        if (!is_loopback(host)) {
          ::close(fd);
          return fail(Code::InvalidArgument, "socket activation passed a TCP socket on '" +
                                                 std::string(host) + "': only loopback is allowed");
        }
        out.sockets.emplace_back(fd, true);
      } else {
        ::close(fd);
        return fail(Code::InvalidArgument, "socket activation passed descriptor " +
                                               std::to_string(fd) +
                                               " that is not a listening stream socket");
      }
    }
    return out;
  }
  auto unix_socket = bind_unix(o.socket_path, o.socket_mode,
                               o.socket_group ? o.socket_group : group_named("attest"));
  if (!unix_socket) return std::unexpected(std::move(unix_socket.error()));
  out.sockets.push_back(std::move(*unix_socket));
  out.owned_socket_path = o.socket_path;
  if (o.rest_listen) {
    auto tcp = bind_tcp(*o.rest_listen);
    if (!tcp) {
      remove_owned_socket(out.owned_socket_path);
      return std::unexpected(std::move(tcp.error()));
    }
    out.sockets.push_back(std::move(*tcp));
  }
  if (!o.credential_socket.empty()) {
    // Only systemd (root) connects; the server refuses other peers anyway.
    auto credential = bind_unix(o.credential_socket, 0600, std::nullopt);
    if (!credential) {
      remove_owned_socket(out.owned_socket_path);
      return std::unexpected(std::move(credential.error()).with_context("credential_socket"));
    }
    out.credential.emplace(std::move(*credential));
    out.owned_credential_path = o.credential_socket;
  }
  return out;
}

void remove_owned_socket(const std::filesystem::path& path) noexcept {
  if (path.empty()) return;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) (void)::unlink(path.c_str());
}

}  // namespace attest::daemon
