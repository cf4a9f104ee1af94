// The daemon's listening sockets: the Unix socket (socket_path, socket_mode, socket_group) and
// the optional loopback TCP listener for CoCo api-server-rest clients (rest_listen), or the
// sockets systemd passes with socket activation (sd_listen_fds). The HTTP server serves them;
// this module only creates, checks and finally removes them.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace attest::daemon {

// An open listening socket; closed on destruction unless released to the server.
class ListenSocket {
 public:
  ListenSocket(int fd, bool loopback_tcp) : fd_(fd), loopback_tcp_(loopback_tcp) {}
  ListenSocket(ListenSocket&& o) noexcept;
  ListenSocket& operator=(ListenSocket&& o) noexcept;
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;
  ~ListenSocket();
  int fd() const { return fd_; }
  bool loopback_tcp() const { return loopback_tcp_; }
  int release();  // hands the descriptor to a new owner

 private:
  int fd_ = -1;
  bool loopback_tcp_ = false;
};

struct ListenOptions {
  std::filesystem::path socket_path;
  mode_t socket_mode = 0660;
  std::optional<gid_t> socket_group;       // nullopt: "attest" when that group exists, else ours
  std::optional<std::string> rest_listen;  // "127.0.0.1:8006", "[::1]:8006"
  // systemd's LoadCredential= socket (mode 0600: only root, i.e. systemd, connects); empty: none.
  std::filesystem::path credential_socket;
};

// The name a socket unit gives the credential socket (FileDescriptorName=credentials), so that
// socket activation can pass it beside the API socket.
inline constexpr const char* kCredentialFdName = "credentials";

struct Listeners {
  std::vector<ListenSocket> sockets;  // the HTTP API's
  // The path this process bound (to unlink at exit); empty with socket activation, where the
  // socket belongs to systemd.
  std::filesystem::path owned_socket_path;
  // The credential socket (CredentialServer), when asked for or passed by systemd.
  std::optional<ListenSocket> credential;
  std::filesystem::path owned_credential_path;  // as owned_socket_path
};

// "host:port" with a numeric loopback address (127.0.0.0/8 or ::1; IPv6 in brackets) and a
// port 1..65535. Anything else, a non-loopback address especially, is InvalidArgument: the
// TCP listener has no peer credentials, so it must never face the network.
struct TcpAddress {
  std::string host;
  int port = 0;
};
[[nodiscard]] Result<TcpAddress> parse_loopback_address(std::string_view text);

// Takes systemd's sockets when it passed any (LISTEN_FDS for this pid; the one named
// kCredentialFdName is the credential socket), else binds the Unix socket (and the TCP listener
// and the credential socket when asked). The Unix socket is created under umask 0177 and
// only then given socket_mode and socket_group, so it is never wider than asked even for an
// instant. A stale socket left by a crashed agent is replaced; a live one (another agent
// answers) or a non-socket at the path is FailedPrecondition.
[[nodiscard]] Result<Listeners> open_listeners(const ListenOptions& options);

// Unlinks the socket this process created (if still ours: a socket at the path).
void remove_owned_socket(const std::filesystem::path& path) noexcept;

}  // namespace attest::daemon
