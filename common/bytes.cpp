#include "common/bytes.h"

namespace attest {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kB64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int b64_value(char c, Base64 alphabet) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (alphabet == Base64::Standard) {
    if (c == '+') return 62;
    if (c == '/') return 63;
  } else {
    if (c == '-') return 62;
    if (c == '_') return 63;
  }
  return -1;
}

}  // namespace

std::string hex_encode(ByteView in, bool upper) {
  const char* digits = upper ? kHexUpper : kHexLower;
  std::string out;
  out.reserve(in.size() * 2);
  for (std::uint8_t b : in) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xF]);
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view in) {
  if (in.size() % 2 != 0)
    return fail(Code::InvalidArgument,
                "hex: odd number of digits (" + std::to_string(in.size()) + ")");
  Bytes out(in.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(in[2 * i]);
    const int lo = hex_value(in[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return fail(Code::InvalidArgument, "hex: invalid character at position " +
                                             std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string base64_encode(ByteView in, Base64 alphabet, bool pad) {
  const char* table = alphabet == Base64::Standard ? kB64Std : kB64Url;
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; in.size() - i >= 3; i += 3) {
    const std::uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
    out.push_back(table[v >> 18 & 63]);
    out.push_back(table[v >> 12 & 63]);
    out.push_back(table[v >> 6 & 63]);
    out.push_back(table[v & 63]);
  }
  const std::size_t left = in.size() - i;
  if (left == 1) {
    const std::uint32_t v = in[i] << 16;
    out.push_back(table[v >> 18 & 63]);
    out.push_back(table[v >> 12 & 63]);
    if (pad) out += "==";
  } else if (left == 2) {
    const std::uint32_t v = in[i] << 16 | in[i + 1] << 8;
    out.push_back(table[v >> 18 & 63]);
    out.push_back(table[v >> 12 & 63]);
    out.push_back(table[v >> 6 & 63]);
    if (pad) out += "=";
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view in, Base64 alphabet, Padding padding) {
  const char* name = alphabet == Base64::Standard ? "base64" : "base64url";
  std::size_t pads = 0;
  while (pads < in.size() && pads < 2 && in[in.size() - 1 - pads] == '=') ++pads;
  if (pads > 0 && padding == Padding::Forbidden)
    return fail(Code::Corrupt, std::string(name) + ": padding is not allowed here");
  const std::string_view body = in.substr(0, in.size() - pads);
  if (pads > 0 && in.size() % 4 != 0)
    return fail(Code::Corrupt, std::string(name) + ": padded input length is not a multiple of 4");
  if (pads == 0 && padding == Padding::Required && body.size() % 4 != 0)
    return fail(Code::Corrupt, std::string(name) + ": padding is missing");
  if (body.size() % 4 == 1)
    return fail(Code::Corrupt,
                std::string(name) + ": impossible length " + std::to_string(in.size()));
  Bytes out;
  out.reserve(body.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const int v = b64_value(body[i], alphabet);
    if (v < 0)
      return fail(Code::Corrupt,
                  std::string(name) + ": invalid character at position " + std::to_string(i));
    acc = (acc << 6 | static_cast<std::uint32_t>(v)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits & 0xFF));
    }
  }
  // Non-canonical encodings (stray low bits in the last symbol) are refused.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
    return fail(Code::Corrupt, std::string(name) + ": non-canonical trailing bits");
  return out;
}

Result<ByteView> ByteReader::need(std::size_t n) {
  if (at_ > in_.size() || in_.size() - at_ < n)
    return fail(Code::Corrupt, std::string(what_) + ": truncated at offset " + std::to_string(at_) +
                                   " reading " + std::to_string(n) + " bytes (size " +
                                   std::to_string(in_.size()) + ")");
  return in_.subspan(at_, n);
}

Result<std::uint8_t> ByteReader::u8() {
  auto b = need(1);
  if (!b) return std::unexpected(b.error());
  ++at_;
  return (*b)[0];
}

#define ATTEST_READ_INT(name, type, n, expr)   \
  Result<type> ByteReader::name() {            \
    auto b = need(n);                          \
    if (!b) return std::unexpected(b.error()); \
    const std::uint8_t* p = b->data();         \
    at_ += n;                                  \
    return static_cast<type>(expr);            \
  }
ATTEST_READ_INT(le16, std::uint16_t, 2, load_le16(p))
ATTEST_READ_INT(le32, std::uint32_t, 4, load_le32(p))
ATTEST_READ_INT(le64, std::uint64_t, 8, load_le64(p))
ATTEST_READ_INT(be16, std::uint16_t, 2, p[0] << 8 | p[1])
ATTEST_READ_INT(be32, std::uint32_t, 4,
                static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
                    static_cast<std::uint32_t>(p[2]) << 8 | p[3])
ATTEST_READ_INT(be64, std::uint64_t, 8, [p] {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}())
#undef ATTEST_READ_INT

Result<ByteView> ByteReader::take(std::size_t n) {
  auto b = need(n);
  if (!b) return std::unexpected(b.error());
  at_ += n;
  return *b;
}

Result<void> ByteReader::skip(std::size_t n) {
  auto b = need(n);
  if (!b) return std::unexpected(b.error());
  at_ += n;
  return {};
}

Result<void> ByteReader::seek(std::size_t offset) {
  if (offset > in_.size())
    return fail(Code::Corrupt, std::string(what_) + ": offset " + std::to_string(offset) +
                                   " is beyond the end (size " + std::to_string(in_.size()) + ")");
  at_ = offset;
  return {};
}

}  // namespace attest
