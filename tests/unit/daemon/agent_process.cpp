#include "tests/unit/daemon/agent_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include "tests/fakes/test_kbs.h"

extern char** environ;

namespace attest::testing {

CurlResult curl(const std::filesystem::path& socket, const std::string& path, const TempDir& dir,
                const std::vector<std::string>& prefix) {
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {"curl", "-sS", "--max-time", "30", "--unix-socket", socket.string(),
                           "-o", "-", "-w", "%{stderr}%{http_code}", "http://localhost" + path});
  const auto r = run_process(argv, dir);
  return {r.exit_code, r.err.size() >= 3 ? r.err.substr(r.err.size() - 3) : r.err, r.out};
}

std::optional<long> rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  return std::nullopt;
}

NotifySocket::NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ADD_FAILURE() << "test error: cannot bind the notify socket " << path_;
  }
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) ::close(fd_);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

bool NotifySocket::seen(const std::string& line) const {
  for (const auto& m : messages_) {
    std::size_t at = 0;
    while (at <= m.size()) {
      const auto nl = m.find('\n', at);
      if (m.substr(at, nl == std::string::npos ? std::string::npos : nl - at) == line) return true;
      if (nl == std::string::npos) break;
      at = nl + 1;
    }
  }
  return false;
}

bool NotifySocket::wait_for(const std::string& line, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!seen(line)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) messages_.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return true;
}

AgentProcess::AgentProcess(const std::vector<std::string>& args,
                           const std::vector<std::string>& env,
                           const std::filesystem::path& output_dir,
                           const std::vector<PassedSocket>& passed)
    : out_(output_dir / "agent.out"), err_(output_dir / "agent.err") {
  bypass_proxy_for_loopback();
  std::vector<std::string> argv_s;
  if (const char* wrapper = std::getenv("ATTEST_AGENT_WRAPPER"); wrapper != nullptr) {
    std::istringstream words(wrapper);
    for (std::string w; words >> w;) argv_s.push_back(w);
  }
  argv_s.emplace_back(ATTEST_AGENT_BINARY);
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env.begin(), env.end());
  // LISTEN_PID must be the child's pid, known only after fork: the child writes its digits into
  // this entry's reserved space (no allocation after fork).
  constexpr std::string_view kListenPid = "LISTEN_PID=";
  std::size_t listen_pid_entry = 0;
  constexpr std::size_t kMaxPassed = 8;  // room on the child's stack, reserved before fork
  if (passed.size() > kMaxPassed) {
    ADD_FAILURE() << "test error: at most " << kMaxPassed << " passed sockets";
    return;
  }
  if (!passed.empty()) {
    std::string names;
    for (const auto& p : passed) names += (names.empty() ? "" : ":") + p.name;
    env_s.push_back("LISTEN_FDS=" + std::to_string(passed.size()));
    env_s.push_back("LISTEN_FDNAMES=" + names);
    env_s.push_back(std::string(kListenPid) + std::string(20, '\0'));
    listen_pid_entry = env_s.size() - 1;
  }
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ != 0) return;
  // Child: only async-signal-safe calls until exec.
  const int in = ::open("/dev/null", O_RDONLY);
  const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (in < 0 || o < 0 || e < 0) ::_exit(126);
  ::dup2(in, 0);
  ::dup2(o, 1);
  ::dup2(e, 2);
  if (!passed.empty()) {
    // First every passed socket above the target range, then each to 3, 4, ...: a socket that
    // already sits at a target number is never overwritten before it moved.
    const int n = static_cast<int>(passed.size());
    int high[kMaxPassed];
    for (int i = 0; i < n; ++i)
      if ((high[i] = ::fcntl(passed[static_cast<std::size_t>(i)].fd, F_DUPFD, 3 + n)) < 0)
        ::_exit(125);
    for (int i = 0; i < n; ++i)
      if (::dup2(high[i], 3 + i) < 0 || ::close(high[i]) != 0) ::_exit(125);
    char* digits = envp[listen_pid_entry] + kListenPid.size();
    char reversed[20];
    int len = 0;
    for (auto pid = static_cast<unsigned long>(::getpid()); pid != 0 || len == 0; pid /= 10)
      reversed[len++] = static_cast<char>('0' + pid % 10);
    for (int i = 0; i < len; ++i) digits[i] = reversed[len - 1 - i];
    digits[len] = '\0';
  }
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(127);
}

AgentProcess::~AgentProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    (void)wait_exit(std::chrono::seconds(10));
  }
}

bool AgentProcess::running() {
  if (status_ || pid_ <= 0) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) != pid_) return true;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return false;
}

void AgentProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> AgentProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

std::string AgentProcess::out() const { return read_text_file(out_); }
std::string AgentProcess::err() const { return read_text_file(err_); }

}  // namespace attest::testing
