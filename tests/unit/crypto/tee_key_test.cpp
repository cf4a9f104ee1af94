#include "agent/crypto/tee_key.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace attest::crypto {
namespace {

Bytes b64url(const nlohmann::json& jwk, const char* member) {
  EXPECT_TRUE(jwk.contains(member)) << member;
  const auto& s = jwk.at(member).get_ref<const std::string&>();
  EXPECT_EQ(s.find('='), std::string::npos) << member << " is padded";
  auto b = base64_decode(s, Base64::Url, Padding::Forbidden);
  EXPECT_TRUE(b.has_value()) << member;
  return b ? *b : Bytes{};
}

std::vector<std::string> member_names(const nlohmann::json& j) {
  std::vector<std::string> names;
  for (auto it = j.begin(); it != j.end(); ++it) names.push_back(it.key());
  return names;
}

TEST(TeeKey, ParsesAlgorithmNames) {
  EXPECT_EQ(parse_key_alg("ec-p256"), KeyAlg::EcP256);
  EXPECT_EQ(parse_key_alg("EC-P521"), KeyAlg::EcP521);
  EXPECT_EQ(parse_key_alg("rsa-oaep-256"), KeyAlg::RsaOaep256);
  for (const char* bad : {"p256", "ec-p384", "rsa", ""}) {
    auto r = parse_key_alg(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Code::Unsupported);
  }
  EXPECT_EQ(key_alg_name(KeyAlg::EcP521), "ec-p521");
}

TEST(TeeKey, P256JwkHasExactMembersAnd32ByteCoordinates) {
  auto key = TeeKey::generate(KeyAlg::EcP256);
  ASSERT_TRUE(key.has_value()) << key.error().to_string();
  EXPECT_EQ(key->alg(), KeyAlg::EcP256);
  const auto jwk = key->public_jwk();
  EXPECT_EQ(member_names(jwk), (std::vector<std::string>{"alg", "crv", "kty", "x", "y"}));
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["alg"], "ECDH-ES+A256KW");
  EXPECT_EQ(b64url(jwk, "x").size(), 32u);
  EXPECT_EQ(b64url(jwk, "y").size(), 32u);
}

TEST(TeeKey, P521JwkHas66ByteCoordinates) {
  auto key = TeeKey::generate(KeyAlg::EcP521);
  ASSERT_TRUE(key.has_value()) << key.error().to_string();
  const auto jwk = key->public_jwk();
  EXPECT_EQ(member_names(jwk), (std::vector<std::string>{"alg", "crv", "kty", "x", "y"}));
  EXPECT_EQ(jwk["crv"], "P-521");
  EXPECT_EQ(jwk["alg"], "ECDH-ES+A256KW");
  EXPECT_EQ(b64url(jwk, "x").size(), 66u);
  EXPECT_EQ(b64url(jwk, "y").size(), 66u);
}

TEST(TeeKey, RsaJwkIs2048BitWithExponent65537) {
  auto key = TeeKey::generate(KeyAlg::RsaOaep256);
  ASSERT_TRUE(key.has_value()) << key.error().to_string();
  const auto jwk = key->public_jwk();
  EXPECT_EQ(member_names(jwk), (std::vector<std::string>{"alg", "e", "kty", "n"}));
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["alg"], "RSA-OAEP-256");
  EXPECT_EQ(jwk["e"], "AQAB");
  const Bytes n = b64url(jwk, "n");
  ASSERT_EQ(n.size(), 256u);
  EXPECT_GE(n[0], 0x80);  // full 2048 bits, no leading zero byte
}

TEST(TeeKey, ScalarImportMatchesTheDocPublicKey) {
  const TeeKey key = testing::doc_client_key();
  const auto jwk = key.public_jwk();
  EXPECT_EQ(jwk["x"], "1Bdcs2qDVOW8zHgS2yyk3PhWW7kN7x9a8zRyiWOM2e8");
  EXPECT_EQ(jwk["y"], "gn-NteHSVGHqf3oYtZCit9G3x3mLEL8bC2AdOcoWdU0");
}

TEST(TeeKey, ScalarImportRejectsBadScalars) {
  auto short_d = TeeKey::from_ec_private_scalar(KeyAlg::EcP256, Bytes(31, 1));
  ASSERT_FALSE(short_d.has_value());
  EXPECT_EQ(short_d.error().code, Code::InvalidArgument);
  auto zero = TeeKey::from_ec_private_scalar(KeyAlg::EcP256, Bytes(32, 0));
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error().code, Code::InvalidArgument);
  auto too_big = TeeKey::from_ec_private_scalar(KeyAlg::EcP256, Bytes(32, 0xff));  // > order
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code, Code::InvalidArgument);
  auto rsa = TeeKey::from_ec_private_scalar(KeyAlg::RsaOaep256, Bytes(32, 1));
  ASSERT_FALSE(rsa.has_value());
  EXPECT_EQ(rsa.error().code, Code::InvalidArgument);
}

TEST(TeeKey, PrivatePemRoundTrips) {
  for (KeyAlg alg : {KeyAlg::EcP256, KeyAlg::EcP521, KeyAlg::RsaOaep256}) {
    auto key = TeeKey::generate(alg);
    ASSERT_TRUE(key.has_value());
    auto pem = key->private_pem();
    ASSERT_TRUE(pem.has_value()) << pem.error().to_string();
    const std::string text = testing::as_string(*pem);
    EXPECT_EQ(text.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
    auto again = TeeKey::from_pem(text);
    ASSERT_TRUE(again.has_value()) << again.error().to_string();
    EXPECT_EQ(again->alg(), alg);
    EXPECT_EQ(again->public_jwk(), key->public_jwk());
  }
}

TEST(TeeKey, FromPemRejectsGarbageAndOtherCurves) {
  auto garbage = TeeKey::from_pem("not a key");
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, Code::Corrupt);
  // Encrypted PEM: refused without prompting on the terminal.
  auto encrypted = TeeKey::from_pem(testing::read_fixture("jwe/p256-encrypted.key.pem"));
  ASSERT_FALSE(encrypted.has_value());
  EXPECT_EQ(encrypted.error().code, Code::Corrupt);
  // A P-384 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384).
  const std::string p384 = testing::read_fixture("jwe/p384.key.pem");
  auto other = TeeKey::from_pem(p384);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, Code::Unsupported);
}

TEST(TeeKey, MoveTransfersOwnership) {
  auto key = TeeKey::generate(KeyAlg::EcP256);
  ASSERT_TRUE(key.has_value());
  const auto jwk = key->public_jwk();
  TeeKey moved = std::move(*key);
  EXPECT_EQ(key->pkey(),
            nullptr);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(moved.public_jwk(), jwk);
  auto other = TeeKey::generate(KeyAlg::EcP521);
  ASSERT_TRUE(other.has_value());
  moved = std::move(*other);
  EXPECT_EQ(moved.alg(), KeyAlg::EcP521);
}

}  // namespace
}  // namespace attest::crypto
