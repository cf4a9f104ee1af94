// bench/load_gen: an HTTP/1.1 load generator for a Unix socket (issue 10, socket benchmark).
//
// N keep-alive connections, each with one request in flight (a closed loop: a client sends its
// next request when the previous answer is complete), driven by ONE thread with epoll, so that
// the generator itself costs as little CPU as possible on a small shared machine and both
// servers it is pointed at (attest-agent, nginx) see exactly the same client. Every answer must
// be 200 with a Content-Length body; with --expect the body must equal the file's bytes, and
// any other answer is counted as wrong (the run fails).
//
//   load_gen --socket PATH --path /v1/... [--clients 32] [--duration S | --requests N]
//            [--warmup S] [--expect FILE]
//
// Prints one line of key=value figures: requests (counted after the warm-up), seconds, rps,
// p50_us, p90_us, p99_us, p999_us, max_us, wrong. Latency is from the first byte written to
// the last byte of the answer read, in microseconds.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "load_gen: %s\n", what.c_str());
  std::exit(1);
}

struct Options {
  std::string socket, path;
  int clients = 32;
  double duration_s = 10, warmup_s = 1;
  std::int64_t requests = 0;  // > 0: stop after this many answers (warm-up not applied)
  std::optional<std::string> expect;
};

struct Conn {
  int fd = -1;
  std::size_t sent = 0;  // bytes of the request written
  std::string in;        // bytes of the answer read so far
  Clock::time_point started;
};

int connect_unix(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof(a.sun_path)) die("socket path too long: " + path);
  std::memcpy(a.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0)
    die("connect " + path + ": " + std::strerror(errno));
  return fd;
}

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

// A complete answer in `in`: its total size, or 0 while more bytes are needed. Dies on an answer
// that is not HTTP/1.1 with a Content-Length (what both servers send for a fixed body).
std::size_t complete_answer(const std::string& in, int& status, std::string_view& body) {
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  const std::string_view head(in.data(), end);
  if (!head.starts_with("HTTP/1.1 ") || head.size() < 12) die("not an HTTP/1.1 answer");
  status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  std::optional<std::size_t> length;
  for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
    const std::size_t next = head.find("\r\n", pos + 2);
    std::string_view line =
        head.substr(pos + 2, next == std::string_view::npos ? head.npos : next - pos - 2);
    if (iequals_prefix(line, "content-length:")) {
      line.remove_prefix(15);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      std::size_t n = 0;
      const auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
      if (ec != std::errc()) die("bad Content-Length");
      length = n;
    }
    pos = next;
  }
  if (!length) die("answer without Content-Length (chunked answers are not supported)");
  const std::size_t total = end + 4 + *length;
  if (in.size() < total) return 0;
  body = std::string_view(in.data() + end + 4, *length);
  return total;
}

double percentile(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) die("missing value after " + std::string(a));
    const std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--socket") {
      o.socket = v;
    } else if (a == "--path") {
      o.path = v;
    } else if (a == "--expect") {
      o.expect = v;
    } else if (a == "--clients") {
      o.clients = static_cast<int>(std::strtol(v.c_str(), &end, 10));
    } else if (a == "--duration") {
      o.duration_s = std::strtod(v.c_str(), &end);
    } else if (a == "--warmup") {
      o.warmup_s = std::strtod(v.c_str(), &end);
    } else if (a == "--requests") {
      o.requests = std::strtoll(v.c_str(), &end, 10);
    } else {
      die("unknown option " + std::string(a));
    }
    if (end != nullptr && *end != '\0') die("bad number for " + std::string(a) + ": " + v);
  }
  if (o.socket.empty() || o.path.empty() || o.path.front() != '/')
    die("usage: load_gen --socket PATH --path /URL-PATH [--clients N] [--duration S | "
        "--requests N] [--warmup S] [--expect FILE]");
  if (o.clients < 1 || o.clients > 4096 || o.duration_s <= 0 || o.warmup_s < 0 || o.requests < 0)
    die("need 1 <= clients <= 4096, duration > 0, warmup >= 0, requests >= 0");
  if (o.requests > 0) o.warmup_s = 0;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::optional<std::string> expected;
  if (o.expect) {
    std::ifstream f(*o.expect, std::ios::binary);
    if (!f) die("cannot read " + *o.expect);
    expected.emplace(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  const std::string request = "GET " + o.path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";

  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die(std::string("epoll_create1: ") + std::strerror(errno));
  std::vector<Conn> conns(static_cast<std::size_t>(o.clients));
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_unix(o.socket);
    epoll_event ev{.events = EPOLLIN | EPOLLOUT, .data = {.u64 = i}};
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0) die("epoll_ctl");
    conns[i].started = t0;
  }

  const auto measure_from =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s));
  const auto stop_at = measure_from + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(o.duration_s));
  std::vector<std::uint32_t> latencies_us;
  latencies_us.reserve(1 << 20);
  std::int64_t answers = 0, wrong = 0;
  std::vector<epoll_event> events(conns.size());
  char buf[16384];
  Clock::time_point last = t0;

  while (o.requests > 0 ? answers < o.requests : last < stop_at) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0 && errno != EINTR) die(std::string("epoll_wait: ") + std::strerror(errno));
    last = Clock::now();
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[k].data.u64];
      if (events[k].events & (EPOLLERR | EPOLLHUP) && !(events[k].events & EPOLLIN))
        die("the server closed a keep-alive connection");
      if (c.sent < request.size() && (events[k].events & EPOLLOUT)) {
        if (c.sent == 0) c.started = Clock::now();
        const ssize_t w =
            ::send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) die(std::string("send: ") + std::strerror(errno));
        if (w > 0) c.sent += static_cast<std::size_t>(w);
        if (c.sent == request.size()) {
          epoll_event ev{.events = EPOLLIN, .data = events[k].data};
          ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
      if (!(events[k].events & EPOLLIN)) continue;
      for (;;) {
        const ssize_t r = ::recv(c.fd, buf, sizeof(buf), 0);
        if (r == 0) die("the server closed a keep-alive connection");
        if (r < 0) {
          if (errno == EAGAIN) break;
          die(std::string("recv: ") + std::strerror(errno));
        }
        c.in.append(buf, static_cast<std::size_t>(r));
      }
      int status = 0;
      std::string_view body;
      const std::size_t used = complete_answer(c.in, status, body);
      if (used == 0) continue;
      const auto done = Clock::now();
      if (status != 200 || (expected && body != *expected)) ++wrong;
      ++answers;
      if (c.started >= measure_from)
        latencies_us.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(done - c.started).count()));
      if (used != c.in.size()) die("the server sent bytes nobody asked for");
      c.in.clear();
      // The next request on the same connection, at once.
      c.sent = 0;
      c.started = done;
      const ssize_t w = ::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN) die(std::string("send: ") + std::strerror(errno));
      if (w > 0) c.sent = static_cast<std::size_t>(w);
      if (c.sent < request.size()) {
        epoll_event ev{.events = EPOLLIN | EPOLLOUT, .data = events[k].data};
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(last - (o.requests > 0 ? t0 : measure_from)).count();
  for (const Conn& c : conns) ::close(c.fd);
  ::close(ep);

  const std::size_t counted = latencies_us.size();
  const double max_us = counted ? *std::max_element(latencies_us.begin(), latencies_us.end()) : 0.0;
  const double p50 = percentile(latencies_us, 0.50), p90 = percentile(latencies_us, 0.90);
  const double p99 = percentile(latencies_us, 0.99), p999 = percentile(latencies_us, 0.999);
  std::printf(
      "requests=%zu seconds=%.3f rps=%.1f p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f "
      "max_us=%.0f wrong=%lld\n",
      counted, seconds, seconds > 0 ? static_cast<double>(counted) / seconds : 0.0, p50, p90, p99,
      p999, max_us, static_cast<long long>(wrong));
  return wrong == 0 && counted > 0 ? 0 : 1;
}
