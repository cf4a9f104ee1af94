// Socket API latency: 32 concurrent keep-alive clients fetching a cached resource through the
// real api::Server (libmicrohttpd, two epoll event loops) on a Unix socket. Prints client-side
// latency percentiles per request and the throughput.
//
//   cmake --build build --target bench_api_latency && build/bench/bench_api_latency [clients]
//   [requests]
#include <curl/curl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/api/server.h"
#include "common/bytes.h"
#include "common/log.h"

namespace {

using namespace attest;

// A Service whose resource is always cached: what the API layer costs, without the KBS.
class CachedService final : public api::Service {
 public:
  Result<api::SecretRef> resource(const kbs::ResourceUri&) override { return secret; }
  api::SecretRef cached_resource(const kbs::ResourceUri&) override { return secret; }
  Result<api::TokenReply> token() override { return fail(Code::Unsupported, "bench"); }
  Result<std::string> evidence(ByteView) override { return fail(Code::Unsupported, "bench"); }
  Result<void> extend_measurement(const api::MeasurementRequest&) override {
    return fail(Code::Unsupported, "bench");
  }
  api::Info info() override { return {}; }
  api::Health health() override { return {true, ""}; }
  void append_metrics(std::string&) override {}
  std::string value = std::string(32, 'k');  // a 256-bit key
  api::SecretRef secret =
      std::make_shared<const SecureBuffer>(std::move(*SecureBuffer::copy_of(as_bytes(value))));
};

size_t sink(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 32;
  const int requests = argc > 2 ? std::atoi(argv[2]) : 2000;
  log::set_level(log::Level::Warning);  // one release line per request would be the bench
  char tmpl[] = "/tmp/attest-bench-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(tmpl);
  const auto sock = dir / "agent.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(fd, 256) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  CachedService service;
  api::ServerOptions o;
  o.listeners = {{fd, false}};
  auto server = api::Server::start(service, std::move(o));
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().message.c_str());
    return 1;
  }

  std::mutex mu;
  std::vector<double> all_us;
  std::atomic<int> wrong{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      CURL* h = curl_easy_init();
      std::string body;
      curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock.c_str());
      curl_easy_setopt(h, CURLOPT_URL, "http://localhost/v1/resource/default/key/disk");
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &sink);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
      std::vector<double> us;
      us.reserve(static_cast<std::size_t>(requests));
      for (int i = 0; i < requests; ++i) {
        body.clear();
        const auto start = std::chrono::steady_clock::now();
        const CURLcode rc = curl_easy_perform(h);
        const auto end = std::chrono::steady_clock::now();
        if (rc != CURLE_OK || body != service.value) ++wrong;
        if (i >= requests / 10)  // the first 10 %: connection set-up and warm-up
          us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
      }
      curl_easy_cleanup(h);
      std::lock_guard lock(mu);
      all_us.insert(all_us.end(), us.begin(), us.end());
    });
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  (*server)->stop();
  std::filesystem::remove_all(dir);

  std::sort(all_us.begin(), all_us.end());
  auto pct = [&](double p) {
    return all_us[std::min(all_us.size() - 1, static_cast<std::size_t>(p * all_us.size()))];
  };
  std::printf("clients=%d requests/client=%d measured=%zu wrong=%d cores=%u\n", clients, requests,
              all_us.size(), wrong.load(), std::thread::hardware_concurrency());
  std::printf("latency us: p50=%.0f p90=%.0f p99=%.0f p99.9=%.0f max=%.0f\n", pct(0.50), pct(0.90),
              pct(0.99), pct(0.999), all_us.back());
  std::printf("throughput: %.0f requests/s\n", clients * requests / secs);
  return wrong.load() == 0 ? 0 : 1;
}
