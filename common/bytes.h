// Byte helpers shared by every layer: hex and base64 codecs and a bounds-checked reader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace attest {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string to_string(ByteView b) { return {b.begin(), b.end()}; }

std::string hex_encode(ByteView in, bool upper = false);
// Accepts upper and lower case; an odd length or a non-hex character is Corrupt/InvalidArgument.
[[nodiscard]] Result<Bytes> hex_decode(std::string_view in);

enum class Base64 { Standard, Url };
std::string base64_encode(ByteView in, Base64 alphabet = Base64::Standard, bool pad = true);
// Strict: the alphabet must match; padding must be present or absent as `padded` says
// (nullopt-like: PaddingRule::Optional accepts both).
enum class Padding { Required, Forbidden, Optional };
[[nodiscard]] Result<Bytes> base64_decode(std::string_view in, Base64 alphabet = Base64::Standard,
                                          Padding padding = Padding::Optional);

// Reads fixed-layout little-/big-endian structures. Every read checks bounds by subtraction,
// so it cannot overflow, and moves the cursor only on success. Errors name the structure and
// offset ("tdx quote: truncated at 632 reading 4 bytes (size 600)").
class ByteReader {
 public:
  ByteReader(ByteView in, std::string_view what) : in_(in), what_(what) {}

  [[nodiscard]] Result<std::uint8_t> u8();
  [[nodiscard]] Result<std::uint16_t> le16();
  [[nodiscard]] Result<std::uint32_t> le32();
  [[nodiscard]] Result<std::uint64_t> le64();
  [[nodiscard]] Result<std::uint16_t> be16();
  [[nodiscard]] Result<std::uint32_t> be32();
  [[nodiscard]] Result<std::uint64_t> be64();
  [[nodiscard]] Result<ByteView> take(std::size_t n);
  [[nodiscard]] Result<void> skip(std::size_t n);
  [[nodiscard]] Result<void> seek(std::size_t offset);

  std::size_t offset() const { return at_; }
  std::size_t remaining() const { return in_.size() - at_; }
  ByteView rest() const { return in_.subspan(at_); }
  ByteView whole() const { return in_; }

 private:
  [[nodiscard]] Result<ByteView> need(std::size_t n);
  ByteView in_;
  std::string_view what_;
  std::size_t at_ = 0;
};

// Little-endian readers for callers that already checked the size (static layouts).
inline std::uint16_t load_le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
inline std::uint32_t load_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
inline std::uint64_t load_le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(load_le32(p)) | static_cast<std::uint64_t>(load_le32(p + 4))
                                                        << 32;
}
inline void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace attest
