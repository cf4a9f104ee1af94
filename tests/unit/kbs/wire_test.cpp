#include "agent/kbs/wire.h"

#include <gtest/gtest.h>

namespace attest::kbs {
namespace {

using nlohmann::json;

TEST(Wire, AuthRequestIsExactlyWhatGuestComponentsSends) {
  EXPECT_EQ(build_auth_request("sample"),
            R"({"extra-params":{"supported-hash-algorithms":["sha256","sha384","sha512"]},)"
            R"("tee":"sample","version":"0.4.0"})");
}

TEST(Wire, TrusteeChallenge) {
  auto c = parse_challenge(
      R"({"nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","extra-params":""})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->nonce, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  EXPECT_EQ(c->selected, std::nullopt);
  auto absent = parse_challenge(R"({"nonce":"n"})");
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->selected, std::nullopt);
  auto null_extra = parse_challenge(R"({"nonce":"n","extra-params":null})");
  ASSERT_TRUE(null_extra);
  auto no_sel = parse_challenge(R"({"nonce":"n","extra-params":{"other":1}})");
  ASSERT_TRUE(no_sel);
  EXPECT_EQ(no_sel->selected, std::nullopt);
}

TEST(Wire, SelectedHashAlgorithm) {
  auto c = parse_challenge(R"({"nonce":"n","extra-params":{"selected-hash-algorithm":"SHA512"}})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->selected, HashAlg::Sha512);
  auto s256 =
      parse_challenge(R"({"nonce":"n","extra-params":{"selected-hash-algorithm":"sha256"}})");
  ASSERT_TRUE(s256);
  EXPECT_EQ(s256->selected, HashAlg::Sha256);
  auto md5 = parse_challenge(R"({"nonce":"n","extra-params":{"selected-hash-algorithm":"md5"}})");
  ASSERT_FALSE(md5);
  EXPECT_EQ(md5.error().code, Code::Unsupported);
  EXPECT_EQ(md5.error().message,
            "KBS /auth response: the KBS selected hash algorithm 'md5', which is not one we "
            "offered (sha256, sha384, sha512)");
  // Known to the program (TPM banks, event logs) but never offered to a KBS.
  for (const char* known : {"sha1", "sm3_256"}) {
    auto r =
        parse_challenge(std::string(R"({"nonce":"n","extra-params":{"selected-hash-algorithm":")") +
                        known + "\"}}");
    ASSERT_FALSE(r) << known;
    EXPECT_EQ(r.error().code, Code::Unsupported) << known;
  }
  auto hostile =
      parse_challenge("{\"nonce\":\"n\",\"extra-params\":{\"selected-hash-algorithm\":\"\\u0007" +
                      std::string(100, 'x') + "\"}}");
  ASSERT_FALSE(hostile);
  EXPECT_EQ(hostile.error().code, Code::Unsupported);
  EXPECT_NE(hostile.error().message.find("'?xxxx"), std::string::npos);
  EXPECT_LT(hostile.error().message.size(), 200u);
}

void expect_corrupt(std::string_view body, std::string_view message) {
  auto r = parse_challenge(body);
  ASSERT_FALSE(r) << body;
  EXPECT_EQ(r.error().code, Code::Corrupt) << body;
  EXPECT_EQ(r.error().message, message) << body;
}

TEST(Wire, HostileChallenges) {
  expect_corrupt("", "KBS /auth response: not JSON (syntax error at byte 1)");
  expect_corrupt("<html>502 Bad Gateway</html>",
                 "KBS /auth response: not JSON (syntax error at byte 1)");
  expect_corrupt(R"({"nonce":"abc")", "KBS /auth response: not JSON (syntax error at byte 15)");
  expect_corrupt(R"({nonce: "unquoted key", token: , })",
                 "KBS /auth response: not JSON (syntax error at byte 3)");
  expect_corrupt(R"(["nonce"])", "KBS /auth response: expected a JSON object, got array");
  expect_corrupt(R"("nonce")", "KBS /auth response: expected a JSON object, got string");
  expect_corrupt(R"({})", "KBS /auth response: no \"nonce\"");
  expect_corrupt(R"({"nonce":12345})", "KBS /auth response: \"nonce\" is a number, not a string");
  expect_corrupt(R"({"nonce":null})", "KBS /auth response: \"nonce\" is a null, not a string");
  expect_corrupt(R"({"nonce":{"a":1}})", "KBS /auth response: \"nonce\" is a object, not a string");
  expect_corrupt(R"({"nonce":""})", "KBS /auth response: \"nonce\" is empty");
  expect_corrupt(R"({"nonce":"n","extra-params":[1]})",
                 "KBS /auth response: \"extra-params\" is a array, expected a string or an object");
  expect_corrupt(R"({"nonce":"n","extra-params":{"selected-hash-algorithm":384}})",
                 "KBS /auth response: \"selected-hash-algorithm\" is a number, not a string");
  expect_corrupt("{\"nonce\":\"\xff\xfe\"}",
                 "KBS /auth response: not JSON (syntax error at byte 11)");
  const std::string huge = R"({"nonce":")" + std::string(kMaxNonceLength + 1, 'A') + R"("})";
  expect_corrupt(huge, "KBS /auth response: \"nonce\" is 16385 bytes; the limit is 16384");
  const std::string max_ok = R"({"nonce":")" + std::string(kMaxNonceLength, 'A') + R"("})";
  EXPECT_TRUE(parse_challenge(max_ok));
  // Deep nesting is refused before parsing: each level is a heap node, and 8 MiB of '[' grew
  // to about 650 MB (issue 9). 64 levels pass, 65 do not.
  const std::string deep =
      R"({"nonce":"n","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_corrupt(deep, "KBS /auth response: JSON nested deeper than 64 levels at byte 80");
  const std::string ok63 =
      R"({"nonce":"n","x":)" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_TRUE(parse_challenge(ok63));
  expect_corrupt(R"({"nonce":"n","x":)" + std::string(64, '{') + "}",
                 "KBS /auth response: JSON nested deeper than 64 levels at byte 80");
}

TEST(Wire, MutatedChallengesNeverCrash) {
  const std::string base =
      R"({"nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","extra-params":{"selected-hash-algorithm":"sha384"}})";
  std::uint32_t state = 12345;  // deterministic LCG: the same cases on every run
  auto next = [&state] { return state = state * 1103515245u + 12345u; };
  for (int i = 0; i < 5000; ++i) {
    std::string s = base;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = next() % s.size();
      switch (next() % 3) {
        case 0:
          s[at] = static_cast<char>(next() & 0xff);
          break;
        case 1:
          s.erase(at, 1 + next() % 8);
          break;
        default:
          s.insert(at, 1, static_cast<char>(next() & 0xff));
      }
      if (s.empty()) s = "{";
    }
    auto r = parse_challenge(s);
    if (!r) {
      EXPECT_TRUE(r.error().code == Code::Corrupt || r.error().code == Code::Unsupported) << s;
      EXPECT_TRUE(r.error().message.starts_with("KBS /auth response: ")) << s;
    } else {
      EXPECT_FALSE(r->nonce.empty());
    }
  }
}

TEST(Wire, AttestationBody) {
  const json jwk = {
      {"kty", "EC"}, {"crv", "P-256"}, {"alg", "ECDH-ES+A256KW"}, {"x", "X"}, {"y", "Y"}};
  const json ev = {{"svn", "1"}, {"report_data", "cmQ="}};
  auto body = build_attestation(std::nullopt, "N", jwk, ev, "");
  ASSERT_TRUE(body);
  auto j = json::parse(*body);
  EXPECT_TRUE(j.at("init-data").is_null());
  EXPECT_EQ(j.at("runtime-data"), (json{{"nonce", "N"}, {"tee-pubkey", jwk}}));
  EXPECT_EQ(j.at("tee-evidence"), (json{{"primary_evidence", ev}, {"additional_evidence", ""}}));
  EXPECT_EQ(j.size(), 3u);

  auto with_init =
      build_attestation(std::string("version = \"0.1.0\"\n"), "N", jwk, ev, "{\"x\":1}");
  ASSERT_TRUE(with_init);
  auto k = json::parse(*with_init);
  EXPECT_EQ(k.at("init-data"), (json{{"format", "toml"}, {"body", "version = \"0.1.0\"\n"}}));
  EXPECT_EQ(k.at("tee-evidence").at("additional_evidence"), "{\"x\":1}");

  auto bad = build_attestation(std::string("\xff\xfe"), "N", jwk, ev, "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::InvalidArgument);
  EXPECT_EQ(bad.error().message, "init-data is not valid UTF-8 text");
}

TEST(Wire, AttestResponse) {
  auto t = parse_attest_response(R"({"token":"a.b.c"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, "a.b.c");
  EXPECT_EQ(parse_attest_response(R"({"token":12345})").error().message,
            "KBS /attest response: \"token\" is a number, not a string");
  EXPECT_EQ(parse_attest_response(R"({"tok":"x"})").error().message,
            "KBS /attest response: no \"token\"");
  EXPECT_EQ(parse_attest_response(R"({"token":""})").error().code, Code::Corrupt);
  EXPECT_EQ(parse_attest_response(R"({"token":"AAAA)").error().code, Code::Corrupt);
  EXPECT_EQ(parse_attest_response("null").error().message,
            "KBS /attest response: expected a JSON object, got null");
}

TEST(Wire, ErrorInformation) {
  auto e = parse_error_info(
      R"({"type":"https://github.com/confidential-containers/kbs/errors/PolicyDeny","detail":"Access denied by policy"})");
  EXPECT_EQ(e.variant, "PolicyDeny");
  EXPECT_EQ(e.detail, "Access denied by policy");
  EXPECT_EQ(describe_status(401, e), "401 PolicyDeny: Access denied by policy");
  auto none = parse_error_info("Service Unavailable");
  EXPECT_EQ(none.variant, "");
  EXPECT_EQ(none.detail, "");
  EXPECT_EQ(describe_status(503, none), "503");
  auto hostile =
      parse_error_info("{\"type\":7,\"detail\":\"a\\nb\\u001b[31m" + std::string(400, 'z') + "\"}");
  EXPECT_EQ(hostile.variant, "");
  EXPECT_EQ(hostile.detail.substr(0, 8), "a?b?[31m");
  EXPECT_EQ(hostile.detail.size(), 303u);
}

}  // namespace
}  // namespace attest::kbs
