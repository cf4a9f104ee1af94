#include "agent/crypto/jwt.h"

#include <gtest/gtest.h>

#include "common/bytes.h"

namespace attest::crypto {
namespace {

std::string seg(std::string_view json_text) {
  return base64_encode(as_bytes(json_text), Base64::Url, false);
}

const std::string kHeader = seg(R"({"alg":"ES256","typ":"JWT"})");
const std::string kSig = "c2lnbmF0dXJl";

void expect_corrupt(std::string_view token) {
  auto r = decode_jwt_claims(token);
  ASSERT_FALSE(r.has_value()) << token;
  EXPECT_EQ(r.error().code, Code::Corrupt) << token;
}

TEST(Jwt, ReadsTimeClaimsAndPayload) {
  const std::string token =
      kHeader + "." +
      seg(R"({"iat":1700000000,"nbf":1700000000,"exp":1700000300,"submods":{"cpu0":{}}})") + "." +
      kSig;
  auto r = decode_jwt_claims(token);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->exp, 1700000300);
  EXPECT_EQ(r->nbf, 1700000000);
  EXPECT_EQ(r->iat, 1700000000);
  EXPECT_TRUE(r->payload["submods"].contains("cpu0"));
}

TEST(Jwt, MissingTimeClaimsAreEmpty) {
  auto r = decode_jwt_claims(kHeader + "." + seg(R"({"iss":"x"})") + "." + kSig);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->exp.has_value());
  EXPECT_FALSE(r->nbf.has_value());
  EXPECT_FALSE(r->iat.has_value());
  EXPECT_EQ(r->payload["iss"], "x");
}

TEST(Jwt, WrongSegmentCountIsCorrupt) {
  const std::string payload = seg(R"({"exp":1})");
  expect_corrupt("");
  expect_corrupt(kHeader + "." + payload);
  expect_corrupt(kHeader + "." + payload + "." + kSig + "." + kSig);
  expect_corrupt(kHeader + ".." + kSig);
  expect_corrupt(kHeader + "." + payload + ".");
}

TEST(Jwt, NonStrictBase64UrlIsCorrupt) {
  const std::string payload = seg(R"({"exp":1})");  // {"exp":1} is 9 bytes: 12 chars, no pad
  const std::string padded = seg(R"({"exp":12})") + "==";
  expect_corrupt(kHeader + "." + padded + "." + kSig);
  expect_corrupt(kHeader + "." + payload + "." + kSig + "=");
  expect_corrupt(kHeader + "." + payload + "." + "ab+/");
  expect_corrupt(kHeader + "." + payload + ".a");
}

TEST(Jwt, NonObjectSegmentsAreCorrupt) {
  expect_corrupt(seg("[]") + "." + seg(R"({"exp":1})") + "." + kSig);
  expect_corrupt(kHeader + "." + seg("42") + "." + kSig);
  expect_corrupt(kHeader + "." + seg("{not json") + "." + kSig);
}

TEST(Jwt, NonIntegerTimeClaimIsCorrupt) {
  expect_corrupt(kHeader + "." + seg(R"({"exp":"soon"})") + "." + kSig);
  expect_corrupt(kHeader + "." + seg(R"({"nbf":1.5})") + "." + kSig);
  expect_corrupt(kHeader + "." + seg(R"({"iat":18446744073709551615})") + "." + kSig);
}

// Every truncation of a valid token is Corrupt (never a crash), except the ones that only
// shorten the signature to another valid base64url string.
TEST(Jwt, TruncationsAreCorruptOrStillWellFormed) {
  const std::string token = kHeader + "." + seg(R"({"exp":1700000300})") + "." + kSig;
  const std::size_t signature_at = token.rfind('.') + 1;
  for (std::size_t n = 0; n < token.size(); ++n) {
    auto r = decode_jwt_claims(std::string_view(token).substr(0, n));
    if (n > signature_at && r) {
      EXPECT_EQ(r->exp, 1700000300) << n;
      continue;
    }
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code, Code::Corrupt) << n;
  }
}

}  // namespace
}  // namespace attest::crypto
