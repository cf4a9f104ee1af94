// Helpers for the tests that run the real api::Server: a temporary directory with a listening
// Unix socket (mode 0777 so that setpriv'd clients reach the server and meet the access rules,
// not the file mode), a loopback TCP listener, and a shell runner.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace attest::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/attest-api-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (d == nullptr) std::abort();
    path_ = d;
    ::chmod(d, 0755);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A listening Unix socket at `path`; -1 on failure.
inline int listen_unix(const std::filesystem::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::chmod(path.c_str(), 0777) != 0 || ::listen(fd, 256) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// A listening TCP socket on `address`:0; the chosen port in `port`. -1 on failure.
inline int listen_tcp(const char* address, int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, address, &a.sin_addr);
  socklen_t len = sizeof(a);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(fd, 64) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

struct ShellResult {
  int exit_code = -1;
  std::string out;  // stdout, binary-safe
};

inline ShellResult shell(const std::string& command) {
  ShellResult r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// curl over the Unix socket: {HTTP status, body}. `prefix` runs it as someone else (setpriv).
struct CurlAnswer {
  int status = 0;
  std::string body;
};
inline CurlAnswer curl_unix(const std::filesystem::path& socket, const std::string& path,
                            const std::string& extra = "", const std::string& prefix = "") {
  const ShellResult r = shell(prefix + " curl -sS --unix-socket " + socket.string() + " " + extra +
                              " -o - -w '\\n%{http_code}' 'http://localhost" + path + "'");
  CurlAnswer a;
  const auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return a;
  a.status = std::atoi(r.out.c_str() + nl + 1);
  a.body = r.out.substr(0, nl);
  return a;
}

inline std::string read_file_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Captures what the process writes to fd 2 (the daemon's log) while alive.
class StderrCapture {
 public:
  explicit StderrCapture(const std::filesystem::path& file) : file_(file) {
    saved_ = ::dup(2);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  std::string text() {
    restore();
    return read_file_text(file_);
  }

 private:
  void restore() {
    if (saved_ >= 0) {
      ::dup2(saved_, 2);
      ::close(saved_);
      saved_ = -1;
    }
  }
  std::filesystem::path file_;
  int saved_ = -1;
};

}  // namespace attest::testing
