#include "tests/fakes/systemd_credential_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace attest::testing {

int connect_as(const std::filesystem::path& socket_path, const std::string& bind_name) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (!bind_name.empty()) {
    sockaddr_un b{};
    b.sun_family = AF_UNIX;
    std::string raw = bind_name;
    if (raw[0] == '@') raw[0] = '\0';
    std::memcpy(b.sun_path, raw.data(), raw.size());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + raw.size() +
                                            (bind_name[0] == '@' ? 0 : 1));
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&b), len), 0) << std::strerror(errno);
  }
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, socket_path.c_str(), sizeof a.sun_path - 1);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  EXPECT_EQ(::shutdown(fd, SHUT_WR), 0);
  return fd;
}

std::string read_to_eof(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string load_credential(const std::filesystem::path& socket_path, const std::string& unit,
                            const std::string& id) {
  static std::atomic<unsigned> counter{0};
  char random[17];
  std::snprintf(random, sizeof random, "%x%x", static_cast<unsigned>(::getpid()), counter++);
  return read_to_eof(
      connect_as(socket_path, "@" + std::string(random) + "/unit/" + unit + "/" + id));
}

}  // namespace attest::testing
