// kbs-protocol.md §2.5 worked example, byte for byte.
#include "agent/crypto/runtime_data.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "test_util.h"

namespace attest::crypto {
namespace {

using testing::hex;

constexpr std::string_view kNonce = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr std::string_view kJwkText =
    R"({"kty":"EC","crv":"P-256","alg":"ECDH-ES+A256KW","x":"1Bdcs2qDVOW8zHgS2yyk3PhWW7kN7x9a8zRyiWOM2e8","y":"gn-NteHSVGHqf3oYtZCit9G3x3mLEL8bC2AdOcoWdU0"})";
constexpr std::string_view kCanonicalJwk =
    R"({"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"1Bdcs2qDVOW8zHgS2yyk3PhWW7kN7x9a8zRyiWOM2e8","y":"gn-NteHSVGHqf3oYtZCit9G3x3mLEL8bC2AdOcoWdU0"})";

nlohmann::json doc_jwk() { return nlohmann::json::parse(kJwkText); }

TEST(RuntimeData, DocWorkedExampleWithoutDevices) {
  auto r = bind_runtime_data(HashAlg::Sha384, kNonce, doc_jwk(), "");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(
      r->canonical,
      R"({"additional-evidence":"","nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","tee-pubkey":)" +
          std::string(kCanonicalJwk) + "}");
  EXPECT_EQ(r->canonical.size(), 244u);
  EXPECT_EQ(hex_encode(r->digest),
            "54e36e686fa1523eb7d358d97a35c4e024c986cb5d1f8525e4be0ba177b131a68ae27cebbfa9c184445a"
            "264e29106eba");
  // sample evidence report_data = standard base64 of the raw digest.
  EXPECT_EQ(base64_encode(r->digest),
            "VONuaG+hUj6301jZejXE4CTJhstdH4Ul5L4LoXexMaaK4nzrv6nBhERaJk4pEG66");
}

TEST(RuntimeData, DocWorkedExampleWithSampleDevice) {
  auto device = bind_device_runtime_data(HashAlg::Sha384, kNonce, doc_jwk());
  ASSERT_TRUE(device.has_value()) << device.error().to_string();
  EXPECT_EQ(device->canonical,
            R"({"nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","tee-pubkey":)" +
                std::string(kCanonicalJwk) + "}");
  EXPECT_EQ(hex_encode(device->digest),
            "19fb8643d3f034f05b7648beb45de14ee0628daf51a0a961b7806f83e017b45fb1abd23c6729852ff6e3"
            "cba6abedfdbf");
  const std::string additional =
      R"({"sampledevice":{"report_data":")" + base64_encode(device->digest) + R"(","svn":"2"}})";
  EXPECT_EQ(
      additional,
      R"({"sampledevice":{"report_data":"GfuGQ9PwNPBbdki+tF3hTuBija9RoKlht4Bvg+AXtF+xq9I8ZymFL/bjy6ar7f2/","svn":"2"}})");
  auto cpu = bind_runtime_data(HashAlg::Sha384, kNonce, doc_jwk(), additional);
  ASSERT_TRUE(cpu.has_value()) << cpu.error().to_string();
  const std::string prefix =
      R"({"additional-evidence":"{\"sampledevice\":{\"report_data\":\"GfuGQ9)";
  EXPECT_EQ(cpu->canonical.substr(0, prefix.size()), prefix);
  EXPECT_EQ(hex_encode(cpu->digest),
            "482a55b8c865f08b3a7fce926556385851999bc259c208f5d5843ae79df9179dafc6e3fb0b400f6d566d"
            "d2b37e8d89d6");
}

TEST(RuntimeData, DocKeyExportsTheDocJwk) {
  const TeeKey key = testing::doc_client_key();
  EXPECT_EQ(key.public_jwk(), doc_jwk());
  auto r = bind_runtime_data(HashAlg::Sha384, kNonce, key.public_jwk(), "");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(hex_encode(r->digest).substr(0, 16), "54e36e686fa1523e");
}

TEST(RuntimeData, HashAlgorithmSelectsDigestLength) {
  auto s256 = bind_runtime_data(HashAlg::Sha256, kNonce, doc_jwk(), "");
  auto s512 = bind_runtime_data(HashAlg::Sha512, kNonce, doc_jwk(), "");
  ASSERT_TRUE(s256.has_value());
  ASSERT_TRUE(s512.has_value());
  EXPECT_EQ(s256->digest, digest(HashAlg::Sha256, as_bytes(s256->canonical)).value());
  EXPECT_EQ(s256->digest.size(), 32u);
  EXPECT_EQ(s512->digest.size(), 64u);
}

TEST(RuntimeData, NonObjectJwkIsInvalidArgument) {
  auto r = bind_runtime_data(HashAlg::Sha384, kNonce, nlohmann::json("x"), "");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
}

TEST(RuntimeData, InvalidUtf8NonceIsCorrupt) {
  auto r = bind_device_runtime_data(HashAlg::Sha384, "\xff", doc_jwk());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::Corrupt);
}

TEST(Hash, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_hash_alg("sha256"), HashAlg::Sha256);
  EXPECT_EQ(parse_hash_alg("SHA384"), HashAlg::Sha384);
  EXPECT_EQ(parse_hash_alg("Sha512"), HashAlg::Sha512);
  EXPECT_EQ(parse_hash_alg("SM3_256"), HashAlg::Sm3_256);
  for (const char* bad : {"sha-384", "md5", "", "sha3841"}) {
    auto r = parse_hash_alg(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Code::InvalidArgument);
  }
  EXPECT_EQ(hash_alg_name(HashAlg::Sha512), "sha512");
}

TEST(Hash, KnownAnswers) {
  EXPECT_EQ(hex_encode(digest(HashAlg::Sha256, as_bytes("abc")).value()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(digest(HashAlg::Sha384, as_bytes("abc")).value()),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baec"
            "a134c825a7");
  EXPECT_EQ(hex_encode(digest(HashAlg::Sha512, as_bytes("")).value()),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff83"
            "18d2877eec2f63b931bd47417a81a538327af927da3e");
}

}  // namespace
}  // namespace attest::crypto
