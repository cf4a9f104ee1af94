#include "common/secure_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace attest {
namespace {

TEST(SecureBuffer, CopyOfHoldsTheBytes) {
  const std::uint8_t data[] = {1, 2, 3, 4};
  auto b = SecureBuffer::copy_of(data);
  ASSERT_TRUE(b.has_value()) << b.error().to_string();
  ASSERT_EQ(b->size(), 4u);
  EXPECT_TRUE(std::equal(b->bytes().begin(), b->bytes().end(), data));
}

TEST(SecureBuffer, ZeroSizeIsEmpty) {
  auto b = SecureBuffer::make(0);
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->empty());
  EXPECT_EQ(b->bytes().data(), nullptr);
}

TEST(SecureBuffer, MoveLeavesTheSourceEmpty) {
  auto b = SecureBuffer::make(32);
  ASSERT_TRUE(b.has_value());
  std::fill(b->bytes().begin(), b->bytes().end(), 0xAA);
  const std::uint8_t* where = b->bytes().data();
  SecureBuffer moved(std::move(*b));
  EXPECT_EQ(b->size(), 0u);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(b->bytes().data(), nullptr);
  EXPECT_EQ(moved.bytes().data(), where);  // same pages: no second copy to wipe
  EXPECT_EQ(moved.bytes()[31], 0xAA);

  auto other = SecureBuffer::make(8);
  ASSERT_TRUE(other.has_value());
  moved = std::move(*other);
  EXPECT_EQ(moved.size(), 8u);
  EXPECT_EQ(other->size(), 0u);  // NOLINT(bugprone-use-after-move)
}

TEST(SecureBuffer, TruncateWipesTheTail) {
  auto b = SecureBuffer::make(16);
  ASSERT_TRUE(b.has_value());
  std::fill(b->bytes().begin(), b->bytes().end(), 0x5C);
  std::uint8_t* raw = b->bytes().data();
  b->truncate(4);
  EXPECT_EQ(b->size(), 4u);
  EXPECT_EQ(raw[3], 0x5C);
  // The tail stays mapped (same pages) until destruction, so reading it is defined here.
  EXPECT_TRUE(std::all_of(raw + 4, raw + 16, [](std::uint8_t v) { return v == 0; }));
  b->truncate(10);  // growing is a no-op
  EXPECT_EQ(b->size(), 4u);
}

}  // namespace
}  // namespace attest
