#include "tests/fakes/swtpm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tests/fakes/fake_os.h"

namespace attest::testing {
namespace {

// Binds 127.0.0.1:port (0 = any free port) and returns the port, or 0 if it is taken.
int bind_port(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t len = sizeof addr;
  int got = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    got = ntohs(addr.sin_port);
  ::close(fd);
  return got;
}

bool can_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A free pair P, P+1 (server and control channel).
int free_port_pair() {
  for (int i = 0; i < 50; ++i) {
    const int p = bind_port(0);
    if (p > 0 && p < 65535 && bind_port(p + 1) == p + 1) return p;
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<Swtpm>> Swtpm::start() {
  // swtpm --daemon detaches from us; as a child subreaper this process becomes its parent
  // again, so the destructor can waitpid() it instead of waiting for init to reap a zombie.
  (void)::prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::unique_ptr<Swtpm> s(new Swtpm());
  char tmpl[] = "/tmp/attest-swtpm-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return os_error(errno, "test: mkdtemp");
  s->dir_ = tmpl;
  const auto pid_file = s->dir_ / "swtpm.pid";
  // Another test may grab the ports between our probe and swtpm's bind: try a few pairs.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = free_port_pair();
    if (port == 0) continue;
    const std::string cmd =
        "swtpm socket --tpm2 --server type=tcp,port=" + std::to_string(port) +
        ",bindaddr=127.0.0.1 --ctrl type=tcp,port=" + std::to_string(port + 1) +
        ",bindaddr=127.0.0.1 --tpmstate dir=" + s->dir_.string() +
        " --flags not-need-init,startup-clear --daemon --pid file=" + pid_file.string() + " 2>&1";
    auto [status, out] = run_command(cmd);
    if (status != 0) continue;
    std::ifstream pf(pid_file);
    int pid = -1;
    pf >> pid;
    if (pid <= 0) continue;
    s->pid_ = pid;
    s->port_ = port;
    // --daemon returns once the sockets are bound; wait for the server to accept anyway.
    for (int i = 0; i < 200 && !can_connect(port); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return s;
  }
  return fail(Code::Unavailable, "test: could not start swtpm (is it installed?)");
}

Swtpm::~Swtpm() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) {
      // Not our child after all (no subreaper support): poll until it is gone.
      for (int i = 0; i < 200 && ::kill(pid_, 0) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Reap the intermediate processes of swtpm's daemonizing fork that were reparented to us.
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string Swtpm::tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

void SwtpmTest::SetUp() {
  auto s = Swtpm::start();
  ASSERT_TRUE(s) << s.error().message;
  swtpm_ = std::move(*s);
}

std::pair<int, std::string> SwtpmTest::tpm2(const std::string& tool_and_args) const {
  return run_command("tpm2_" + tool_and_args + " --tcti=" + tcti());
}

std::pair<int, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return {-1, out};
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

void write_test_file(const std::filesystem::path& p, ByteView data) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!f) test_error("cannot write " + p.string());
}

Bytes read_test_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) test_error("cannot read " + p.string());
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

bool verify_sha256_signature(ByteView spki_der, ByteView message, ByteView signature) {
  const unsigned char* p = spki_der.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size()));
  if (key == nullptr) return false;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok =
      md != nullptr && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(md, signature.data(), signature.size(), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace attest::testing
