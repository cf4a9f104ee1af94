// MeteredHttpClient and Metrics: endpoints, statuses, handshakes, Retry-After, exposition text.
#include <gtest/gtest.h>

#include "agent/daemon/metered_http.h"
#include "agent/daemon/metrics.h"

namespace attest::daemon {
namespace {

class ScriptedHttp final : public http::HttpClient {
 public:
  std::vector<Result<http::HttpResponse>> replies;
  Result<http::HttpResponse> send(const http::HttpRequest&) override {
    auto r = std::move(replies.front());
    replies.erase(replies.begin());
    return r;
  }
};

http::HttpResponse response(long status, std::vector<std::pair<std::string, std::string>> h = {}) {
  http::HttpResponse r;
  r.status = status;
  r.headers = std::move(h);
  return r;
}

http::HttpRequest get(const std::string& url) {
  http::HttpRequest r;
  r.url = url;
  return r;
}

TEST(KbsEndpoint, NamesTheProtocolStep) {
  EXPECT_EQ(kbs_endpoint_of("https://k:8080/kbs/v0/auth"), "auth");
  EXPECT_EQ(kbs_endpoint_of("https://k/kbs/v0/attest"), "attest");
  EXPECT_EQ(kbs_endpoint_of("https://k/kbs/v0/resource/a/b/c?x=1"), "resource");
  EXPECT_EQ(kbs_endpoint_of("https://k/kbs/v0/authx"), "other");
  EXPECT_EQ(kbs_endpoint_of("https://k/healthz"), "other");
}

TEST(MeteredHttp, CountsRequestsHandshakesAndRemembersRetryAfter) {
  ScriptedHttp inner;
  inner.replies.push_back(response(200));
  inner.replies.push_back(response(200));
  inner.replies.push_back(response(503, {{"retry-after", "7"}}));
  inner.replies.push_back(fail(Code::Unavailable, "refused"));
  Metrics metrics;
  MeteredHttpClient http(inner, metrics);
  ASSERT_TRUE(http.send(get("https://k/kbs/v0/auth")));
  ASSERT_TRUE(http.send(get("https://k/kbs/v0/attest")));
  ASSERT_TRUE(http.send(get("https://k/kbs/v0/resource/a/b/c")));
  ASSERT_FALSE(http.send(get("https://k/kbs/v0/auth")));
  EXPECT_EQ(http.take_retry_after(), std::chrono::milliseconds(7000));
  EXPECT_EQ(http.take_retry_after(), std::nullopt);  // taken once

  metrics.failure("resource", Code::PermissionDenied);
  metrics.release("default/key/a");
  metrics.release("default/key/a");
  store::StoreStats stats;
  stats.hits = 5;
  std::string text;
  metrics.append(text, stats);
  for (const char* line : {
           "attest_agent_handshakes_total 1\n",
           "attest_agent_kbs_responses_total{endpoint=\"auth\",status=\"200\"} 1\n",
           "attest_agent_kbs_responses_total{endpoint=\"auth\",status=\"none\"} 1\n",
           "attest_agent_kbs_responses_total{endpoint=\"resource\",status=\"503\"} 1\n",
           "attest_agent_kbs_request_duration_seconds_count{endpoint=\"auth\"} 2\n",
           "attest_agent_failures_total{operation=\"resource\",code=\"permission_denied\"} 1\n",
           "attest_agent_cache_hits_total 5\n",
           "attest_agent_releases_total{resource=\"default/key/a\"} 2\n",
           "# TYPE attest_agent_releases_total counter\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
}

}  // namespace
}  // namespace attest::daemon
