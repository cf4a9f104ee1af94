#include "common/bytes.h"

#include <gtest/gtest.h>

namespace attest {
namespace {

TEST(Hex, RoundTripAndErrors) {
  const Bytes b{0x00, 0x1f, 0xab, 0xff};
  EXPECT_EQ(hex_encode(b), "001fabff");
  EXPECT_EQ(hex_encode(b, true), "001FABFF");
  auto d = hex_decode("001FabfF");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, b);
  EXPECT_EQ(hex_decode("abc").error().code, Code::InvalidArgument);
  auto bad = hex_decode("zz");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::InvalidArgument);
  EXPECT_NE(bad.error().message.find("position 0"), std::string::npos);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    auto d = base64_decode(encoded, Base64::Standard, Padding::Required);
    ASSERT_TRUE(d) << encoded;
    EXPECT_EQ(to_string(*d), plain);
  }
}

TEST(Base64, UrlAlphabetAndPaddingRules) {
  const Bytes b{0xfb, 0xff};
  EXPECT_EQ(base64_encode(b, Base64::Url, false), "-_8");
  EXPECT_EQ(base64_encode(b, Base64::Standard), "+/8=");
  EXPECT_TRUE(base64_decode("-_8", Base64::Url, Padding::Forbidden));
  EXPECT_EQ(base64_decode("-_8=", Base64::Url, Padding::Forbidden).error().code, Code::Corrupt);
  EXPECT_EQ(base64_decode("+/8=", Base64::Url).error().code, Code::Corrupt);
  EXPECT_EQ(base64_decode("-_8", Base64::Standard).error().code, Code::Corrupt);
  EXPECT_EQ(base64_decode("Zm9vY", Base64::Standard).error().code, Code::Corrupt);
  // "Zh" has stray low bits: not the canonical encoding of "f".
  EXPECT_EQ(base64_decode("Zh==").error().code, Code::Corrupt);
}

TEST(ByteReader, ReadsAndRefusesOverruns) {
  const Bytes b{1, 0, 2, 0, 0, 0, 0xAA};
  ByteReader r(b, "thing");
  EXPECT_EQ(*r.le16(), 1);
  EXPECT_EQ(*r.le32(), 2u);
  auto over = r.le16();
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Code::Corrupt);
  EXPECT_EQ(over.error().message, "thing: truncated at offset 6 reading 2 bytes (size 7)");
  EXPECT_EQ(r.offset(), 6u);  // unchanged by the failed read
  EXPECT_EQ(*r.u8(), 0xAA);
  EXPECT_FALSE(r.seek(8));
  EXPECT_TRUE(r.seek(7));
  EXPECT_EQ(r.remaining(), 0u);
}

}  // namespace
}  // namespace attest
