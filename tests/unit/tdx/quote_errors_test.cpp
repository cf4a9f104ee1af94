// Malformed TDX quotes: hand-edited copies of a real quote, every truncation, random flips.
#include <gtest/gtest.h>

#include "providers/tdx/quote.h"
#include "tests/fakes/fixture_data.h"

namespace attest::tdx {
namespace {

using attest::testing::fixture_bytes;

Bytes v4() { return fixture_bytes("tdx/trustee_quote_v4.dat"); }
Bytes v5() { return fixture_bytes("tdx/trustee_quote_v5.dat"); }

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

Error error_of(const Bytes& b) {
  auto r = parse_quote(b);
  if (r) {
    ADD_FAILURE() << "expected an error";
    return {};
  }
  return r.error();
}

bool mentions(const Error& e, const std::string& s) {
  return e.message.find(s) != std::string::npos;
}

TEST(TdxQuoteErrors, HeaderChecks) {
  Bytes b = v4();
  put16(b, 0, 3);
  EXPECT_EQ(error_of(b).code, Code::Unsupported);
  b = v4();
  b[4] = 0x00;  // SGX TEE type
  EXPECT_EQ(error_of(b).code, Code::Unsupported);
  b = v4();
  put16(b, 2, 3);  // ECDSA P-384 attestation key
  EXPECT_EQ(error_of(b).code, Code::Unsupported);
  EXPECT_EQ(error_of(Bytes{}).code, Code::Corrupt);
  EXPECT_EQ(error_of(Bytes{5, 0, 2}).code, Code::Corrupt);
}

TEST(TdxQuoteErrors, V5BodyTypeAndSize) {
  Bytes b = v5();
  put16(b, 0x30, 1);
  EXPECT_EQ(error_of(b).code, Code::Unsupported);
  b = v5();
  put16(b, 0x30, 7);
  Error e = error_of(b);
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "offset 48")) << e.message;
  b = v5();
  put16(b, 0x30, 2);  // says TDX 1.0 but keeps size 648
  e = error_of(b);
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "offset 50")) << e.message;
  b = v5();
  put16(b, 0x32, 584);  // type 3 with the 1.0 size
  EXPECT_EQ(error_of(b).code, Code::Corrupt);
}

TEST(TdxQuoteErrors, SignatureDataSizes) {
  Bytes b = v4();
  put16(b, 0x278, 0xFFFF);  // signature data longer than the quote
  Error e = error_of(b);
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "offset 632")) << e.message;

  b = v4();
  put16(b, 0x27C + 128, 5);  // outer certification data type other than QE report
  EXPECT_EQ(error_of(b).code, Code::Unsupported);

  b = v4();
  b[0x27C + 130] ^= 1;  // cert data size no longer fills the signature data
  EXPECT_EQ(error_of(b).code, Code::Corrupt);

  // Shrinking the inner PCK chain by one byte leaves one unexplained byte.
  b = v4();
  const std::size_t inner_size_at = 0x27C + 134 + 384 + 64 + 2 + 32 + 2;
  b[inner_size_at] = static_cast<std::uint8_t>(b[inner_size_at] - 1);
  e = error_of(b);
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "unexplained")) << e.message;

  b = v4();
  put16(b, 0x27C + 134 + 384 + 64, 0xFFFF);  // QE auth data runs past its container
  EXPECT_EQ(error_of(b).code, Code::Corrupt);
}

TEST(TdxQuoteErrors, TrailingBytesAreKeptOutOfTheParse) {
  Bytes b = v5();
  b.resize(b.size() + 100, 0xAB);
  auto q = parse_quote(b);
  ASSERT_TRUE(q) << q.error().to_string();
  EXPECT_EQ(q->trailing_bytes, 100u);
}

const char* const kQuoteFixtures[] = {
    "tdx/quote_v4_spr_e4.dat",
    "tdx/quote_v5_sample.dat",
    "tdx/trustee_quote_v4.dat",
    "tdx/trustee_quote_v5.dat",
    "tdx/ccel-gce-cos113/quote_v4.dat",
    "extra/tdx/quote_v4_gnr_live.dat",
    "extra/tdx/quote_v5_azure_outdated.dat",
};

// Every prefix is Corrupt, except that cutting into the unsigned trailing bytes only shortens
// them: the quote itself is complete.
TEST(TdxQuoteErrors, EveryTruncation) {
  for (const char* name : kQuoteFixtures) {
    const Bytes full = fixture_bytes(name);
    auto whole = parse_quote(full);
    ASSERT_TRUE(whole) << name;
    const std::size_t end = full.size() - whole->trailing_bytes;
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto r = parse_quote(ByteView(full).first(n));
      if (n >= end) {
        ASSERT_TRUE(r) << name << " cut at " << n << ": " << r.error().to_string();
        EXPECT_EQ(r->trailing_bytes, n - end);
      } else {
        ASSERT_FALSE(r) << name << " cut at " << n;
        ASSERT_EQ(r.error().code, Code::Corrupt)
            << name << " cut at " << n << ": " << r.error().to_string();
      }
    }
  }
}

TEST(TdxQuoteErrors, RandomByteFlipsNeverCrash) {
  attest::testing::ByteFlipper flipper(20261128);
  for (const char* name : kQuoteFixtures) {
    const Bytes full = fixture_bytes(name);
    int failures = 0;
    for (int i = 0; i < 800; ++i) {
      // Most flips land in the PEM chain; bias half of them into the structured head.
      const std::size_t limit = i % 2 == 0 ? full.size() : 0x27C + 134 + 600;
      const Bytes b = flipper.flip(full, limit);
      auto r = parse_quote(b);
      if (!r) {
        ++failures;
        EXPECT_TRUE(r.error().code == Code::Corrupt || r.error().code == Code::Unsupported)
            << name << ": " << r.error().to_string();
      }
    }
    EXPECT_GT(failures, 0) << name << ": no flip was detected; the test exercises nothing";
  }
}

}  // namespace
}  // namespace attest::tdx

namespace attest::tdx {
namespace {

// Found by fuzz/targets/tdx_quote.cpp: one non-ASCII byte in the PCK chain (certification data
// type 5) was kept as "PEM" text, and quote_to_json(...).dump() then threw nlohmann's
// type_error 316 (invalid UTF-8), which terminated `attest-cli inspect`.
TEST(TdxQuoteErrors, PckChainMustBePemText) {
  for (const std::uint8_t bad : {std::uint8_t{0xff}, std::uint8_t{0xc3}, std::uint8_t{0x01}}) {
    SCOPED_TRACE(static_cast<int>(bad));
    Bytes b = v4();
    const std::string text(b.begin(), b.end());
    const auto begin = text.find("-----BEGIN CERTIFICATE-----\n");
    ASSERT_NE(begin, std::string::npos);
    const std::size_t at = begin + 28 + 10;  // inside the first base64 line
    b[at] = bad;
    Error e = error_of(b);
    EXPECT_EQ(e.code, Code::Corrupt);
    EXPECT_TRUE(mentions(e, "PCK certificate chain")) << e.message;
    EXPECT_TRUE(mentions(e, "offset " + std::to_string(at))) << e.message;
  }
  // The untouched chain still parses and still describes itself as JSON text.
  auto q = parse_quote(v4());
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_NO_THROW((void)quote_to_json(*q).dump());
}

}  // namespace
}  // namespace attest::tdx
