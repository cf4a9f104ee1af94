#include "agent/measure/aael.h"

#include <string>

namespace attest::measure {
namespace {

void put_le32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::unexpected<Error> bad(std::string_view field, std::string what) {
  return fail(Code::InvalidArgument, "measurement " + std::string(field) + ": " + std::move(what));
}

Result<void> check_size(std::string_view field, std::string_view v, std::size_t max) {
  if (v.empty()) return bad(field, "is empty");
  if (v.size() > max)
    return bad(field, std::to_string(v.size()) + " bytes; the limit is " + std::to_string(max));
  return {};
}

// domain and operation: printable ASCII, no white space (0x21..0x7e).
Result<void> check_token(std::string_view field, std::string_view v, std::size_t max) {
  ATTEST_TRY(check_size(field, v, max));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x21 || c > 0x7e)
      return bad(field, "byte " + std::to_string(i) +
                            " is not printable ASCII without white space (0x" +
                            hex_encode(ByteView(&c, 1)) + ")");
  }
  return {};
}

// Length of the UTF-8 sequence starting at v[i], or 0 when it is malformed (overlong forms,
// surrogates and code points above U+10FFFF included, RFC 3629 §4).
std::size_t utf8_sequence(std::string_view v, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(v[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (v.size() - i < n) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xbf) return 0;
  return n;
}

Result<void> check_content(std::string_view v) {
  ATTEST_TRY(check_size("content", v, kMaxContentSize));
  for (std::size_t i = 0; i < v.size();) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x20 || c == 0x7f)
      return bad("content", "byte " + std::to_string(i) + " is a control character (0x" +
                                hex_encode(ByteView(&c, 1)) + ")");
    const std::size_t n = utf8_sequence(v, i);
    if (n == 0) return bad("content", "byte " + std::to_string(i) + " is not valid UTF-8");
    i += n;
  }
  return {};
}

}  // namespace

Result<void> validate_event(std::string_view domain, std::string_view operation,
                            std::string_view content) {
  ATTEST_TRY(check_token("domain", domain, kMaxDomainSize));
  ATTEST_TRY(check_token("operation", operation, kMaxOperationSize));
  return check_content(content);
}

Result<AaelRecord> encode_record(const RuntimeRegister& reg, std::string_view domain,
                                 std::string_view operation, std::string_view content) {
  ATTEST_TRY(validate_event(domain, operation, content));
  std::string text;
  text.reserve(domain.size() + operation.size() + content.size() + 2);
  text.append(domain).append(" ").append(operation).append(" ").append(content);

  Bytes tagged;
  put_le32(tagged, kAaelTaggedEventId);
  put_le32(tagged, static_cast<std::uint32_t>(text.size()));
  tagged.insert(tagged.end(), text.begin(), text.end());

  auto digest = attest::digest(reg.alg, tagged);
  if (!digest) return std::unexpected(std::move(digest.error()).with_context("measurement"));

  AaelRecord rec;
  put_le32(rec.bytes, reg.log_index);
  put_le32(rec.bytes, kEvEventTag);
  put_le32(rec.bytes, 1);  // one digest
  rec.bytes.push_back(static_cast<std::uint8_t>(tcg_id(reg.alg)));
  rec.bytes.push_back(static_cast<std::uint8_t>(tcg_id(reg.alg) >> 8));
  rec.bytes.insert(rec.bytes.end(), digest->begin(), digest->end());
  put_le32(rec.bytes, static_cast<std::uint32_t>(tagged.size()));
  rec.bytes.insert(rec.bytes.end(), tagged.begin(), tagged.end());
  rec.digest = std::move(*digest);
  return rec;
}

}  // namespace attest::measure
