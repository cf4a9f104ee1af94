// Listening sockets: loopback-only TCP, the Unix socket's mode, stale and live sockets.
#include "agent/daemon/listeners.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "tests/fakes/test_kbs.h"

namespace attest::daemon {
namespace {

using testing::TempDir;

TEST(LoopbackAddress, AcceptsLoopbackOnly) {
  auto a = parse_loopback_address("127.0.0.1:8006");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8006);
  auto b = parse_loopback_address("[::1]:8006");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_TRUE(parse_loopback_address("127.1.2.3:1"));
  for (const char* bad :
       {"0.0.0.0:8006", "10.0.0.1:8006", "[::]:8006", "localhost:8006", "127.0.0.1", "127.0.0.1:0",
        "127.0.0.1:65536", "127.0.0.1:80x", "::1:8006", "[::1]8006", ""}) {
    auto r = parse_loopback_address(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, Code::InvalidArgument) << bad;
      EXPECT_NE(r.error().message.find("rest_listen"), std::string::npos) << r.error().message;
    }
  }
  auto wide = parse_loopback_address("0.0.0.0:8006");
  ASSERT_FALSE(wide);
  EXPECT_NE(wide.error().message.find("loopback"), std::string::npos) << wide.error().message;
}

bool can_connect(const std::filesystem::path& p) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, p.c_str(), sizeof addr.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class Listen : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("LISTEN_FDS"); }
  ListenOptions options() {
    ListenOptions o;
    o.socket_path = dir_ / "run" / "agent.sock";
    o.socket_mode = 0660;
    o.socket_group = ::getgid();
    return o;
  }
  TempDir dir_;
};

TEST_F(Listen, BindsTheUnixSocketWithItsModeAndRemovesIt) {
  auto l = open_listeners(options());
  ASSERT_TRUE(l) << l.error().message;
  ASSERT_EQ(l->sockets.size(), 1u);
  EXPECT_FALSE(l->sockets[0].loopback_tcp());
  EXPECT_EQ(l->owned_socket_path, dir_ / "run" / "agent.sock");
  struct stat st {};
  ASSERT_EQ(::lstat(l->owned_socket_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_TRUE(can_connect(l->owned_socket_path));
  remove_owned_socket(l->owned_socket_path);
  EXPECT_FALSE(std::filesystem::exists(l->owned_socket_path));
}

TEST_F(Listen, ReplacesAStaleSocketButNotALiveOne) {
  auto first = open_listeners(options());
  ASSERT_TRUE(first);
  // Another agent is listening: refused, and its socket stays.
  auto second = open_listeners(options());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Code::FailedPrecondition);
  EXPECT_NE(second.error().message.find("another agent"), std::string::npos);
  EXPECT_TRUE(can_connect(first->owned_socket_path));
  // It crashed (socket file left, nobody listening): replaced.
  first->sockets.clear();
  auto third = open_listeners(options());
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_TRUE(can_connect(third->owned_socket_path));
}

TEST_F(Listen, RefusesToReplaceAFileThatIsNotASocket) {
  std::filesystem::create_directories(dir_ / "run");
  testing::write_text_file(dir_ / "run" / "agent.sock", "not a socket");
  auto l = open_listeners(options());
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, Code::FailedPrecondition);
  EXPECT_EQ(testing::read_text_file(dir_ / "run" / "agent.sock"), "not a socket");
}

TEST_F(Listen, AddsTheLoopbackTcpListener) {
  auto o = options();
  const int port = testing::free_loopback_port();
  o.rest_listen = "127.0.0.1:" + std::to_string(port);
  auto l = open_listeners(o);
  ASSERT_TRUE(l) << l.error().message;
  ASSERT_EQ(l->sockets.size(), 2u);
  EXPECT_TRUE(l->sockets[1].loopback_tcp());
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(l->sockets[1].fd(), reinterpret_cast<sockaddr*>(&a), &len), 0);
  EXPECT_EQ(ntohs(a.sin_port), port);
  EXPECT_EQ(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
}

TEST_F(Listen, ANonLoopbackTcpListenerIsRefusedAndNoSocketIsLeft) {
  auto o = options();
  o.rest_listen = "0.0.0.0:8006";
  auto l = open_listeners(o);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, Code::InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(o.socket_path));
}

}  // namespace
}  // namespace attest::daemon
