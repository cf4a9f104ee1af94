// api::Router: every path, status and error body, over a fake Service (no server).
#include "agent/api/routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/api/fake_service.h"

namespace attest::api {
namespace {

using testing::FakeService;
using Query = std::vector<std::pair<std::string, std::string>>;

PeerCred root() {
  PeerCred p;
  p.uid = 0;
  p.gid = 0;
  p.pid = 1;
  return p;
}

PeerCred user(uid_t uid) {
  PeerCred p;
  p.uid = uid;
  p.gid = uid;
  p.pid = 42;
  return p;
}

class RoutesTest : public ::testing::Test {
 protected:
  Response call(std::string_view method, std::string_view path, Query query = {},
                std::string_view body = {}, PeerCred peer = root()) {
    const Request req{method, path, std::move(query), body, std::move(peer)};
    return router.handle(req, rules);
  }
  static std::string text(const Response& r) {
    const auto b = r.bytes();
    return {b.begin(), b.end()};
  }
  static nlohmann::json json(const Response& r) { return nlohmann::json::parse(text(r)); }
  static void expect_error(const Response& r, int status, Code code) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.content_type, "application/json");
    const auto j = json(r);
    EXPECT_EQ(j.at("code"), code_name(code));
    EXPECT_TRUE(j.at("error").is_string());
    EXPECT_FALSE(r.secret);
    EXPECT_TRUE(r.release.empty());
  }

  FakeService service;
  Metrics metrics;
  Router router{service, metrics};
  std::vector<config::AccessRule> rules;
};

TEST_F(RoutesTest, ResourceOnBothPathFamilies) {
  for (const auto& [path, route] :
       {std::pair{"/v1/resource/default/key/disk", Route::Resource},
        std::pair{"/cdh/resource/default/key/disk", Route::CdhResource}}) {
    const Response r = call("GET", path);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.secret);
    EXPECT_TRUE(r.body.empty());  // the secret never lands in the plain body
    EXPECT_EQ(text(r), service.resources["default/key/disk"]);
    EXPECT_EQ(r.content_type, "application/octet-stream");
    EXPECT_EQ(r.route, route);
    EXPECT_EQ(r.release, "resource default/key/disk");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Cache-Control", "no-store"}));
  }
  EXPECT_EQ(service.resource_calls, 2);
}

TEST_F(RoutesTest, RefusedCallerLearnsNothingAndCausesNoWork) {
  config::AccessRule r;
  r.uids = {1000};
  r.resources = {"default/cert/*"};
  rules = {r};
  const Response existing = call("GET", "/v1/resource/default/key/disk", {}, {}, user(1000));
  const Response missing = call("GET", "/v1/resource/default/key/nothere", {}, {}, user(1000));
  const Response stranger = call("GET", "/v1/resource/default/cert/x", {}, {}, user(1001));
  expect_error(existing, 403, Code::PermissionDenied);
  EXPECT_EQ(text(existing), text(missing));
  EXPECT_EQ(text(existing), text(stranger));
  for (const auto& [path, q] :
       {std::pair{"/v1/token", Query{}}, std::pair{"/aa/token", Query{{"token_type", "kbs"}}},
        std::pair{"/v1/evidence", Query{{"runtime_data", ""}}}})
    expect_error(call("GET", path, q, {}, user(1000)), 403, Code::PermissionDenied);
  expect_error(call("POST", "/v1/measurements", {}, "{}", user(1000)), 403, Code::PermissionDenied);
  EXPECT_EQ(service.resource_calls, 0);
  EXPECT_EQ(service.token_calls, 0);
  EXPECT_EQ(service.evidence_calls, 0);
  EXPECT_EQ(service.measurement_calls, 0);
  // The granted glob works for the same caller.
  EXPECT_EQ(call("GET", "/v1/resource/default/cert/x", {}, {}, user(1000)).status, 404);
  EXPECT_EQ(service.resource_calls, 1);
}

TEST_F(RoutesTest, MalformedResourcePathsAre400) {
  for (const char* path :
       {"/v1/resource/default/key", "/v1/resource/default/key/disk/extra",
        "/v1/resource/kbs:///default/key/disk", "/v1/resource/../key/disk",
        "/v1/resource/default/key/a b", "/v1/resource/", "/cdh/resource/default//disk"})
    expect_error(call("GET", path), 400, Code::InvalidArgument);
  expect_error(call("GET", "/v1/resource/default/key/disk", {{"x", "1"}}), 400,
               Code::InvalidArgument);
  EXPECT_EQ(service.resource_calls, 0);
}

TEST_F(RoutesTest, UnknownPathMethodAndLength) {
  expect_error(call("GET", "/v2/resource/a/b/c"), 404, Code::NotFound);
  expect_error(call("GET", "/"), 404, Code::NotFound);
  const Response post = call("POST", "/v1/token");
  expect_error(post, 405, Code::InvalidArgument);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0].first, "Allow");
  EXPECT_EQ(post.headers[0].second, "GET");
  EXPECT_EQ(call("GET", "/aa/aael").headers.at(0).second, "POST");
  const std::string long_path = "/v1/resource/" + std::string(kMaxPathBytes, 'a');
  expect_error(call("GET", long_path), 414, Code::InvalidArgument);
  const Response big = call("POST", "/v1/measurements", {}, std::string(kMaxBodyBytes + 1, ' '));
  expect_error(big, 413, Code::InvalidArgument);
  EXPECT_EQ(service.measurement_calls, 0);
  Query many;
  for (std::size_t i = 0; i <= kMaxQueryArgs; ++i) many.emplace_back("k" + std::to_string(i), "");
  expect_error(call("GET", "/v1/info", many), 400, Code::InvalidArgument);
}

TEST_F(RoutesTest, ServiceErrorsMapThroughOneTable) {
  const struct {
    const char* tag;
    int status;
    Code code;
  } cases[] = {
      {"nothere", 404, Code::NotFound},
      {"denied", 502, Code::PermissionDenied},
      {"refused", 502, Code::Unauthenticated},
      {"garbled", 502, Code::Corrupt},
      {"down", 503, Code::Unavailable},
      {"slow", 504, Code::DeadlineExceeded},
      {"bug", 500, Code::Internal},
  };
  for (const auto& c : cases) {
    const Response r = call("GET", std::string("/v1/resource/default/key/") + c.tag);
    SCOPED_TRACE(c.tag);
    expect_error(r, c.status, c.code);
    EXPECT_NE(json(r).at("error").get<std::string>().find(c.tag), std::string::npos);
  }
  EXPECT_EQ(status_for(Code::InvalidArgument), 400);
  EXPECT_EQ(status_for(Code::Unsupported), 501);
  EXPECT_EQ(status_for(Code::FailedPrecondition), 503);
}

TEST_F(RoutesTest, TokenRoutes) {
  const Response v1 = call("GET", "/v1/token");
  EXPECT_EQ(v1.status, 200);
  EXPECT_TRUE(v1.secret);
  EXPECT_EQ(text(v1), service.token_text);
  EXPECT_EQ(v1.content_type, "application/jwt");
  EXPECT_EQ(v1.release, "token");

  const Response aa = call("GET", "/aa/token", {{"token_type", "kbs"}});
  EXPECT_EQ(aa.status, 200);
  EXPECT_TRUE(aa.secret);
  const auto j = json(aa);
  EXPECT_EQ(j.at("token"), service.token_text);
  EXPECT_EQ(j.at("tee_keypair"), service.key_pem);  // newlines escaped and restored
  EXPECT_EQ(aa.release, "token and TEE key");

  expect_error(call("GET", "/aa/token", {{"token_type", "coco_as"}}), 400, Code::InvalidArgument);
  expect_error(call("GET", "/aa/token"), 400, Code::InvalidArgument);
  expect_error(call("GET", "/aa/token", {{"token_type", "kbs"}, {"token_type", "kbs"}}), 400,
               Code::InvalidArgument);
  expect_error(call("GET", "/v1/token", {{"token_type", "kbs"}}), 400, Code::InvalidArgument);
  EXPECT_EQ(service.token_calls, 2);
}

TEST_F(RoutesTest, EvidenceRuntimeData) {
  // /v1: base64url, padding optional.
  Response r = call("GET", "/v1/evidence", {{"runtime_data", "AAEC_-8"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.secret);
  EXPECT_EQ(json(r).at("runtime_data"), "000102ffef");
  EXPECT_EQ(json(call("GET", "/v1/evidence", {{"runtime_data", ""}})).at("runtime_data"), "");
  // /aa: the raw value, or base64url with encoding=base64.
  EXPECT_EQ(json(call("GET", "/aa/evidence", {{"runtime_data", "hi"}})).at("runtime_data"), "6869");
  EXPECT_EQ(json(call("GET", "/aa/evidence", {{"runtime_data", "aGk"}, {"encoding", "base64"}}))
                .at("runtime_data"),
            "6869");
  expect_error(call("GET", "/v1/evidence"), 400, Code::InvalidArgument);
  expect_error(call("GET", "/v1/evidence", {{"runtime_data", "a+b/"}}), 400, Code::InvalidArgument);
  expect_error(call("GET", "/aa/evidence", {{"runtime_data", "x"}, {"encoding", "hex"}}), 400,
               Code::InvalidArgument);
  const Response big = call("GET", "/aa/evidence", {{"runtime_data", std::string(65, 'x')}});
  expect_error(big, 400, Code::InvalidArgument);
  EXPECT_NE(json(big).at("error").get<std::string>().find("65 bytes"), std::string::npos);
  EXPECT_EQ(call("GET", "/aa/evidence", {{"runtime_data", std::string(64, 'x')}}).status, 200);
}

TEST_F(RoutesTest, Measurements) {
  const std::string body =
      R"({"domain":"github.com","operation":"pull","content":"img@sha256:ab"})";
  expect_error(call("POST", "/v1/measurements", {}, body), 501, Code::Unsupported);
  service.can_extend = true;
  for (const char* path : {"/v1/measurements", "/aa/aael"}) {
    const Response r = call("POST", path, {}, body);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json(r), nlohmann::json({{"success", "true"}}));
  }
  EXPECT_EQ(service.last_measurement.domain, "github.com");
  EXPECT_EQ(service.last_measurement.operation, "pull");
  EXPECT_EQ(service.last_measurement.content, "img@sha256:ab");
  const int calls = service.measurement_calls;
  for (const char* bad : {"", "[]", "{\"domain\":\"d\",\"operation\":\"o\"}",
                          "{\"domain\":1,\"operation\":\"o\",\"content\":\"c\"}", "{not json"})
    expect_error(call("POST", "/aa/aael", {}, bad), 400, Code::InvalidArgument);
  EXPECT_EQ(service.measurement_calls, calls);
}

TEST_F(RoutesTest, InfoHealthMetrics) {
  const auto info = json(call("GET", "/v1/info"));
  EXPECT_EQ(info.at("version"), "0.1.0");
  EXPECT_EQ(info.at("tee"), "sample");
  EXPECT_EQ(info.at("kbs_url"), "https://kbs.example:8080");
  EXPECT_EQ(info.at("token_expires_at"), 1900000000);
  EXPECT_EQ(info.at("cached_resources"), nlohmann::json::array({"default/key/disk"}));
  const auto coco = json(call("GET", "/info"));
  EXPECT_EQ(coco.at("tee"), "sample");
  EXPECT_TRUE(coco.at("additional_tees").is_array());

  EXPECT_EQ(json(call("GET", "/healthz")).at("status"), "ready");
  service.health_state = {false, "KBS unreachable: connection refused"};
  const Response down = call("GET", "/healthz");
  expect_error(down, 503, Code::Unavailable);
  EXPECT_EQ(json(down).at("error"), "KBS unreachable: connection refused");

  metrics.record(Route::Resource, 200, std::chrono::microseconds(300));
  metrics.record(Route::Resource, 403, std::chrono::microseconds(50));
  const Response m = call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string t = text(m);
  EXPECT_NE(t.find("attest_api_requests_total{route=\"resource\",status=\"200\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("attest_api_requests_total{route=\"resource\",status=\"403\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      t.find("attest_api_request_duration_seconds_bucket{route=\"resource\",le=\"0.0001\"} 1\n"),
      std::string::npos);
  EXPECT_NE(
      t.find("attest_api_request_duration_seconds_bucket{route=\"resource\",le=\"0.0005\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      t.find("attest_api_request_duration_seconds_bucket{route=\"resource\",le=\"+Inf\"} 2\n"),
      std::string::npos);
  EXPECT_NE(t.find("attest_api_request_duration_seconds_sum{route=\"resource\"} 0.00035\n"),
            std::string::npos);
  EXPECT_NE(t.find("attest_fake_handshakes_total 3\n"), std::string::npos);
}

TEST(Metrics, CountsUnknownStatusesAsOther) {
  Metrics m;
  m.record(Route::Health, 418, std::chrono::seconds(60));  // beyond the last finite bucket
  std::string out;
  m.append(out);
  EXPECT_NE(out.find("attest_api_requests_total{route=\"healthz\",status=\"other\"} 1\n"),
            std::string::npos);
  EXPECT_NE(out.find("attest_api_request_duration_seconds_bucket{route=\"healthz\",le=\"30\"} 0\n"),
            std::string::npos);
  EXPECT_NE(
      out.find("attest_api_request_duration_seconds_bucket{route=\"healthz\",le=\"+Inf\"} 1\n"),
      std::string::npos);
  EXPECT_EQ(m.count(Route::Health, 418), 1u);
  EXPECT_EQ(m.count(Route::Health, 200), 0u);
}

// try_handle() is what the event loop may call: it answers a cached resource with the cache's
// own buffer (no copy), the status routes and every refusal, and hands back nullopt, without
// calling them, for the Service calls that may block.
TEST_F(RoutesTest, TryHandleAnswersOnlyWhatCannotBlock) {
  service.cache("default/key/disk");
  const PeerCred caller = root();
  const auto try_call = [&](std::string_view method, std::string_view path, Query query = {}) {
    return router.try_handle(Request{method, path, std::move(query), {}, caller}, rules);
  };
  const auto hit = try_call("GET", "/v1/resource/default/key/disk");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->secret_body.get(), service.cached.at("default/key/disk").get());
  EXPECT_EQ(hit->release, "resource default/key/disk");
  EXPECT_EQ(text(*hit), service.resources["default/key/disk"]);
  EXPECT_FALSE(try_call("GET", "/cdh/resource/default/key/other"));  // not cached: a miss
  EXPECT_FALSE(try_call("GET", "/v1/token"));
  EXPECT_FALSE(try_call("GET", "/aa/evidence", {{"runtime_data", "x"}}));
  EXPECT_FALSE(try_call("POST", "/v1/measurements"));
  EXPECT_EQ(service.resource_calls + service.token_calls + service.evidence_calls +
                service.measurement_calls,
            0);
  EXPECT_EQ(service.cached_hits, 1);
  const auto health = try_call("GET", "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const auto bad = try_call("GET", "/v1/resource/default/key/disk", {{"x", "1"}});
  ASSERT_TRUE(bad);
  expect_error(*bad, 400, Code::InvalidArgument);
  const PeerCred stranger = user(4242);
  const auto refused =
      router.try_handle(Request{"GET", "/v1/token", {}, {}, stranger}, rules);  // no rule
  ASSERT_TRUE(refused);
  expect_error(*refused, 403, Code::PermissionDenied);
}

}  // namespace
}  // namespace attest::api
