#include "agent/crypto/jcs.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <string>

namespace attest::crypto {
namespace {

using nlohmann::json;

std::string canon(const json& j) {
  auto r = canonicalize(j);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
  return r ? *r : std::string();
}

std::string canon_text(std::string_view text) { return canon(json::parse(text)); }

std::string canon_bits(std::uint64_t bits) { return canon(json(std::bit_cast<double>(bits))); }

// RFC 8785 §3.2.2 example: whitespace removed, numbers and strings in canonical form.
TEST(Jcs, Rfc8785PrimitiveExample) {
  const std::string input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(canon_text(input),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 §3.2.3: members sorted by UTF-16 code units, so U+1F600 (D83D DE00) sorts before
// U+FB33 although its UTF-8 bytes (F0..) sort after EF AC B3.
TEST(Jcs, Rfc8785SortingExample) {
  const std::string input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  EXPECT_EQ(canon_text(input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
            "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\","
            "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

// RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialization.
TEST(Jcs, Rfc8785NumberSamples) {
  EXPECT_EQ(canon_bits(0x0000000000000000), "0");
  EXPECT_EQ(canon_bits(0x8000000000000000), "0");
  EXPECT_EQ(canon_bits(0x0000000000000001), "5e-324");
  EXPECT_EQ(canon_bits(0x8000000000000001), "-5e-324");
  EXPECT_EQ(canon_bits(0x7fefffffffffffff), "1.7976931348623157e+308");
  EXPECT_EQ(canon_bits(0xffefffffffffffff), "-1.7976931348623157e+308");
  EXPECT_EQ(canon_bits(0x4340000000000000), "9007199254740992");
  EXPECT_EQ(canon_bits(0xc340000000000000), "-9007199254740992");
  EXPECT_EQ(canon_bits(0x4430000000000000), "295147905179352830000");
  EXPECT_EQ(canon_bits(0x44b52d02c7e14af5), "9.999999999999997e+22");
  EXPECT_EQ(canon_bits(0x44b52d02c7e14af6), "1e+23");
  EXPECT_EQ(canon_bits(0x44b52d02c7e14af7), "1.0000000000000001e+23");
  EXPECT_EQ(canon_bits(0x444b1ae4d6e2ef4e), "999999999999999700000");
  EXPECT_EQ(canon_bits(0x444b1ae4d6e2ef4f), "999999999999999900000");
  EXPECT_EQ(canon_bits(0x444b1ae4d6e2ef50), "1e+21");
  EXPECT_EQ(canon_bits(0x3eb0c6f7a0b5ed8c), "9.999999999999997e-7");
  EXPECT_EQ(canon_bits(0x3eb0c6f7a0b5ed8d), "0.000001");
  EXPECT_EQ(canon_bits(0x41b3de4355555553), "333333333.3333332");
  EXPECT_EQ(canon_bits(0x41b3de4355555554), "333333333.33333325");
  EXPECT_EQ(canon_bits(0x41b3de4355555555), "333333333.3333333");
  EXPECT_EQ(canon_bits(0x41b3de4355555556), "333333333.3333334");
  EXPECT_EQ(canon_bits(0x41b3de4355555557), "333333333.33333343");
  EXPECT_EQ(canon_bits(0xbecbf647612f3696), "-0.0000033333333333333333");
  EXPECT_EQ(canon_bits(0x43143ff3c1cb0959), "1424953923781206.2");
}

TEST(Jcs, IntegersAreExactUpTo2To53) {
  EXPECT_EQ(canon_text("[0,-1,42,9007199254740992,-9007199254740992]"),
            "[0,-1,42,9007199254740992,-9007199254740992]");
  EXPECT_EQ(canon(json(1.0)), "1");
  EXPECT_EQ(canon(json(-0.5)), "-0.5");
}

TEST(Jcs, IntegersBeyond2To53AreUnsupported) {
  for (const char* text : {"9007199254740993", "-9007199254740993", "18446744073709551615"}) {
    auto r = canonicalize(json::parse(text));
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, Code::Unsupported) << text;
  }
}

TEST(Jcs, NonFiniteDoubleIsUnsupported) {
  auto r = canonicalize(json(std::numeric_limits<double>::infinity()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::Unsupported);
}

TEST(Jcs, EscapesMinimally) {
  json j = std::string("q\" b\\ \b\f\n\r\t \x01\x1f\x7f / + = \xC3\xA9");
  EXPECT_EQ(canon(j), "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f\x7f / + = \xC3\xA9\"");
}

TEST(Jcs, NestedArraysAndObjects) {
  EXPECT_EQ(
      canon_text(
          R"({"b": [1, {"z": null, "a": [true, []]}, "x"], "a": {}, "c": {"y": {"k": "v"}}})"),
      R"({"a":{},"b":[1,{"a":[true,[]],"z":null},"x"],"c":{"y":{"k":"v"}}})");
  EXPECT_EQ(canon(json::array()), "[]");
  EXPECT_EQ(canon(json::object()), "{}");
  EXPECT_EQ(canon(json(nullptr)), "null");
}

TEST(Jcs, KeyOrderIsByUtf16CodeUnits) {
  // By UTF-8 bytes U+E000 (EE 80 80) precedes U+10000 (F0 90 80 80); by UTF-16 units U+10000
  // (D800 DC00) precedes U+E000, and that is the order RFC 8785 requires.
  json j = json::object();
  j["\xEE\x80\x80"] = 1;      // U+E000
  j["\xF0\x90\x80\x80"] = 2;  // U+10000
  j["Z"] = 3;
  j["a"] = 4;
  j["\xC3\xA9"] = 5;  // U+00E9
  EXPECT_EQ(canon(j), "{\"Z\":3,\"a\":4,\"\xC3\xA9\":5,\"\xF0\x90\x80\x80\":2,\"\xEE\x80\x80\":1}");
}

TEST(Jcs, InvalidUtf8IsCorrupt) {
  for (const char* bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF"}) {
    auto in_string = canonicalize(json(std::string(bad)));
    ASSERT_FALSE(in_string.has_value());
    EXPECT_EQ(in_string.error().code, Code::Corrupt);
    json obj = json::object();
    obj[std::string(bad)] = 1;
    auto in_key = canonicalize(obj);
    ASSERT_FALSE(in_key.has_value());
    EXPECT_EQ(in_key.error().code, Code::Corrupt);
  }
}

TEST(Jcs, DeepNestingIsRejected) {
  json j = json::array();
  for (int i = 0; i < 300; ++i) j = json::array({j});
  auto r = canonicalize(j);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::Corrupt);
}

TEST(Jcs, BinaryValueIsUnsupported) {
  auto r = canonicalize(json::binary({1, 2, 3}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Code::Unsupported);
}

}  // namespace
}  // namespace attest::crypto
