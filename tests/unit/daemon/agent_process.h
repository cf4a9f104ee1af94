// The real attest-agent binary as a child process, and the systemd side of sd_notify: a
// datagram socket the test reads (NOTIFY_SOCKET), so tests see READY=1 exactly when systemd
// would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace attest::testing {

class TempDir;

// curl --unix-socket against the agent: the body on stdout (binary-safe), the status on stderr
// (the caller may be another uid that cannot write files here). `prefix` runs curl through
// another program (setpriv to change uid).
struct CurlResult {
  int exit_code = -1;
  std::string status;  // "%{http_code}"
  std::string body;
};
CurlResult curl(const std::filesystem::path& socket, const std::string& path, const TempDir& dir,
                const std::vector<std::string>& prefix = {});

// VmRSS of a process in KiB (/proc/<pid>/status), nullopt when unreadable.
std::optional<long> rss_kib(pid_t pid);

class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Waits for a datagram holding `line` (e.g. "READY=1"); every message is kept in messages().
  bool wait_for(const std::string& line, std::chrono::milliseconds timeout);
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  bool seen(const std::string& line) const;
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

// A listening socket handed to the agent as systemd's socket activation hands it
// (sd_listen_fds(3)): the child gets the passed sockets as descriptors 3, 4, ... in order, with
// LISTEN_FDS, LISTEN_FDNAMES (each socket unit's FileDescriptorName=, by default the unit's name)
// and LISTEN_PID set to its own pid.
struct PassedSocket {
  int fd = -1;  // stays the caller's (systemd keeps its sockets open too)
  std::string name;
};

class AgentProcess {
 public:
  // Starts ATTEST_AGENT_BINARY with `args`; `env` entries ("NAME=value") are added to ours, and
  // `passed` sockets as socket activation would pass them.
  // ATTEST_AGENT_WRAPPER in our environment (space-separated, absolute program path first, e.g.
  // "/usr/bin/valgrind --leak-check=full ...") runs the agent under that program: the valgrind
  // ctest (tests/integration/valgrind.cmake) runs the e2e tests so.
  AgentProcess(const std::vector<std::string>& args, const std::vector<std::string>& env,
               const std::filesystem::path& output_dir,
               const std::vector<PassedSocket>& passed = {});
  ~AgentProcess();  // SIGKILL if still running
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // The exit status (128+N when killed by signal N), or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_, err_;
};

}  // namespace attest::testing
