// The real api::Server (libmicrohttpd) on a real Unix socket in a temp dir, driven by the curl
// binary, by libcurl, and by a caller with another uid (setpriv).
#include "agent/api/server.h"

#include "agent/api/routes.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "agent/http/http_client.h"
#include "common/log.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/api/api_socket.h"
#include "tests/unit/api/fake_service.h"

namespace attest::api {
namespace {

using testing::curl_unix;
using testing::FakeService;

constexpr const char* kNobody = "setpriv --reuid 65534 --regid 65534 --clear-groups";

class ServerTest : public ::testing::Test {
 protected:
  void start(std::vector<config::AccessRule> rules = {}) {
    socket_path = dir.path() / "agent.sock";
    const int fd = testing::listen_unix(socket_path);
    ASSERT_GE(fd, 0);
    ServerOptions o;
    o.listeners = {{fd, false}};
    o.rules = std::move(rules);
    o.connection_timeout = std::chrono::milliseconds(5000);
    auto s = Server::start(service, std::move(o));
    ASSERT_TRUE(s) << s.error().message;
    server = std::move(*s);
  }

  testing::TempDir dir;
  std::filesystem::path socket_path;
  FakeService service;
  std::unique_ptr<Server> server;
};

TEST_F(ServerTest, CurlFetchesEveryRouteFamily) {
  start();
  const auto res = curl_unix(socket_path, "/v1/resource/default/key/disk");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, service.resources["default/key/disk"]);  // binary bytes, NUL included
  const auto cdh = curl_unix(socket_path, "/cdh/resource/default/key/other");
  EXPECT_EQ(cdh.status, 200);
  EXPECT_EQ(cdh.body, service.resources["default/key/other"]);
  const auto token = curl_unix(socket_path, "/v1/token");
  EXPECT_EQ(token.status, 200);
  EXPECT_EQ(token.body, service.token_text);
  const auto aa = curl_unix(socket_path, "/aa/token?token_type=kbs");
  ASSERT_EQ(aa.status, 200);
  EXPECT_EQ(nlohmann::json::parse(aa.body).at("tee_keypair"), service.key_pem);
  const auto ev = curl_unix(socket_path, "/v1/evidence?runtime_data=aGk");
  ASSERT_EQ(ev.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ev.body).at("runtime_data"), "6869");
  const auto aev = curl_unix(socket_path, "/aa/evidence?runtime_data=hi%21");  // %-decoded
  ASSERT_EQ(aev.status, 200);
  EXPECT_EQ(nlohmann::json::parse(aev.body).at("runtime_data"), "686921");
  EXPECT_EQ(curl_unix(socket_path, "/healthz").status, 200);
  EXPECT_EQ(curl_unix(socket_path, "/info").status, 200);
  const auto missing = curl_unix(socket_path, "/v1/resource/default/key/nothere");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body).at("code"), "not found");
  const auto metrics = curl_unix(socket_path, "/metrics");
  EXPECT_NE(metrics.body.find("attest_api_requests_total{route=\"resource\",status=\"200\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("attest_api_requests_total{route=\"resource\",status=\"404\"} 1"),
            std::string::npos);
}

TEST_F(ServerTest, PostBodiesAreBoundedAndAnswered) {
  start();
  service.can_extend = true;
  const auto ok = curl_unix(socket_path, "/aa/aael",
                            "-X POST -H 'Content-Type: application/json' "
                            "--data '{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\"}'");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "{\"success\":\"true\"}\n");
  EXPECT_EQ(service.last_measurement.content, "c");
  const auto big_file = dir.path() / "big";
  std::ofstream(big_file) << std::string(kMaxBodyBytes + 10, 'x');
  const int before = service.measurement_calls;
  EXPECT_EQ(
      curl_unix(socket_path, "/v1/measurements", "--data-binary @" + big_file.string()).status,
      413);
  // Chunked: no Content-Length up front, so the limit is found while reading.
  EXPECT_EQ(curl_unix(socket_path, "/v1/measurements",
                      "-H 'Transfer-Encoding: chunked' --data-binary @" + big_file.string())
                .status,
            413);
  EXPECT_EQ(service.measurement_calls, before);
  EXPECT_EQ(curl_unix(socket_path, "/v1/measurements").status, 405);  // GET
  EXPECT_EQ(curl_unix(socket_path, "/v1/resource/" + std::string(3000, 'a')).status, 414);
}

TEST_F(ServerTest, AnotherUidGets403AndNothingLeaks) {
  config::AccessRule r;
  r.uids = {65534};
  r.resources = {"default/cert/*"};
  start({r});
  testing::StderrCapture log(dir.path() / "log");
  const auto existing = curl_unix(socket_path, "/v1/resource/default/key/disk", "", kNobody);
  const auto missing = curl_unix(socket_path, "/v1/resource/default/key/nothere", "", kNobody);
  const auto token = curl_unix(socket_path, "/aa/token?token_type=kbs", "", kNobody);
  EXPECT_EQ(existing.status, 403);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(token.status, 403);
  EXPECT_EQ(existing.body, missing.body);
  EXPECT_EQ(nlohmann::json::parse(existing.body).at("code"), "permission denied");
  EXPECT_EQ(service.resource_calls, 0);
  EXPECT_EQ(service.token_calls, 0);
  // Allowed glob for the same caller still works (the rules are really applied per uid).
  EXPECT_EQ(curl_unix(socket_path, "/v1/resource/default/cert/x", "", kNobody).status, 404);
  // Root, by contrast, gets the secret, and the release is logged without the value.
  EXPECT_EQ(curl_unix(socket_path, "/v1/resource/default/key/disk").status, 200);
  const std::string text = log.text();
  EXPECT_NE(text.find("refused GET /v1/resource/default/key/disk to uid=65534 gid=65534"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("released resource default/key/disk to uid=0 gid=0 pid="), std::string::npos)
      << text;
  EXPECT_NE(text.find("exe=/usr/bin/curl"), std::string::npos) << text;
  for (const auto& [path, value] : service.resources)
    EXPECT_EQ(text.find(value), std::string::npos) << "secret of " << path << " in the log";
  EXPECT_EQ(text.find(service.token_text), std::string::npos);
}

TEST_F(ServerTest, SetRulesTakesEffectForNewRequests) {
  start();
  EXPECT_EQ(curl_unix(socket_path, "/v1/token", "", kNobody).status, 403);
  config::AccessRule r;
  r.uids = {65534};
  r.token = true;
  server->set_rules({r});
  const auto ok = curl_unix(socket_path, "/v1/token", "", kNobody);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, service.token_text);
  server->set_rules({});
  EXPECT_EQ(curl_unix(socket_path, "/v1/token", "", kNobody).status, 403);
}

TEST_F(ServerTest, LibcurlClientOverTheSocket) {
  start();
  http::HttpOptions h;
  h.unix_socket_path = socket_path.string();
  h.allow_insecure_http = true;
  h.use_proxy = false;
  h.retry.max_attempts = 1;
  auto client = http::CurlHttpClient::create(h, attest::testing::real_clock());
  ASSERT_TRUE(client);
  http::HttpRequest req;
  req.url = "http://localhost/v1/resource/default/key/disk";
  auto r = (*client)->send(req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, service.resources["default/key/disk"]);
  EXPECT_EQ(r->header("cache-control"), "no-store");
  EXPECT_EQ(r->header("content-type"), "application/octet-stream");
}

TEST(ServerTcp, LoopbackListenerServesLoopbackRulesOnly) {
  FakeService service;
  int port = 0;
  const int fd = testing::listen_tcp("127.0.0.1", port);
  ASSERT_GE(fd, 0);
  config::AccessRule r;
  r.loopback = true;
  r.resources = {"default/key/*"};
  ServerOptions o;
  o.listeners = {{fd, true}};
  o.rules = {r};
  auto s = Server::start(service, std::move(o));
  ASSERT_TRUE(s) << s.error().message;
  const std::string base =
      "curl -sS -o - -w '\\n%{http_code}' http://127.0.0.1:" + std::to_string(port);
  auto ok = testing::shell(base + "/cdh/resource/default/key/disk");
  EXPECT_EQ(ok.out, service.resources["default/key/disk"] + "\n200");
  // uid 0 counts for nothing on TCP: no rule grants the token to loopback callers.
  auto token = testing::shell(base + "/aa/token?token_type=kbs");
  EXPECT_TRUE(token.out.ends_with("\n403")) << token.out;
  EXPECT_EQ(service.token_calls, 0);
}

TEST(ServerStart, RefusesListenersThatCannotIdentifyCallers) {
  FakeService service;
  int port = 0;
  const int any = testing::listen_tcp("0.0.0.0", port);
  ASSERT_GE(any, 0);
  auto s = Server::start(service, {{{any, true}}, {}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Code::InvalidArgument);
  EXPECT_NE(s.error().message.find("not bound to a loopback address"), std::string::npos);
  EXPECT_EQ(::fcntl(any, F_GETFD), -1);  // the server owned it and closed it

  const int tcp = testing::listen_tcp("127.0.0.1", port);
  auto t = Server::start(service, {{{tcp, false}}, {}});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("not a Unix socket"), std::string::npos);
  auto none = Server::start(service, {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Code::InvalidArgument);
}

TEST_F(ServerTest, StopFinishesInFlightRequestsAndRefusesNewOnes) {
  start();
  service.close_gate();
  testing::CurlAnswer in_flight;
  std::thread client([&] { in_flight = curl_unix(socket_path, "/v1/resource/default/key/disk"); });
  for (int i = 0; i < 500 && service.waiting() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(service.waiting(), 1);
  std::thread stopper([&] { server->stop(); });
  // New connections are refused while the request in flight is still being served.
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {
    refused = testing::shell("curl -s --unix-socket " + socket_path.string() +
                             " http://localhost/healthz")
                  .exit_code == 7;  // curl: failed to connect
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(refused);
  service.open_gate();
  client.join();
  stopper.join();
  EXPECT_EQ(in_flight.status, 200);
  EXPECT_EQ(in_flight.body, service.resources["default/key/disk"]);
  server->stop();  // idempotent
}

size_t append_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Many concurrent keep-alive clients, thousands of requests, zero wrong answers.
TEST_F(ServerTest, LoadManyConcurrentClientsNoWrongAnswers) {
  constexpr int kResources = 20;
  for (int i = 0; i < kResources; ++i)
    service.resources["load/key/k" + std::to_string(i)] =
        "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 7, 'v');
  start();
  // 3200 release lines would drown the test output; the log itself is tested above.
  const log::Level saved = log::level();
  log::set_level(log::Level::Warning);
  constexpr int kClients = 32;
  constexpr int kPerClient = 100;
  std::atomic<int> wrong{0};
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      CURL* h = curl_easy_init();
      std::mt19937 rng(static_cast<unsigned>(c));
      std::string body;
      curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_body);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
      for (int i = 0; i < kPerClient; ++i) {
        const int k = static_cast<int>(rng() % kResources);
        const std::string path = "load/key/k" + std::to_string(k);
        const std::string url = "http://localhost/v1/resource/" + path;
        body.clear();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        long status = 0;
        if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200 && body == service.resources.at(path))
          ++ok;
        else
          ++wrong;
      }
      curl_easy_cleanup(h);
    });
  }
  for (auto& t : threads) t.join();
  log::set_level(saved);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(ok, kClients * kPerClient);
  EXPECT_EQ(server->metrics().count(Route::Resource, 200),
            static_cast<std::uint64_t>(kClients * kPerClient));
}

// The event loop answers a cached resource while an uncached one waits for the KBS: the slow
// call holds up only its own caller. Ordering, not timing: the hit is answered while the miss
// is provably still held at the gate, and two misses wait side by side (two workers).
TEST_F(ServerTest, ASlowUncachedCallDoesNotDelayACachedHitOnAnotherConnection) {
  service.cache("default/key/other");
  start();
  service.close_gate();
  std::atomic<int> slow_done{0};
  testing::CurlAnswer slow1;
  testing::CurlAnswer slow2;
  std::thread t1([&] {
    slow1 = curl_unix(socket_path, "/v1/resource/default/key/disk");
    ++slow_done;
  });
  std::thread t2([&] {
    slow2 = curl_unix(socket_path, "/v1/token");
    ++slow_done;
  });
  // Both slow calls are inside the Service at once: neither waits behind the other.
  for (int i = 0; i < 1000 && service.waiting() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(service.waiting(), 1);  // the resource miss is held at the gate
  for (int i = 0; i < 1000 && service.token_calls == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (int i = 0; i < 1000 && slow_done == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(slow_done, 1);  // the token (not gated) was answered while the resource waits
  EXPECT_EQ(slow2.status, 200);

  const auto hit = curl_unix(socket_path, "/cdh/resource/default/key/other");
  EXPECT_EQ(hit.status, 200);
  EXPECT_EQ(hit.body, service.resources["default/key/other"]);
  EXPECT_EQ(service.cached_hits, 1);
  EXPECT_EQ(service.waiting(), 1);  // the miss is still held: the hit did not wait for it
  EXPECT_EQ(slow_done, 1);

  service.open_gate();
  t1.join();
  t2.join();
  EXPECT_EQ(slow1.status, 200);
  EXPECT_EQ(slow1.body, service.resources["default/key/disk"]);
  EXPECT_EQ(server->metrics().count(Route::CdhResource, 200), 1u);
  EXPECT_EQ(server->metrics().count(Route::Resource, 200), 1u);
}

// Concurrent first requests for an uncached resource, each on its own connection: all are in
// the Service at once (none queued behind a fixed pool of workers), and every one is answered.
TEST_F(ServerTest, ManyConcurrentMissesAreAllServedWhileTheFirstWaits) {
  start();
  service.close_gate();
  constexpr int kClients = 40;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&] {
      const auto r = curl_unix(socket_path, "/v1/resource/default/key/disk");
      if (r.status == 200 && r.body == service.resources["default/key/disk"]) ++ok;
    });
  for (int i = 0; i < 3000 && service.waiting() < kClients; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(service.waiting(), kClients);
  service.open_gate();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kClients);
}

// The audit rule (server.h): on one keep-alive connection the first release of a resource is
// logged at once, the repeats are summed up in one line when the connection closes.
TEST_F(ServerTest, ReleasesAreLoggedOncePerConnectionWithACountAtClose) {
  service.cache("default/key/disk");
  start();
  const auto log_file = dir.path() / "audit.log";
  testing::StderrCapture capture(log_file);
  CURL* h = curl_easy_init();
  ASSERT_NE(h, nullptr);
  std::string body;
  curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  const auto count = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  for (const char* path : {"disk", "disk", "other", "disk", "disk", "disk"}) {
    const std::string url = std::string("http://localhost/v1/resource/default/key/") + path;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    ASSERT_EQ(curl_easy_perform(h), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    EXPECT_EQ(status, 200);
  }
  long connections = 0;
  curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connections);
  EXPECT_EQ(connections, 0);  // the last request reused the connection (keep-alive)
  const std::string during = testing::read_file_text(log_file);
  EXPECT_EQ(count(during, "released resource default/key/disk to uid=0 gid=0 pid="), 1u) << during;
  EXPECT_EQ(count(during, "released resource default/key/other to uid=0"), 1u) << during;
  EXPECT_EQ(count(during, "times to"), 0u) << during;
  EXPECT_NE(during.find("exe=" + std::filesystem::read_symlink("/proc/self/exe").string()),
            std::string::npos)
      << during;
  curl_easy_cleanup(h);  // closes the connection
  std::string after;
  for (int i = 0; i < 500; ++i) {
    after = testing::read_file_text(log_file);
    if (after.find("(connection closed)") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(count(after, "released resource default/key/disk 5 times to uid=0 gid=0 pid="), 1u)
      << after;
  EXPECT_EQ(count(after, "default/key/other 1 times"), 0u) << after;  // once: already logged
  for (const auto& [path, value] : service.resources)
    EXPECT_EQ(after.find(value), std::string::npos) << "secret of " << path << " in the log";
}

// A call still with a worker when stop()'s grace period ends: its caller gets a 503 (never a
// partial answer), MHD stops without a suspended connection, and the worker's late answer is
// dropped instead of touching a freed request. stop() returns once that worker is done.
TEST(ServerStop, ACallStillWithAWorkerAfterTheGracePeriodGets503) {
  FakeService service;
  testing::TempDir dir;
  const auto socket_path = dir.path() / "agent.sock";
  const int fd = testing::listen_unix(socket_path);
  ASSERT_GE(fd, 0);
  ServerOptions o;
  o.listeners = {{fd, false}};
  o.connection_timeout = std::chrono::milliseconds(100);
  auto s = Server::start(service, std::move(o));
  ASSERT_TRUE(s) << s.error().message;
  service.close_gate();
  testing::CurlAnswer answer;
  std::atomic<bool> answered{false};
  std::thread client([&] {
    answer = curl_unix(socket_path, "/v1/resource/default/key/disk");
    answered = true;
  });
  for (int i = 0; i < 1000 && service.waiting() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(service.waiting(), 1);
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    (*s)->stop();
    stopped = true;
  });
  for (int i = 0; i < 1000 && !answered; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(answered);  // answered while the Service call is still held
  EXPECT_FALSE(stopped);  // stop() waits for the worker (the Service outlives the server)
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body.find(service.resources["default/key/disk"]), std::string::npos);
  service.open_gate();
  client.join();
  stopper.join();
  EXPECT_TRUE(stopped);
  EXPECT_EQ(service.resource_calls, 1);
}

}  // namespace
}  // namespace attest::api
