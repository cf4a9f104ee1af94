#include "common/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace attest {
namespace {

TEST(JsonDepth, CountsArraysAndObjectsOutsideStrings) {
  EXPECT_TRUE(check_json_depth(R"({"a":[1,{"b":2}]})", "t", 3));
  auto r = check_json_depth(R"({"a":[1,{"b":2}]})", "answer", 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_EQ(r.error().message, "answer: JSON nested deeper than 2 levels at byte 8");
  // Brackets inside strings, also after an escaped quote, are text.
  EXPECT_TRUE(check_json_depth(R"({"a":"[[[[\"[[[[{{{{"})", "t", 1));
  // Closing brackets bring the depth back down: siblings do not add up.
  EXPECT_TRUE(check_json_depth("[[],[],[[]],[]]", "t", 3));
  EXPECT_FALSE(check_json_depth("[[],[],[[[]]],[]]", "t", 3));
  // A huge but shallow document passes; a deep one fails at the first level too many.
  EXPECT_TRUE(check_json_depth("[" + std::string(1 << 20, '1') + "]", "t", 1));
  auto deep = check_json_depth(std::string(1 << 20, '['), "t");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().message, "t: JSON nested deeper than 64 levels at byte 64");
}

}  // namespace
}  // namespace attest
