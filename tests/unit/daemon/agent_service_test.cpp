// AgentService and KbsLoop in-process against the independent test KBS (tests/kbs/kbs.py) with
// sample evidence: single flight at the KBS, token and key forms, evidence, cached secrets
// while the KBS is down, and readiness only after the KBS answered and the files are in place.
#include "agent/daemon/agent_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "agent/daemon/kbs_loop.h"
#include "agent/daemon/metered_http.h"
#include "agent/daemon/serialized_provider.h"
#include "common/os/posix_os.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/test_kbs.h"

namespace attest::daemon {
namespace {

using testing::KbsConfig;
using testing::TempDir;
using testing::TestKbs;

const Bytes kSecretA{'s', 'e', 'c', '-', 'a', 0x00, 0xff, '\n'};
const Bytes kSecretB{'s', 'e', 'c', '-', 'b'};

kbs::ResourceUri uri(const std::string& text) { return *kbs::parse_resource_uri(text); }

// The daemon's object graph, as daemon.cpp builds it, over the sample provider.
struct Stack {
  explicit Stack(const std::string& url, crypto::KeyAlg alg = crypto::KeyAlg::EcP256)
      : options{url, alg} {}
  static std::unique_ptr<http::CurlHttpClient> make_curl() {
    http::HttpOptions h;
    h.allow_insecure_http = true;
    h.overall_timeout = std::chrono::seconds(10);
    auto c = http::CurlHttpClient::create(h, attest::testing::real_clock());
    EXPECT_TRUE(c);
    return c ? std::move(*c) : nullptr;
  }
  // Members in construction order: each one refers only to those above it.
  kbs::KbsClientOptions options;
  PosixOs os{attest::testing::real_clock()};
  std::unique_ptr<EvidenceProvider> device{*make_provider(TeeKind::Sample, os, ProviderConfig{})};
  SerializedProvider provider{*device};
  std::unique_ptr<http::CurlHttpClient> curl = make_curl();
  Metrics metrics;
  MeteredHttpClient http{*curl, metrics};
  kbs::KbsClient client{http, provider, options};
  store::SecretStore store{[this](const kbs::ResourceUri& u) { return client.get_resource(u); }};
  // Token lifetimes are counted on this clock, set to the real wall time at the start.
  testing::FakeClock wall = [] {
    testing::FakeClock c;
    c.unix_start = attest::testing::real_clock().unix_now();
    return c;
  }();
  AgentService service{provider, client, store, metrics, wall, {"9.9.9", "http://kbs"}};
};

class ServiceKbs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::bypass_proxy_for_loopback();
    KbsConfig c;
    c.resources["default/key/a"] = kSecretA;
    c.resources["default/key/b"] = kSecretB;
    c.policy = "allow-all";
    kbs_ = new TestKbs(c);
  }
  static void TearDownTestSuite() {
    delete kbs_;
    kbs_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(kbs_->running()) << kbs_->log();
    ASSERT_TRUE(kbs_->reset());
  }
  static int requests(const std::string& endpoint) {
    auto s = kbs_->stats();
    if (!s || !(*s)["requests"].contains(endpoint)) return 0;
    return (*s)["requests"][endpoint].get<int>();
  }
  static TestKbs* kbs_;
};

TestKbs* ServiceKbs::kbs_ = nullptr;

TEST_F(ServiceKbs, HundredConcurrentFirstRequestsCauseOneHandshakeAndOneGet) {
  Stack s(kbs_->url());
  std::atomic<int> exact{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i)
    threads.emplace_back([&] {
      auto r = s.service.resource(uri("kbs:///default/key/a"));
      if (r && Bytes((*r)->bytes().begin(), (*r)->bytes().end()) == kSecretA) ++exact;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(exact.load(), 100);
  EXPECT_EQ(requests("auth"), 1);
  EXPECT_EQ(requests("attest"), 1);
  EXPECT_EQ(requests("resource"), 1);
  std::string metrics;
  s.service.append_metrics(metrics);
  EXPECT_NE(metrics.find("attest_agent_releases_total{resource=\"default/key/a\"} 100\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("attest_agent_handshakes_total 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("attest_agent_cache_fetches_total 1\n"), std::string::npos) << metrics;
  // Names only: the value is nowhere in what the daemon exposes.
  EXPECT_EQ(metrics.find("sec-a"), std::string::npos);
  EXPECT_EQ(s.service.info().cached_resources, std::vector<std::string>{"default/key/a"});
}

TEST_F(ServiceKbs, OneHandshakeAndTwoSecretsTravelOverOnePersistentConnection) {
  Stack s(kbs_->url());
  ASSERT_TRUE(s.service.resource(uri("kbs:///default/key/a")));
  ASSERT_TRUE(s.service.resource(uri("kbs:///default/key/b")));
  ASSERT_TRUE(s.service.attest());
  auto stats = kbs_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["requests"]["auth"], 2) << stats->dump();
  EXPECT_EQ((*stats)["requests"]["resource"], 2) << stats->dump();
  // auth, attest, two GETs, auth, attest: six requests, one connection (libcurl handle reuse).
  EXPECT_EQ((*stats)["connections"], 1) << stats->dump();
}

// The lifetime attest() schedules the refresh by is the token's "exp" minus the injected clock's
// wall time, never the system's: moved 100 s on, the same lifetime is 100 s shorter.
TEST_F(ServiceKbs, TokenLifetimeIsCountedOnTheInjectedClock) {
  Stack s(kbs_->url());
  auto first = s.service.attest();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_GT(first->count(), 200);  // the test KBS's tokens live for minutes
  s.wall.advance(std::chrono::seconds(100));
  auto later = s.service.attest();
  ASSERT_TRUE(later) << later.error().message;
  // A fresh token each time, issued within a second or two of the first.
  EXPECT_NEAR(static_cast<double>(later->count()), static_cast<double>(first->count() - 100), 3.0);
}

TEST(ServiceKbsTls, OneTlsHandshakeServesTheWholeSession) {
  testing::bypass_proxy_for_loopback();
  TempDir scratch;
  const auto pki = testing::make_pki(scratch.path(), scratch);
  ASSERT_FALSE(pki.ca.empty());
  KbsConfig c;
  c.resources["default/key/a"] = kSecretA;
  c.resources["default/key/b"] = kSecretB;
  c.policy = "allow-all";
  c.tls = &pki;
  TestKbs kbs(c);
  ASSERT_TRUE(kbs.running()) << kbs.log();
  http::HttpOptions h;
  h.ca_file = pki.ca.string();
  auto curl = http::CurlHttpClient::create(h, attest::testing::real_clock());
  ASSERT_TRUE(curl) << curl.error().message;
  PosixOs os{attest::testing::real_clock()};
  auto device = make_provider(TeeKind::Sample, os, ProviderConfig{});
  ASSERT_TRUE(device);
  kbs::KbsClientOptions k;
  k.base_url = kbs.url();
  kbs::KbsClient client(**curl, **device, k);
  auto a = client.get_resource(uri("kbs:///default/key/a"));
  auto b = client.get_resource(uri("kbs:///default/key/b"));
  ASSERT_TRUE(a && b) << kbs.log();
  auto stats = kbs.stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["requests"]["resource"], 2) << stats->dump();
  EXPECT_EQ((*stats)["connections"], 1) << stats->dump();
}

TEST_F(ServiceKbs, CachedSecretsAreServedWhileTheKbsIsDown) {
  Stack s(kbs_->url());
  ASSERT_TRUE(s.service.resource(uri("kbs:///default/key/a")));
  ASSERT_TRUE(kbs_->set_faults({"drop-connection@any"}));
  auto cached = s.service.resource(uri("kbs:///default/key/a"));
  ASSERT_TRUE(cached) << cached.error().message;
  EXPECT_EQ(Bytes((*cached)->bytes().begin(), (*cached)->bytes().end()), kSecretA);
  auto uncached = s.service.resource(uri("kbs:///default/key/b"));
  ASSERT_FALSE(uncached);
  EXPECT_EQ(uncached.error().code, Code::Unavailable) << uncached.error().message;
  std::string metrics;
  s.service.append_metrics(metrics);
  EXPECT_NE(
      metrics.find("attest_agent_failures_total{operation=\"resource\",code=\"unavailable\"} 1"),
      std::string::npos)
      << metrics;
}

TEST_F(ServiceKbs, ADeniedResourceIsPermissionDenied) {
  Stack s(kbs_->url());
  ASSERT_TRUE(kbs_->set_policy("deny-all"));
  auto r = s.service.resource(uri("kbs:///default/key/a"));
  ASSERT_TRUE(kbs_->set_policy("allow-all"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::PermissionDenied) << r.error().message;
  EXPECT_TRUE(s.service.info().cached_resources.empty());
}

TEST_F(ServiceKbs, TheTokenComesWithItsKeyInTheFormCdhParses) {
  for (auto [alg, header] :
       {std::pair{crypto::KeyAlg::EcP256, "-----BEGIN PRIVATE KEY-----"},
        std::pair{crypto::KeyAlg::RsaOaep256, "-----BEGIN RSA PRIVATE KEY-----"}}) {
    Stack s(kbs_->url(), alg);
    auto t = s.service.token();
    ASSERT_TRUE(t) << t.error().message;
    const std::string token(t->token.bytes().begin(), t->token.bytes().end());
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << "not a compact JWS";
    const std::string pem(t->private_key_pem.bytes().begin(), t->private_key_pem.bytes().end());
    EXPECT_TRUE(pem.starts_with(header)) << pem.substr(0, 40);
    ASSERT_TRUE(t->expires_at);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_GT(*t->expires_at, now);
    EXPECT_EQ(s.service.info().token_expires_at, t->expires_at);
    // The key is the one the KBS encrypts to: it must decrypt a released secret.
    auto key = crypto::TeeKey::from_pem(pem);
    ASSERT_TRUE(key) << key.error().message;
    auto direct = kbs::get_resource_with_token(*s.curl, kbs_->url(), t->token.bytes(), *key,
                                               uri("kbs:///default/key/b"));
    ASSERT_TRUE(direct) << direct.error().message;
    EXPECT_EQ(Bytes(direct->bytes().begin(), direct->bytes().end()), kSecretB);
  }
}

TEST_F(ServiceKbs, EvidenceIsTheProvidersJsonForTheRuntimeData) {
  Stack s(kbs_->url());
  const Bytes data{1, 2, 3};
  auto ev = s.service.evidence(data);
  ASSERT_TRUE(ev) << ev.error().message;
  auto j = nlohmann::json::parse(*ev);
  EXPECT_EQ(j["report_data"], base64_encode(data));
  auto big = s.service.evidence(Bytes(65, 0));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Code::InvalidArgument);
  EXPECT_EQ(requests("auth"), 0);  // evidence never talks to the KBS
}

TEST_F(ServiceKbs, MeasurementsAreUnsupportedUntilTheMeasurerIsWired) {
  Stack s(kbs_->url());
  auto r = s.service.extend_measurement({"d", "o", "c"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unsupported);
  const auto i = s.service.info();
  EXPECT_EQ(i.version, "9.9.9");
  EXPECT_EQ(i.tee, "sample");
}

TEST_F(ServiceKbs, TheLoopBecomesReadyOnlyOnceTheKbsAnswersAndTheFilesAreInPlace) {
  Stack s(kbs_->url());
  TempDir dir;
  const auto file = dir / "secrets" / "a.key";
  ASSERT_TRUE(kbs_->set_faults({"http-503-always@auth"}));
  RefreshPolicyOptions ro;
  ro.initial_backoff = std::chrono::milliseconds(50);
  ro.max_backoff = std::chrono::milliseconds(200);
  RefreshPolicy policy(ro, attest::testing::real_clock());
  std::atomic<int> ready_calls{0};
  std::atomic<bool> file_was_there{false};
  KbsLoop loop(s.os, s.service, s.store, s.http, policy,
               {{uri("kbs:///default/key/a"), {file, 0400, std::nullopt, std::nullopt}}},
               {[&] {
                  file_was_there = std::filesystem::exists(file);
                  ++ready_calls;
                },
                {}});
  std::thread t([&] { loop.run(); });
  // The KBS answers 503: not ready, and the reason says why.
  for (int i = 0; i < 200 && s.service.health().reason == "starting"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto h = s.service.health();
  EXPECT_FALSE(h.ready);
  EXPECT_NE(h.reason.find("KBS"), std::string::npos) << h.reason;
  EXPECT_NE(h.reason.find("503"), std::string::npos) << h.reason;
  EXPECT_FALSE(std::filesystem::exists(file));
  ASSERT_TRUE(kbs_->set_faults({}));
  for (int i = 0; i < 500 && !s.service.health().ready; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  loop.stop();
  t.join();
  EXPECT_TRUE(s.service.health().ready);
  EXPECT_EQ(ready_calls.load(), 1);
  EXPECT_TRUE(file_was_there.load());
  EXPECT_EQ(testing::read_text_file(file), std::string(kSecretA.begin(), kSecretA.end()));
  EXPECT_EQ(testing::file_mode(file), 0400u);
}

TEST_F(ServiceKbs, RefreshNowCutsABackoffShortAndAStopStillEndsTheLoop) {
  Stack s(kbs_->url());
  TempDir dir;
  const auto file = dir / "a.key";
  // The first /auth is told to come back in an hour: without refresh_now() the loop would wait
  // at least max_retry_after (10 min) before its second attempt.
  ASSERT_TRUE(kbs_->set_faults({"http-429-retry-after=3600@auth*1"}));
  RefreshPolicy policy({}, attest::testing::real_clock());
  KbsLoop loop(s.os, s.service, s.store, s.http, policy,
               {{uri("kbs:///default/key/a"), {file, 0400, std::nullopt, std::nullopt}}}, {});
  std::thread t([&] { loop.run(); });
  for (int i = 0; i < 500 && s.service.health().reason == "starting"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto refused = s.service.health();
  EXPECT_FALSE(refused.ready);
  ASSERT_NE(refused.reason.find("429"), std::string::npos) << refused.reason;
  loop.refresh_now();
  for (int i = 0; i < 500 && !s.service.health().ready; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(s.service.health().ready) << s.service.health().reason;
  EXPECT_EQ(testing::read_text_file(file), std::string(kSecretA.begin(), kSecretA.end()));
  EXPECT_EQ(requests("auth"), 2);  // the refused one and the one refresh_now() started
  loop.stop();                     // ends the wait for the next (token-lifetime) refresh
  t.join();
}

TEST_F(ServiceKbs, ARefreshCycleReplacesTheCachedValueAndRewritesTheFile) {
  Stack s(kbs_->url());
  TempDir dir;
  const auto file = dir / "a.key";
  RefreshPolicy policy({}, attest::testing::real_clock());
  KbsLoop loop(s.os, s.service, s.store, s.http, policy,
               {{uri("kbs:///default/key/a"), {file, 0400, std::nullopt, std::nullopt}}}, {});
  ASSERT_TRUE(loop.cycle());  // start-up
  EXPECT_EQ(testing::read_text_file(file), std::string(kSecretA.begin(), kSecretA.end()));
  // The KBS now holds a new value (admin endpoint of the test KBS).
  http::HttpRequest put;
  put.method = "POST";
  put.url = kbs_->url() + "/kbs/v0/resource/default/key/a";
  put.body = "rotated";
  auto posted = s.curl->send(put);
  ASSERT_TRUE(posted && posted->status == 200);
  ASSERT_TRUE(loop.cycle());  // refresh
  EXPECT_EQ(testing::read_text_file(file), "rotated");
  auto served = s.service.resource(uri("kbs:///default/key/a"));
  ASSERT_TRUE(served);
  EXPECT_EQ(std::string((*served)->bytes().begin(), (*served)->bytes().end()), "rotated");
  EXPECT_EQ(requests("attest"), 2);  // the refresh re-attested
  EXPECT_EQ(requests("resource"), 2);
  // Put the suite's value back.
  put.body = std::string(kSecretA.begin(), kSecretA.end());
  ASSERT_TRUE(s.curl->send(put));
}

}  // namespace
}  // namespace attest::daemon
