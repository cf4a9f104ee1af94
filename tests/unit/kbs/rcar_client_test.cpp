#include "agent/kbs/rcar_client.h"

#include <gtest/gtest.h>

#include <limits>

#include <thread>

#include "agent/kbs/wire.h"
#include "common/digest.h"
#include "tests/unit/kbs/fake_kbs.h"

namespace attest::kbs {
namespace {

using nlohmann::json;
using testing::error_body;
using testing::FakeHttp;
using testing::make_token;
using testing::RecordingProvider;
using testing::response;

constexpr std::string_view kNonce = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

class RcarClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http.auth = [this](const http::HttpRequest&) -> Result<http::HttpResponse> {
      const std::string id = "s" + std::to_string(http.auth_count.load());
      return response(
          200, R"({"nonce":")" + std::string(kNonce) + R"(","extra-params":""})",
          {{"set-cookie", "kbs-session-id=" + id + "; Expires=Sat, 28 Nov 2026 10:00:00 GMT"}});
    };
    http.attest = [this](const http::HttpRequest&) -> Result<http::HttpResponse> {
      return response(200, R"({"token":")" + make_token(now + 300) + R"("})");
    };
    http.resource = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
      return response(401, error_body("TokenNotFound", "Attestation Token not found"));
    };
  }

  KbsClientOptions options() {
    KbsClientOptions o;
    o.base_url = "https://kbs.test:8080/";
    o.unix_now = [this] { return now.load(); };
    return o;
  }

  std::vector<http::HttpRequest> requests_to(std::string_view path) {
    std::vector<http::HttpRequest> out;
    for (auto& r : http.requests())
      if (r.url.find(path) != std::string::npos) out.push_back(r);
    return out;
  }

  static std::optional<std::string> header(const http::HttpRequest& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return std::nullopt;
  }

  std::atomic<std::int64_t> now{1'800'000'000};
  FakeHttp http;
  RecordingProvider provider;
  const ResourceUri uri{"", "default", "key", "1", ""};
};

TEST_F(RcarClientTest, HandshakeSendsTheProtocolMessages) {
  KbsClient client(http, provider, options());
  auto token = client.attest();
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(to_string(token->bytes()), make_token(now + 300));

  const auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, "https://kbs.test:8080/kbs/v0/auth");
  EXPECT_EQ(reqs[0].body, build_auth_request("sample"));
  EXPECT_EQ(header(reqs[0], "Content-Type"), "application/json");
  EXPECT_EQ(header(reqs[0], "Cookie"), std::nullopt);
  EXPECT_EQ(reqs[1].url, "https://kbs.test:8080/kbs/v0/attest");
  EXPECT_EQ(header(reqs[1], "Cookie"), "kbs-session-id=s1");

  const json body = json::parse(reqs[1].body);
  EXPECT_TRUE(body.at("init-data").is_null());
  EXPECT_EQ(body.at("runtime-data").at("nonce"), kNonce);
  const json& jwk = body.at("runtime-data").at("tee-pubkey");
  EXPECT_EQ(jwk.size(), 5u);
  EXPECT_EQ(jwk.at("kty"), "EC");
  EXPECT_EQ(jwk.at("crv"), "P-256");
  EXPECT_EQ(jwk.at("alg"), "ECDH-ES+A256KW");
  EXPECT_EQ(body.at("tee-evidence").at("additional_evidence"), "");

  // The provider was asked for SHA-384 over the canonical runtime data (§2.2), written out
  // here by hand rather than through our JCS.
  const std::string canonical =
      R"({"additional-evidence":"","nonce":")" + std::string(kNonce) +
      R"(","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":")" +
      jwk.at("x").get<std::string>() + R"(","y":")" + jwk.at("y").get<std::string>() + R"("}})";
  ASSERT_EQ(provider.seen.size(), 1u);
  EXPECT_EQ(provider.seen[0], digest(HashAlg::Sha384, as_bytes(canonical)).value());
  EXPECT_EQ(body.at("tee-evidence").at("primary_evidence").at("report_data"),
            base64_encode(provider.seen[0]));
}

TEST_F(RcarClientTest, InitDataAndRsaKey) {
  auto o = options();
  o.initdata_toml = "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n";
  o.key_alg = crypto::KeyAlg::RsaOaep256;
  KbsClient client(http, provider, o);
  ASSERT_TRUE(client.attest());
  const json body = json::parse(requests_to("/attest").at(0).body);
  EXPECT_EQ(body.at("init-data"),
            (json{{"format", "toml"},
                  {"body", "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n"}}));
  EXPECT_EQ(body.at("runtime-data").at("tee-pubkey").at("alg"), "RSA-OAEP-256");
}

TEST_F(RcarClientTest, SelectedHashAlgorithmIsUsed) {
  http.auth = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(200, R"({"nonce":"n","extra-params":{"selected-hash-algorithm":"sha512"}})",
                    {{"set-cookie", "kbs-session-id=x"}});
  };
  KbsClient client(http, provider, options());
  ASSERT_TRUE(client.attest());
  ASSERT_EQ(provider.seen.size(), 1u);
  EXPECT_EQ(provider.seen[0].size(), 64u);
}

TEST_F(RcarClientTest, DeviceEvidenceIsBoundIntoTheCpuEvidence) {
  RecordingProvider device(TeeKind::Tpm);
  auto o = options();
  o.additional_evidence_providers = {&device};
  KbsClient client(http, provider, o);
  ASSERT_TRUE(client.attest());
  const json body = json::parse(requests_to("/attest").at(0).body);
  const json& jwk = body.at("runtime-data").at("tee-pubkey");
  const std::string jwk_canonical = R"({"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":")" +
                                    jwk.at("x").get<std::string>() + R"(","y":")" +
                                    jwk.at("y").get<std::string>() + R"("})";
  const std::string device_canonical =
      R"({"nonce":")" + std::string(kNonce) + R"(","tee-pubkey":)" + jwk_canonical + "}";
  ASSERT_EQ(device.seen.size(), 1u);
  EXPECT_EQ(device.seen[0], digest(HashAlg::Sha384, as_bytes(device_canonical)).value());
  const std::string additional = body.at("tee-evidence").at("additional_evidence");
  EXPECT_EQ(json::parse(additional),
            (json{{"tpm", {{"svn", "1"}, {"report_data", base64_encode(device.seen[0])}}}}));
  const std::string cpu_canonical = R"({"additional-evidence":)" + json(additional).dump() +
                                    R"(,"nonce":")" + std::string(kNonce) + R"(","tee-pubkey":)" +
                                    jwk_canonical + "}";
  EXPECT_EQ(provider.seen.at(0), digest(HashAlg::Sha384, as_bytes(cpu_canonical)).value());
}

TEST_F(RcarClientTest, VersionMismatchQuotesTheKbs) {
  http.auth = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(
        401, error_body("AttestationError",
                        "Attestation error: RCAR handshake Auth failed: KBS Client "
                        "Protocol Version Mismatch: expect =0.3.0 while the request is 0.4.0"));
  };
  KbsClient client(http, provider, options());
  auto r = client.attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unsupported);
  EXPECT_EQ(r.error().message,
            "KBS protocol version mismatch: this client speaks 0.4.0; the KBS said: 401 "
            "AttestationError: Attestation error: RCAR handshake Auth failed: KBS Client Protocol "
            "Version Mismatch: expect =0.3.0 while the request is 0.4.0");
  EXPECT_TRUE(provider.seen.empty());
}

TEST_F(RcarClientTest, AttestationRefused) {
  http.attest = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(
        401, error_body("AttestationError", "Attestation error: RCAR handshake Attest failed"));
  };
  KbsClient client(http, provider, options());
  auto r = client.attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unauthenticated);
  EXPECT_EQ(r.error().message,
            "KBS refused the evidence (401 AttestationError: Attestation error: RCAR handshake "
            "Attest failed; the reason is only in the KBS log)");
}

TEST_F(RcarClientTest, AuthWithoutCookieOrWithHostileCookie) {
  http.auth = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(200, R"({"nonce":"n","extra-params":""})",
                    {{"set-cookie", "kbs-session-id=a\"b; Expires=x"}, {"set-cookie", "other=1"}});
  };
  KbsClient client(http, provider, options());
  auto r = client.attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_EQ(r.error().message, "KBS /auth response: no usable kbs-session-id cookie");
}

TEST_F(RcarClientTest, StatusMapping) {
  struct Case {
    long status;
    int attempts;
    Code code;
    std::string message;
  };
  const Case cases[] = {
      {503, 4, Code::Unavailable, "KBS /auth: KBS unavailable (503) (after 4 attempts)"},
      {429, 1, Code::Unavailable, "KBS /auth: KBS unavailable (429)"},
      {404, 1, Code::NotFound,
       "KBS /auth: KBS answered 404 PluginNotFound: Plugin x not found; is --url the KBS base URL "
       "(without /kbs/v0)?"},
      {403, 1, Code::PermissionDenied,
       "KBS /auth: KBS answered 403 PluginNotFound: Plugin x not found"},
      {418, 1, Code::FailedPrecondition,
       "KBS /auth: unexpected KBS answer 418 PluginNotFound: Plugin x not found"},
  };
  for (const auto& c : cases) {
    http.auth = [&c](const http::HttpRequest&) -> Result<http::HttpResponse> {
      auto r = response(c.status, c.status >= 429 && c.status != 418
                                      ? ""
                                      : error_body("PluginNotFound", "Plugin x not found"));
      r.attempts = c.attempts;
      return r;
    };
    KbsClient client(http, provider, options());
    auto r = client.attest();
    ASSERT_FALSE(r) << c.status;
    EXPECT_EQ(r.error().code, c.code) << c.status;
    EXPECT_EQ(r.error().message, c.message) << c.status;
  }
}

TEST_F(RcarClientTest, TransportErrorsPassThrough) {
  http.auth = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return fail(Code::DeadlineExceeded, "POST https://kbs.test:8080/kbs/v0/auth: timed out");
  };
  KbsClient client(http, provider, options());
  auto r = client.get_resource(uri);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::DeadlineExceeded);
  EXPECT_EQ(r.error().message, "POST https://kbs.test:8080/kbs/v0/auth: timed out");
}

TEST_F(RcarClientTest, TokenIsCachedUntilNearExpiry) {
  KbsClient client(http, provider, options());
  auto t1 = client.token();
  ASSERT_TRUE(t1);
  auto t2 = client.token();
  ASSERT_TRUE(t2);
  EXPECT_EQ(to_string(t1->token.bytes()), to_string(t2->token.bytes()));
  EXPECT_EQ(http.auth_count, 1);
  EXPECT_NE(to_string(t1->private_key_pem.bytes()).find("BEGIN PRIVATE KEY"), std::string::npos);
  now += 300 - 31;  // exp - margin not reached yet
  ASSERT_TRUE(client.token());
  EXPECT_EQ(http.auth_count, 1);
  now += 1;  // within the 30 s margin
  auto t3 = client.token();
  ASSERT_TRUE(t3);
  EXPECT_EQ(http.auth_count, 2);
  ASSERT_TRUE(client.attest());  // attest() is always fresh
  EXPECT_EQ(http.auth_count, 3);
}

// A token living no longer than the 30 s margin was stale on arrival: every use attested
// again. Now the margin is a tenth of such a token's lifetime.
TEST_F(RcarClientTest, AShortLivedTokenIsUsedForNineTenthsOfItsLifetime) {
  http.attest = [this](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(200, R"({"token":")" + make_token(now + 10) + R"("})");
  };
  KbsClient client(http, provider, options());
  ASSERT_TRUE(client.token());
  ASSERT_TRUE(client.token());
  EXPECT_EQ(http.auth_count, 1);
  now += 8;
  ASSERT_TRUE(client.token());
  EXPECT_EQ(http.auth_count, 1);
  now += 1;  // within the last tenth
  ASSERT_TRUE(client.token());
  EXPECT_EQ(http.auth_count, 2);
}

// exp = INT64_MIN minus the refresh margin used to wrap to "valid for ever" (signed overflow);
// it must count as expired, and exp = INT64_MAX as valid, without overflow either way.
TEST_F(RcarClientTest, ExtremeTokenTimesSaturate) {
  http.attest = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(
        200, R"({"token":")" + make_token(std::numeric_limits<std::int64_t>::min()) + R"("})");
  };
  KbsClient expired(http, provider, options());
  ASSERT_TRUE(expired.token());
  ASSERT_TRUE(expired.token());
  EXPECT_EQ(http.auth_count, 2);  // never cached

  http.attest = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(
        200, R"({"token":")" + make_token(std::numeric_limits<std::int64_t>::max()) + R"("})");
  };
  KbsClient lasting(http, provider, options());
  ASSERT_TRUE(lasting.token());
  ASSERT_TRUE(lasting.token());
  EXPECT_EQ(http.auth_count, 3);  // one handshake, then the cache
}

TEST_F(RcarClientTest, ResourceReattestsOnStaleSessionThenReachesDecryption) {
  KbsClient client(http, provider, options());
  ASSERT_TRUE(client.attest());  // session s1 cached
  http.resource = [](const http::HttpRequest& r) -> Result<http::HttpResponse> {
    if (header(r, "Cookie") == "kbs-session-id=s1")
      return response(401, error_body("TokenNotFound", "Attestation Token not found"));
    return response(200,
                    R"({"protected":"e30","encrypted_key":"","iv":"","ciphertext":"","tag":""})");
  };
  auto r = client.get_resource(uri);
  ASSERT_FALSE(r);
  // The JWE is garbage: the point is that the retry used the new session and got to decryption.
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_TRUE(r.error().message.starts_with("KBS resource default/key/1: ")) << r.error().message;
  const auto gets = requests_to("/resource/");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].url, "https://kbs.test:8080/kbs/v0/resource/default/key/1");
  EXPECT_EQ(gets[0].method, "GET");
  EXPECT_EQ(header(gets[1], "Cookie"), "kbs-session-id=s2");
  EXPECT_EQ(header(gets[1], "Authorization"), std::nullopt);
  EXPECT_EQ(http.auth_count, 2);
}

TEST_F(RcarClientTest, TokenRejectedThreeTimes) {
  http.resource = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(401, error_body("TokenVerifierError", "Token Verifier error"));
  };
  KbsClient client(http, provider, options());
  auto r = client.get_resource(uri);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unauthenticated);
  EXPECT_EQ(r.error().message,
            "KBS rejected the attestation token for resource default/key/1 (401 "
            "TokenVerifierError: Token Verifier error) (after 3 attempts, re-attesting each time)");
  EXPECT_EQ(http.resource_count, 3);
  EXPECT_EQ(http.auth_count, 3);
}

TEST_F(RcarClientTest, PolicyDenyOnAFreshSessionIsFinal) {
  http.resource = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(401, error_body("PolicyDeny", "Access denied by policy"));
  };
  KbsClient client(http, provider, options());
  auto r = client.get_resource(uri);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::PermissionDenied);
  EXPECT_EQ(r.error().message,
            "KBS denied resource default/key/1: 401 PolicyDeny: Access denied by policy (Trustee "
            "answers 401 both for a policy denial and for a missing resource)");
  EXPECT_EQ(http.resource_count, 1);
  // With a cached session the client re-attests once before believing the denial.
  auto again = client.get_resource(uri);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Code::PermissionDenied);
  EXPECT_EQ(http.resource_count, 3);
  EXPECT_EQ(http.auth_count, 2);
}

TEST_F(RcarClientTest, ResourceStatusMapping) {
  http.resource = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(404, error_body("PluginNotFound", "Plugin resource not found"));
  };
  KbsClient client(http, provider, options());
  auto nf = client.get_resource(uri);
  ASSERT_FALSE(nf);
  EXPECT_EQ(nf.error().code, Code::NotFound);
  EXPECT_EQ(nf.error().message,
            "KBS resource default/key/1: 404 PluginNotFound: Plugin resource not found (no such "
            "plugin or path; is --url the KBS base URL?)");
  http.resource = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(401, error_body("JweError", "JWE failed"));
  };
  auto jwe = client.get_resource(uri);
  ASSERT_FALSE(jwe);
  EXPECT_EQ(jwe.error().code, Code::Unsupported);
  http.resource = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    auto r = response(500, "");
    r.attempts = 4;
    return r;
  };
  auto down = client.get_resource(uri);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, Code::Unavailable);
  EXPECT_EQ(down.error().message,
            "KBS resource default/key/1: KBS unavailable (500) (after 4 attempts)");
}

TEST_F(RcarClientTest, BearerModeSendsTheTokenNotTheCookie) {
  auto o = options();
  o.bearer_auth = true;
  KbsClient client(http, provider, o);
  (void)client.get_resource(uri);
  const auto gets = requests_to("/resource/");
  ASSERT_FALSE(gets.empty());
  EXPECT_EQ(header(gets[0], "Authorization"), "Bearer " + make_token(now + 300));
  EXPECT_EQ(header(gets[0], "Cookie"), std::nullopt);
}

TEST_F(RcarClientTest, PassportWithAGivenTokenDoesNotRetry) {
  auto key = crypto::TeeKey::generate(crypto::KeyAlg::EcP256);
  ASSERT_TRUE(key);
  const std::string token = make_token(now + 300);
  auto r = get_resource_with_token(http, "https://kbs.test/", as_bytes(token), *key,
                                   ResourceUri{"", "a", "b", "c", "v=1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unauthenticated);
  EXPECT_EQ(r.error().message.find(token), std::string::npos);  // never the credential
  const auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].url, "https://kbs.test/kbs/v0/resource/a/b/c?v=1");
  EXPECT_EQ(header(reqs[0], "Authorization"), "Bearer " + token);
  EXPECT_EQ(http.auth_count, 0);
}

TEST_F(RcarClientTest, ConcurrentCallersShareOneHandshake) {
  http.resource = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(200, "not a jwe");
  };
  KbsClient client(http, provider, options());
  std::vector<std::thread> threads;
  std::atomic<int> corrupt{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = client.get_resource(uri);
      if (!r && r.error().code == Code::Corrupt) ++corrupt;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(corrupt, 8);
  EXPECT_EQ(http.auth_count, 1);
  EXPECT_EQ(http.resource_count, 8);
  EXPECT_EQ(provider.seen.size(), 1u);
}

TEST_F(RcarClientTest, TokenThatIsNotAJwt) {
  http.attest = [](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return response(200, R"({"token":"not-a-jwt"})");
  };
  KbsClient client(http, provider, options());
  auto r = client.attest();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_TRUE(r.error().message.starts_with("KBS /attest response: token: ")) << r.error().message;
  EXPECT_EQ(r.error().message.find("not-a-jwt"), std::string::npos);
}

}  // namespace
}  // namespace attest::kbs
