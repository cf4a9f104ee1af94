// A loopback HTTP server for HttpClient tests: it answers each connection with the next
// scripted reply (raw bytes), or hangs, or drops it, and records what it received.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace attest::http::testing {

class CannedServer {
 public:
  static constexpr const char* kHang = "<hang>";
  static constexpr const char* kDrop = "<drop>";

  explicit CannedServer(std::vector<std::string> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      std::abort();  // test error: no loopback socket
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() const { return connections_; }

 private:
  bool wait_readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }

  void serve() {
    for (const auto& reply : replies_) {
      if (!wait_readable(fd_)) return;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++connections_;
      std::string req = read_request(c);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      if (reply == kHang) {
        char b;
        while (wait_readable(c) && ::recv(c, &b, 1, 0) > 0) {
        }
      } else if (reply != kDrop) {
        std::size_t done = 0;
        while (done < reply.size()) {
          const ssize_t n = ::send(c, reply.data() + done, reply.size() - done, MSG_NOSIGNAL);
          if (n <= 0) break;
          done += static_cast<std::size_t>(n);
        }
      }
      ::close(c);
    }
  }

  std::string read_request(int c) {
    std::string in;
    char buf[4096];
    std::size_t need = std::string::npos;
    while (wait_readable(c)) {
      const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) break;
      in.append(buf, static_cast<std::size_t>(n));
      const auto end = in.find("\r\n\r\n");
      if (end != std::string::npos && need == std::string::npos) {
        need = end + 4;
        const auto cl = in.find("Content-Length: ");
        if (cl != std::string::npos && cl < end)
          need += std::strtoul(in.c_str() + cl + 16, nullptr, 10);
      }
      if (need != std::string::npos && in.size() >= need) break;
    }
    return in;
  }

  std::vector<std::string> replies_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace attest::http::testing
