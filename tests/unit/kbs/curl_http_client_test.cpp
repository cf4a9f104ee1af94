#include <gtest/gtest.h>

#include <thread>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/http/http_client.h"
#include "common/bytes.h"
#include "common/secure_buffer.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/kbs/canned_server.h"

namespace attest::http {
namespace {

using attest::testing::FakeClock;
using std::chrono::milliseconds;
using testing::CannedServer;

std::string reply(int status, std::string_view reason, std::string_view body,
                  std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + std::string(body);
}

class CurlHttpClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<CurlHttpClient> client(HttpOptions o = {}) {
    o.allow_insecure_http = true;
    o.retry.initial_backoff = milliseconds(100);
    auto c = CurlHttpClient::create(o, clock);
    if (!c) ADD_FAILURE() << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
  static HttpRequest post(const std::string& url, std::string body) {
    HttpRequest r;
    r.method = "POST";
    r.url = url;
    r.headers = {{"Content-Type", "application/json"}, {"Cookie", "kbs-session-id=abc"}};
    r.body = std::move(body);
    return r;
  }
  FakeClock clock;
};

TEST_F(CurlHttpClientTest, PostsAndCollectsHeadersOfTheFinalResponse) {
  CannedServer server(
      {"HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n" +
       reply(200, "OK", R"({"nonce":"n"})",
             "Set-Cookie: kbs-session-id=0123abcd; Expires=Sat, 28 Nov 2026 10:00:00 GMT\r\n")});
  auto c = client();
  ASSERT_TRUE(c);
  const std::string body(2000, 'x');  // past curl's 1 KiB Expect: 100-continue threshold
  auto r = c->send(post(server.url("/kbs/v0/auth"), body));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"nonce":"n"})");
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->header("set-cookie"),
            "kbs-session-id=0123abcd; Expires=Sat, 28 Nov 2026 10:00:00 GMT");
  EXPECT_EQ(r->header("x-early"), std::nullopt);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].starts_with("POST /kbs/v0/auth HTTP/1.1\r\n")) << reqs[0];
  EXPECT_NE(reqs[0].find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(reqs[0].find("\r\nCookie: kbs-session-id=abc\r\n"), std::string::npos);
  EXPECT_NE(reqs[0].find("\r\nUser-Agent: attest-agent/0.1.0\r\n"), std::string::npos);
  EXPECT_EQ(reqs[0].find("Expect:"), std::string::npos);
  EXPECT_TRUE(reqs[0].ends_with("\r\n\r\n" + body));
}

TEST_F(CurlHttpClientTest, RetriesA503HonouringRetryAfter) {
  CannedServer server(
      {reply(503, "Service Unavailable", "", "Retry-After: 2\r\n"), reply(200, "OK", "ok")});
  auto c = client();
  ASSERT_TRUE(c);
  auto r = c->send(post(server.url("/kbs/v0/auth"), "{}"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(clock.sleeps, std::vector<milliseconds>{milliseconds(2000)});
}

TEST_F(CurlHttpClientTest, Persistent500IsReturnedAfterBackoff) {
  std::vector<std::string> replies(4, reply(500, "Internal Server Error", "boom"));
  CannedServer server(replies);
  auto c = client();
  ASSERT_TRUE(c);
  auto r = c->send(post(server.url("/x"), "{}"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->attempts, 4);
  // Full jitter with the fake's 0.5: half of 100, 200, 400 ms.
  EXPECT_EQ(clock.sleeps,
            (std::vector<milliseconds>{milliseconds(50), milliseconds(100), milliseconds(200)}));
}

TEST_F(CurlHttpClientTest, NoRetryFor4xx) {
  CannedServer server({reply(401, "Unauthorized", "{}")});
  auto c = client();
  ASSERT_TRUE(c);
  auto r = c->send(post(server.url("/x"), "{}"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST_F(CurlHttpClientTest, ResponseSizeCap) {
  HttpOptions o;
  o.max_response_bytes = 100;
  auto c = client(o);
  ASSERT_TRUE(c);
  {
    CannedServer server({reply(200, "OK", std::string(1000, 'a'))});
    auto r = c->send(post(server.url("/x"), "{}"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Code::Corrupt);
    EXPECT_EQ(r.error().message, "POST " + server.url("/x") + ": response larger than 100 bytes");
  }
  {  // Without Content-Length the write callback has to stop it.
    CannedServer server({"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(5000, 'b')});
    auto r = c->send(post(server.url("/y"), "{}"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Code::Corrupt);
    EXPECT_EQ(r.error().message, "POST " + server.url("/y") + ": response larger than 100 bytes");
  }
  {
    CannedServer server({reply(200, "OK", std::string(100, 'c'))});
    auto r = c->send(post(server.url("/z"), "{}"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->body.size(), 100u);
  }
}

TEST_F(CurlHttpClientTest, HangingServerTimesOut) {
  CannedServer server({CannedServer::kHang});
  HttpOptions o;
  o.request_timeout = milliseconds(300);
  o.retry.max_attempts = 1;
  auto c = client(o);
  ASSERT_TRUE(c);
  auto r = c->send(post(server.url("/x"), "{}"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::DeadlineExceeded);
  EXPECT_TRUE(r.error().message.starts_with("POST " + server.url("/x") + ": timed out ("))
      << r.error().message;
}

TEST_F(CurlHttpClientTest, DroppedConnectionIsRetried) {
  CannedServer server({CannedServer::kDrop, reply(200, "OK", "fine")});
  auto c = client();
  ASSERT_TRUE(c);
  auto r = c->send(post(server.url("/x"), "{}"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "fine");
  EXPECT_EQ(r->attempts, 2);
}

TEST_F(CurlHttpClientTest, ConnectionRefused) {
  int port = 0;
  {
    CannedServer closed({});
    port = closed.port();
  }
  auto c = client();
  ASSERT_TRUE(c);
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/kbs/v0/auth";
  auto r = c->send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unavailable);
  EXPECT_EQ(r.error().os_errno, ECONNREFUSED);
  EXPECT_TRUE(r.error().message.starts_with("GET " + req.url + ": Connection refused ("))
      << r.error().message;
  EXPECT_TRUE(r.error().message.ends_with(" (after 4 attempts)")) << r.error().message;
  EXPECT_EQ(clock.sleeps.size(), 3u);
}

TEST_F(CurlHttpClientTest, PlainHttpRefusedWithoutTheFlag) {
  CannedServer server({reply(200, "OK", "")});
  auto c = CurlHttpClient::create(HttpOptions{}, clock);
  ASSERT_TRUE(c);
  HttpRequest req;
  req.url = server.url("/kbs/v0/auth");
  auto r = (*c)->send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_EQ(r.error().message, "refusing plain http:// for " + req.url + "; pass --insecure-http");
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(CurlHttpClientTest, HeaderInjectionIsRefused) {
  auto c = client();
  ASSERT_TRUE(c);
  HttpRequest req;
  req.url = "http://127.0.0.1:1/";
  req.headers = {{"Cookie", "a\r\nX-Evil: 1"}};
  auto r = c->send(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
}

// The token goes out from the caller's locked memory as the Authorization header; one that
// would inject a header is refused before any connection.
TEST_F(CurlHttpClientTest, BearerTokenFromLockedMemoryIsTheAuthorizationHeader) {
  CannedServer server({reply(200, "OK", "x")});
  auto c = client();
  ASSERT_TRUE(c);
  auto token = SecureBuffer::copy_of(attest::as_bytes("eyJ0eXAi.eyJleHAi.c2ln"));
  ASSERT_TRUE(token);
  HttpRequest req;
  req.url = server.url("/kbs/v0/resource/a/b/c");
  req.bearer_token = token->bytes();
  auto r = c->send(req);
  ASSERT_TRUE(r) << r.error().message;
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_NE(reqs[0].find("\r\nAuthorization: Bearer eyJ0eXAi.eyJleHAi.c2ln\r\n"), std::string::npos)
      << reqs[0];

  auto evil = SecureBuffer::copy_of(attest::as_bytes("t\r\nX-Evil: 1"));
  ASSERT_TRUE(evil);
  req.bearer_token = evil->bytes();
  auto refused = c->send(req);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::InvalidArgument);
  EXPECT_EQ(refused.error().message.find("X-Evil"), std::string::npos);  // nor the token
  EXPECT_EQ(server.requests().size(), 1u);
}

// Shutdown: cancel() ends a request the server never answers (long before its 60 s timeout),
// and every later send() fails at once without connecting.
TEST_F(CurlHttpClientTest, CancelEndsAHangingRequestAndEveryLaterOne) {
  CannedServer server({CannedServer::kHang, reply(200, "OK", "late")});
  HttpOptions o;
  o.request_timeout = std::chrono::seconds(60);
  o.overall_timeout = std::chrono::seconds(120);
  auto c = client(o);
  ASSERT_TRUE(c);
  std::thread canceller([&] {
    while (server.connections() == 0) std::this_thread::sleep_for(milliseconds(10));
    std::this_thread::sleep_for(milliseconds(100));
    c->cancel();
  });
  auto r = c->send(post(server.url("/kbs/v0/auth"), "{}"));
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unavailable) << r.error().message;
  EXPECT_NE(r.error().message.find("cancelled"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("attempts"), std::string::npos);  // never retried
  auto later = c->send(post(server.url("/kbs/v0/auth"), "{}"));
  ASSERT_FALSE(later);
  EXPECT_NE(later.error().message.find("cancelled"), std::string::npos);
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlHttpClientCreate, ValidatesFilesUpFront) {
  HttpOptions missing;
  missing.ca_file = "/nonexistent/ca.pem";
  auto a = CurlHttpClient::create(missing, attest::testing::real_clock());
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, Code::InvalidArgument);
  EXPECT_EQ(a.error().message, "CA file /nonexistent/ca.pem: No such file or directory");

  const auto path =
      std::filesystem::temp_directory_path() / ("not-pem-" + std::to_string(::getpid()));
  std::ofstream(path) << "hello\n";
  HttpOptions junk;
  junk.ca_file = path.string();
  auto b = CurlHttpClient::create(junk, attest::testing::real_clock());
  std::filesystem::remove(path);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Code::InvalidArgument);
  EXPECT_EQ(b.error().message, "CA file " + path.string() + ": no PEM certificate found");

  HttpOptions half;
  half.client_cert_file = "/etc/hostname";
  auto c = CurlHttpClient::create(half, attest::testing::real_clock());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Code::InvalidArgument);
}

}  // namespace
}  // namespace attest::http
