#include "agent/crypto/jwe.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "test_util.h"

namespace attest::crypto {
namespace {

using nlohmann::json;
using testing::as_string;

// kbs-protocol.md §3.4: response body encrypted to the doc's client key.
constexpr std::string_view kDocBody =
    R"({"protected":"eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00iLCJlcGsiOnsiY3J2IjoiUC0yNTYiLCJrdHkiOiJFQyIsIngiOiJRMndmb0FnbUZpcFlQWEZ2a1p5RzNua2JCeEtQRWlJQ2pwbHIxVkY1X3hNIiwieSI6ImJuVTZHRVVsQmFiUWdqeS1pUUhKWHlWblU4N1FHSlowQzN6OEVPVkJsQVUifX0","encrypted_key":"eSQw7ZSQz94rYcUOF-py6jzKn1W5mkRzI8zrEWic7djnch3p9xlygQ","iv":"AAECAwQFBgcICQoL","ciphertext":"TmAfDFfvK862d-62","tag":"bsKQzrbv_GgUUnIN-ZU4BQ"})";

json doc_body() { return json::parse(kDocBody); }

std::string b64url_text(std::string_view s) {
  return base64_encode(as_bytes(s), Base64::Url, false);
}

void expect_corrupt(const TeeKey& key, const std::string& body, std::string_view mentions) {
  auto r = decrypt_jwe(key, body);
  ASSERT_FALSE(r.has_value()) << "decrypted: " << as_string(*r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

TEST(Jwe, DocTestVectorDecrypts) {
  const TeeKey key = testing::doc_client_key();
  auto r = decrypt_jwe(key, kDocBody);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(as_string(*r), "test content");
}

TEST(Jwe, PaddedMemberIsCorruptAndNamed) {
  const TeeKey key = testing::doc_client_key();
  for (const char* member : {"encrypted_key", "tag", "protected"}) {
    json body = doc_body();
    std::string value = body[member];
    value.append((4 - value.size() % 4) % 4, '=');
    ASSERT_NE(value, body[member].get<std::string>()) << member << " needs no padding";
    body[member] = value;
    expect_corrupt(key, body.dump(), member);
  }
}

TEST(Jwe, FlippedTagIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  json body = doc_body();
  body["tag"] = "c" + body["tag"].get<std::string>().substr(1);
  expect_corrupt(key, body.dump(), "authentication failed");
}

TEST(Jwe, FlippedCiphertextIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  json body = doc_body();
  body["ciphertext"] = "U" + body["ciphertext"].get<std::string>().substr(1);
  expect_corrupt(key, body.dump(), "authentication failed");
}

// Swapping the protected header (which is the AAD) must fail even with an equivalent header.
TEST(Jwe, ReserializedProtectedHeaderIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  json body = doc_body();
  auto raw = base64_decode(body["protected"].get<std::string>(), Base64::Url, Padding::Forbidden);
  ASSERT_TRUE(raw.has_value());
  body["protected"] = b64url_text(json::parse(to_string(*raw)).dump(1));
  expect_corrupt(key, body.dump(), "authentication failed");
}

json doc_header() {
  auto raw =
      base64_decode(doc_body()["protected"].get<std::string>(), Base64::Url, Padding::Forbidden);
  EXPECT_TRUE(raw.has_value());
  return json::parse(to_string(raw ? *raw : Bytes{}));
}

std::string with_header(const json& header) {
  json body = doc_body();
  body["protected"] = b64url_text(header.dump());
  return body.dump();
}

TEST(Jwe, WrongCurveEpkIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  auto p521 = TeeKey::generate(KeyAlg::EcP521);
  ASSERT_TRUE(p521.has_value());
  json header = doc_header();
  json epk = p521->public_jwk();
  epk.erase("alg");
  header["epk"] = epk;
  expect_corrupt(key, with_header(header), "epk curve P-521 is not our curve P-256");
}

TEST(Jwe, OffCurveEpkIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  json header = doc_header();
  header["epk"]["y"] = header["epk"]["x"];
  expect_corrupt(key, with_header(header), "epk");
}

TEST(Jwe, ShortEpkCoordinateIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  json header = doc_header();
  header["epk"]["x"] = b64url_text(std::string(31, 'x'));
  expect_corrupt(key, with_header(header), "32 bytes");
}

TEST(Jwe, HeaderAlgMismatchIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  for (const char* alg : {"RSA-OAEP-256", "RSA1_5", "ECDH-ES", "ECDH-ES+A128KW", "dir"}) {
    json header = doc_header();
    header["alg"] = alg;
    expect_corrupt(key, with_header(header), "does not match");
  }
}

TEST(Jwe, EncOtherThanA256GcmIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  json header = doc_header();
  header["enc"] = "A128GCM";
  expect_corrupt(key, with_header(header), "A256GCM");
}

TEST(Jwe, MalformedBodiesAreCorrupt) {
  const TeeKey key = testing::doc_client_key();
  expect_corrupt(key, "", "not a JSON object");
  expect_corrupt(key, "[1,2]", "not a JSON object");
  expect_corrupt(key, std::string(kDocBody.substr(0, kDocBody.size() - 1)), "not a JSON object");
  for (const char* member : {"protected", "encrypted_key", "iv", "ciphertext", "tag"}) {
    json body = doc_body();
    body.erase(member);
    expect_corrupt(key, body.dump(), member);
    body[member] = 7;
    expect_corrupt(key, body.dump(), member);
  }
  json aad = doc_body();
  aad["aad"] = "AAAA";
  expect_corrupt(key, aad.dump(), "aad");
  json short_iv = doc_body();
  short_iv["iv"] = "AAECAwQFBgcICQ";
  expect_corrupt(key, short_iv.dump(), "iv");
  json short_key = doc_body();
  short_key["encrypted_key"] = b64url_text(std::string(39, 'k'));
  expect_corrupt(key, short_key.dump(), "40 bytes");
  json bad_header = doc_body();
  bad_header["protected"] = b64url_text("not json");
  expect_corrupt(key, bad_header.dump(), "protected header");
}

TEST(Jwe, OversizedBodyIsCorrupt) {
  const TeeKey key = testing::doc_client_key();
  expect_corrupt(key, std::string(kMaxJweBodySize + 1, ' '), "larger than");
}

// Every truncation and single-character change of the vector: never a crash, never a different
// plaintext: each attempt is either Corrupt or (a harmless change) the original plaintext.
TEST(Jwe, EveryTruncationAndByteChangeIsCorruptOrExact) {
  const TeeKey key = testing::doc_client_key();
  for (std::size_t n = 0; n < kDocBody.size(); ++n) {
    auto r = decrypt_jwe(key, kDocBody.substr(0, n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code, Code::Corrupt) << n;
  }
  for (std::size_t i = 0; i < kDocBody.size(); ++i) {
    for (char c : {'A', '_', '"', '=', '\\', '\0'}) {
      std::string body(kDocBody);
      if (body[i] == c) continue;
      body[i] = c;
      auto r = decrypt_jwe(key, body);
      if (r) {
        EXPECT_EQ(as_string(*r), "test content") << i;
      } else {
        EXPECT_EQ(r.error().code, Code::Corrupt) << i << " " << r.error().message;
      }
    }
  }
}

TEST(Jwe, WrongKeyIsCorrupt) {
  auto other = TeeKey::generate(KeyAlg::EcP256);
  ASSERT_TRUE(other.has_value());
  expect_corrupt(*other, std::string(kDocBody), "unwrap");
}

// Vectors produced by python3-jwcrypto (tests/crypto/make_jwe.py generate tests/fixtures/jwe).
struct Fixture {
  std::string name;
  KeyAlg alg;
};

class JwcryptoFixture : public ::testing::TestWithParam<Fixture> {};

TEST_P(JwcryptoFixture, Decrypts) {
  const json doc = json::parse(testing::read_fixture("jwe/" + GetParam().name + ".json"));
  auto key = TeeKey::from_pem(doc["key_pem"].get<std::string>());
  ASSERT_TRUE(key.has_value()) << key.error().to_string();
  EXPECT_EQ(key->alg(), GetParam().alg);
  auto r = decrypt_jwe(*key, doc["jwe"].get<std::string>());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(hex_encode(r->bytes()), doc["plaintext_hex"].get<std::string>());
}

TEST_P(JwcryptoFixture, TamperedEncryptedKeyIsCorrupt) {
  const json doc = json::parse(testing::read_fixture("jwe/" + GetParam().name + ".json"));
  auto key = TeeKey::from_pem(doc["key_pem"].get<std::string>());
  ASSERT_TRUE(key.has_value());
  json body = json::parse(doc["jwe"].get<std::string>());
  std::string ek = body["encrypted_key"];
  ek[5] = ek[5] == 'A' ? 'B' : 'A';
  body["encrypted_key"] = ek;
  auto r = decrypt_jwe(*key, body.dump());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::Corrupt);
}

INSTANTIATE_TEST_SUITE_P(Jwcrypto, JwcryptoFixture,
                         ::testing::Values(Fixture{"p256", KeyAlg::EcP256},
                                           Fixture{"p256-apu-apv", KeyAlg::EcP256},
                                           Fixture{"p521", KeyAlg::EcP521},
                                           Fixture{"rsa-oaep-256", KeyAlg::RsaOaep256},
                                           Fixture{"rsa1_5", KeyAlg::RsaOaep256}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(Jwe, EcFixtureWithRsaKeyIsCorrupt) {
  const json doc = json::parse(testing::read_fixture("jwe/p256.json"));
  auto rsa = TeeKey::generate(KeyAlg::RsaOaep256);
  ASSERT_TRUE(rsa.has_value());
  expect_corrupt(*rsa, doc["jwe"].get<std::string>(), "does not match");
}

// Fresh keys of ours, encrypted to by jwcrypto from our exported public JWK.
std::string jwcrypto_encrypt(const std::string& alg, const json& jwk, const std::string& hex) {
  const std::string cmd = "/usr/bin/python3 " + std::string(ATTEST_FIXTURES_DIR) +
                          "/../crypto/make_jwe.py encrypt '" + alg + "' '" + jwk.dump() + "' '" +
                          hex + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
  EXPECT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  while (pipe) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, pipe.get());
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

TEST(Jwe, RoundTripThroughJwcryptoForEveryKeyAlg) {
  const std::string plaintext_hex = "00ff10" + hex_encode(as_bytes("round trip"));
  const std::pair<KeyAlg, const char*> cases[] = {{KeyAlg::EcP256, "ECDH-ES+A256KW"},
                                                  {KeyAlg::EcP521, "ECDH-ES+A256KW"},
                                                  {KeyAlg::RsaOaep256, "RSA-OAEP-256"},
                                                  {KeyAlg::RsaOaep256, "RSA1_5"}};
  for (const auto& [alg, jwe_alg] : cases) {
    auto key = TeeKey::generate(alg);
    ASSERT_TRUE(key.has_value());
    const std::string body = jwcrypto_encrypt(jwe_alg, key->public_jwk(), plaintext_hex);
    ASSERT_FALSE(body.empty()) << jwe_alg;
    auto r = decrypt_jwe(*key, body);
    ASSERT_TRUE(r.has_value()) << jwe_alg << ": " << r.error().to_string();
    EXPECT_EQ(hex_encode(r->bytes()), plaintext_hex) << jwe_alg;
  }
}

TEST(Jwe, EmptyPlaintextRoundTrips) {
  auto key = TeeKey::generate(KeyAlg::EcP256);
  ASSERT_TRUE(key.has_value());
  const std::string body = jwcrypto_encrypt("ECDH-ES+A256KW", key->public_jwk(), "");
  ASSERT_FALSE(body.empty());
  auto r = decrypt_jwe(*key, body);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->size(), 0u);
}

}  // namespace
}  // namespace attest::crypto
