// The credential socket, driven exactly as systemd drives it (src/basic/fileio.c
// `xfopenat_unix_socket` @015e2148): bind the client to "\0<hex>/unit/<unit>/<ID>", connect to
// the socket path, shut down the write side, read until EOF.
#include "agent/api/credential_server.h"

#include "agent/api/credential_peer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/systemd_credential_client.h"
#include "tests/fakes/test_kbs.h"

namespace attest::api {
namespace {

using testing::connect_as;
using testing::load_credential;
using testing::read_to_eof;
using testing::TempDir;

// A Service that answers resource() from a map keyed by to_string(), and can hold a resource
// back until released (a slow KBS).
class FakeService : public Service {
 public:
  std::map<std::string, std::string> secrets;
  std::string held;  // resource that blocks until release()

  Result<SecretRef> resource(const kbs::ResourceUri& uri) override {
    const std::string key = uri.to_string();
    {
      std::unique_lock lock(mu_);
      calls_.push_back(key);
      if (key == held) {
        ++waiting_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return released_; });
      }
    }
    const auto it = secrets.find(key);
    if (it == secrets.end()) return fail(Code::NotFound, "KBS resource " + uri.path() + ": 401");
    auto bytes = SecureBuffer::copy_of(
        std::span(reinterpret_cast<const std::uint8_t*>(it->second.data()), it->second.size()));
    if (!bytes) return std::unexpected(std::move(bytes.error()));
    return std::make_shared<const SecureBuffer>(std::move(*bytes));
  }
  Result<TokenReply> token() override { return fail(Code::Unsupported, "test"); }
  Result<std::string> evidence(ByteView) override { return fail(Code::Unsupported, "test"); }
  Result<void> extend_measurement(const MeasurementRequest&) override {
    return fail(Code::Unsupported, "test");
  }
  Info info() override { return {}; }
  Health health() override { return {}; }
  void append_metrics(std::string&) override {}

  std::vector<std::string> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void wait_until_held() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return waiting_ > 0; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> calls_;
  int waiting_ = 0;
  bool released_ = false;
};

struct ListenSocket {
  int fd = -1;
  std::filesystem::path path;
  explicit ListenSocket(const std::filesystem::path& p) : path(p) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, p.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    EXPECT_EQ(::listen(fd, 64), 0);
  }
  ~ListenSocket() { ::close(fd); }
};

class CredentialServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_.secrets["kbs:///default/tls/web"] = std::string("web\0key\n", 8);
    service_.secrets["kbs:///default/db/pass"] = "hunter2-db";
    service_.secrets["kbs+provisioner:///default/c007d2cc/root"] = "luks-root-key";
  }
  std::unique_ptr<CredentialServer> start(std::vector<config::CredentialEntry> entries) {
    auto s = CredentialServer::start(service_, listen_.fd, std::move(entries));
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  TempDir dir_;
  ListenSocket listen_{dir_ / "credentials.sock"};
  FakeService service_;
  const std::vector<config::CredentialEntry> entries_ = {
      {"web-*.service", "tls-key", "kbs:///default/tls/web"},
      {"db.service", "db-pass", "kbs:///default/db/pass"},
      {"systemd-cryptsetup@*.service", "root", "kbs+provisioner:///default/c007d2cc/root"},
  };
};

TEST_F(CredentialServerTest, HandsTheSecretToTheUnitsLoadCredential) {
  auto server = start(entries_);
  ASSERT_TRUE(server);
  EXPECT_EQ(load_credential(listen_.path, "web-1.service", "tls-key"),
            std::string("web\0key\n", 8));
  EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass"), "hunter2-db");
  EXPECT_EQ(load_credential(listen_.path, "systemd-cryptsetup@root.service", "root"),
            "luks-root-key");
  EXPECT_EQ(service_.calls(),
            (std::vector<std::string>{"kbs:///default/tls/web", "kbs:///default/db/pass",
                                      "kbs+provisioner:///default/c007d2cc/root"}));
}

TEST_F(CredentialServerTest, WrongUnitOrIdGetsNothing) {
  auto server = start(entries_);
  ASSERT_TRUE(server);
  EXPECT_EQ(load_credential(listen_.path, "db.service", "tls-key"), "");
  EXPECT_EQ(load_credential(listen_.path, "web.service", "tls-key"), "");  // glob needs "web-"
  EXPECT_EQ(load_credential(listen_.path, "db-2.service", "db-pass"), "");
  EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass2"), "");
  EXPECT_TRUE(service_.calls().empty());
}

TEST_F(CredentialServerTest, NonAbstractOrMalformedPeerGetsNothing) {
  auto server = start(entries_);
  ASSERT_TRUE(server);
  EXPECT_EQ(read_to_eof(connect_as(listen_.path, "")), "");                     // unbound
  EXPECT_EQ(read_to_eof(connect_as(listen_.path, (dir_ / "c").string())), "");  // path-bound
  for (const char* name : {"@1a2b/unit/db.service", "@zz/unit/db.service/db-pass",
                           "@1a2b/units/db.service/db-pass", "@1a2b/unit/db.service/db-pass/x",
                           "@/unit/db.service/db-pass", "@1a2b/unit/db service/db-pass"})
    EXPECT_EQ(read_to_eof(connect_as(listen_.path, name)), "") << name;
  // A file named like systemd's abstract address is still a path, not an abstract name.
  EXPECT_EQ(read_to_eof(connect_as(listen_.path, (dir_ / "1a2b").string())), "");
  EXPECT_TRUE(service_.calls().empty());
  // The server still serves a well-formed request afterwards.
  EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass"), "hunter2-db");
}

TEST_F(CredentialServerTest, PeerThatIsNotRootGetsNothing) {
  // Anyone can bind an abstract name that claims to be a unit: only root (systemd) is answered.
  ASSERT_EQ(::geteuid(), 0u) << "this test drops to uid 65534 and needs root";
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(listen_.path.c_str(), 0777), 0);
  auto server = start(entries_);
  ASSERT_TRUE(server);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(90);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un b{};
    b.sun_family = AF_UNIX;
    const std::string name = std::string(1, '\0') + "5/unit/db.service/db-pass";
    std::memcpy(b.sun_path, name.data(), name.size());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&b),
               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())) != 0)
      ::_exit(91);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, listen_.path.c_str(), sizeof a.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ::_exit(92);
    ::shutdown(fd, SHUT_WR);
    const std::string got = read_to_eof(fd);
    (void)!::write(pipe_fds[1], got.data(), got.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  const std::string got = read_to_eof(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "90: setuid, 91: bind, 92: connect failed in the child";
  EXPECT_EQ(got, "");
  EXPECT_TRUE(service_.calls().empty());
  // The same request from root is answered: the uid alone made the difference.
  EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass"), "hunter2-db");
}

TEST_F(CredentialServerTest, FailedFetchOrOversizedSecretGetsNothing) {
  service_.secrets["kbs:///default/big/one"] = std::string(kCredentialSizeMax + 1, 'x');
  auto server = start({{"a.service", "missing", "kbs:///default/not/there"},
                       {"a.service", "big", "kbs:///default/big/one"}});
  ASSERT_TRUE(server);
  EXPECT_EQ(load_credential(listen_.path, "a.service", "missing"), "");
  EXPECT_EQ(load_credential(listen_.path, "a.service", "big"), "");
  EXPECT_EQ(service_.calls().size(), 2u);
}

TEST_F(CredentialServerTest, SlowFetchDoesNotBlockOtherUnits) {
  service_.held = "kbs:///default/tls/web";
  auto server = start(entries_);
  ASSERT_TRUE(server);
  std::string slow_result;
  std::thread slow(
      [&] { slow_result = load_credential(listen_.path, "web-1.service", "tls-key"); });
  service_.wait_until_held();
  EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass"), "hunter2-db");
  service_.release();
  slow.join();
  EXPECT_EQ(slow_result, std::string("web\0key\n", 8));
}

TEST_F(CredentialServerTest, ClientThatStopsReadingGetsAllOrNothingAndBlocksNoOne) {
  // systemd's largest credential: more than the default socket buffer, so the server must size
  // the buffer to queue it whole (we run as root here: SO_SNDBUFFORCE).
  std::string big(kCredentialSizeMax, 'b');
  for (std::size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>('a' + i % 26);
  service_.secrets["kbs:///default/big/one"] = big;
  auto server = start({{"a.service", "big", "kbs:///default/big/one"},
                       {"db.service", "db-pass", "kbs:///default/db/pass"}});
  ASSERT_TRUE(server);
  const int stalled = connect_as(listen_.path, "@77/unit/a.service/big");
  pollfd p{stalled, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10'000), 1);  // the server has answered; the client has read nothing
  EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass"), "hunter2-db");
  server->stop();  // nothing is left in flight although the stalled client never read
  EXPECT_EQ(read_to_eof(stalled), big);  // all of it, never a prefix
}

TEST_F(CredentialServerTest, SetEntriesReplacesTheMapping) {
  auto server = start(entries_);
  ASSERT_TRUE(server);
  server->set_entries({{"db.service", "other-id", "kbs:///default/db/pass"},
                       {"db.service", "bad", "https://not-a-kbs-uri/x"}});
  EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass"), "");
  EXPECT_EQ(load_credential(listen_.path, "db.service", "bad"), "");
  EXPECT_EQ(load_credential(listen_.path, "db.service", "other-id"), "hunter2-db");
  EXPECT_EQ(service_.calls(), std::vector<std::string>{"kbs:///default/db/pass"});
}

TEST_F(CredentialServerTest, StartRefusesAnInvalidResource) {
  auto s = CredentialServer::start(service_, listen_.fd,
                                   {{"db.service", "db-pass", "kbs:///default/db"}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Code::InvalidArgument);
  EXPECT_NE(s.error().message.find("[[credentials]] unit 'db.service' id 'db-pass'"),
            std::string::npos)
      << s.error().message;
}

TEST_F(CredentialServerTest, SecretsNeverReachTheLog) {
  // Every path that logs: delivered, no entry, failed fetch, refused peer.
  std::fflush(stderr);
  const int saved = ::dup(2);
  const auto log_path = dir_ / "stderr.log";
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(log_fd, 0);
  ::dup2(log_fd, 2);
  {
    auto server = start(entries_);
    ASSERT_TRUE(server);
    EXPECT_EQ(load_credential(listen_.path, "db.service", "db-pass"), "hunter2-db");
    EXPECT_EQ(load_credential(listen_.path, "web-9.service", "tls-key"),
              std::string("web\0key\n", 8));
    EXPECT_EQ(load_credential(listen_.path, "db.service", "nope"), "");
    EXPECT_EQ(read_to_eof(connect_as(listen_.path, "@1/unit/x")), "");
  }
  ::dup2(saved, 2);
  ::close(saved);
  ::close(log_fd);
  const std::string log = testing::read_text_file(log_path);
  EXPECT_NE(log.find("credential 'db-pass' for db.service: delivered kbs:///default/db/pass"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("no [[credentials]] entry"), std::string::npos) << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  EXPECT_EQ(log.find("web\\0key"), std::string::npos) << log;
  EXPECT_EQ(log.find(std::string("web\0key", 7)), std::string::npos) << log;
}

}  // namespace
}  // namespace attest::api
