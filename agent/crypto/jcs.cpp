#include "agent/crypto/jcs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace attest::crypto {
namespace {

using json = nlohmann::json;

// Deep enough for any KBS document; bounds the recursion on hostile input.
constexpr int kMaxDepth = 256;
// ECMAScript numbers are doubles: beyond 2^53 an integer no longer prints as itself, so such
// integers are refused instead of being silently rounded (RFC 8785 §3.2.2.3, I-JSON).
constexpr std::int64_t kMaxExactInteger = std::int64_t{1} << 53;

// Decodes one UTF-8 sequence at s[i]; strict RFC 3629 (no overlongs, no surrogates,
// max U+10FFFF). Returns the code point and advances i, or -1 on invalid input.
long next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  long cp = 0;
  long min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (s.size() - i < static_cast<std::size_t>(len)) return -1;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = cp << 6 | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += static_cast<std::size_t>(len);
  return cp;
}

// The sort key of RFC 8785 §3.2.3: the name as UTF-16 code units.
Result<std::u16string> utf16_units(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const long cp = next_code_point(s, i);
    if (cp < 0)
      return fail(Code::Corrupt,
                  "jcs: invalid UTF-8 in a member name at byte " + std::to_string(at));
    if (cp >= 0x10000) {
      const long v = cp - 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (v >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (v & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

Result<void> write_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t at = i;
    const long cp = next_code_point(s, i);
    if (cp < 0)
      return fail(Code::Corrupt, "jcs: invalid UTF-8 in a string at byte " + std::to_string(at));
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (cp < 0x20) {
          out += "\\u00";
          out.push_back(kHex[cp >> 4]);
          out.push_back(kHex[cp & 0xF]);
        } else {
          out.append(s.substr(at, i - at));  // everything else raw, '/' and non-ASCII included
        }
    }
  }
  out.push_back('"');
  return {};
}

// ECMAScript Number::toString (ECMA-262 §6.1.6.1.20) from the shortest round-trip digits.
Result<void> write_double(double v, std::string& out) {
  if (!std::isfinite(v)) return fail(Code::Unsupported, "jcs: NaN or Infinity has no JSON form");
  if (v == 0) {  // also -0
    out.push_back('0');
    return {};
  }
  if (v < 0) {
    out.push_back('-');
    v = -v;
  }
  // Shortest round-trip in scientific form: "d[.ddd]e[+-]XX".
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  if (r.ec != std::errc()) return fail(Code::Internal, "jcs: number formatting failed");
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits.push_back(c);
  int exp10 = 0;
  const std::string_view exp_text = sci.substr(e_pos + 1);
  const char* exp_begin = exp_text.data() + (exp_text.front() == '+' ? 1 : 0);
  if (std::from_chars(exp_begin, exp_text.data() + exp_text.size(), exp10).ec != std::errc())
    return fail(Code::Internal, "jcs: number formatting failed");
  // ECMA-262 names: k digits, value = digits * 10^(n - k).
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
  return {};
}

Result<void> write_value(const json& v, std::string& out, int depth) {
  if (depth > kMaxDepth) return fail(Code::Corrupt, "jcs: nesting deeper than 256 levels");
  switch (v.type()) {
    case json::value_t::null:
      out += "null";
      return {};
    case json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return {};
    case json::value_t::string:
      return write_string(v.get_ref<const std::string&>(), out);
    case json::value_t::number_integer: {
      const auto i = v.get<std::int64_t>();
      if (i > kMaxExactInteger || i < -kMaxExactInteger)
        return fail(Code::Unsupported, "jcs: integer beyond 2^53 is not an exact JSON number");
      out += std::to_string(i);
      return {};
    }
    case json::value_t::number_unsigned: {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(kMaxExactInteger))
        return fail(Code::Unsupported, "jcs: integer beyond 2^53 is not an exact JSON number");
      out += std::to_string(u);
      return {};
    }
    case json::value_t::number_float:
      return write_double(v.get<double>(), out);
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v) {
        if (!first) out.push_back(',');
        first = false;
        ATTEST_TRY(write_value(item, out, depth + 1));
      }
      out.push_back(']');
      return {};
    }
    case json::value_t::object: {
      // nlohmann orders members by UTF-8 bytes, which differs from UTF-16 order above U+E000.
      std::vector<std::pair<std::u16string, json::const_iterator>> members;
      members.reserve(v.size());
      for (auto it = v.cbegin(); it != v.cend(); ++it) {
        auto key = utf16_units(it.key());
        if (!key) return std::unexpected(std::move(key.error()));
        members.emplace_back(std::move(*key), it);
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      bool first = true;
      for (const auto& [key, it] : members) {
        if (!first) out.push_back(',');
        first = false;
        ATTEST_TRY(write_string(it.key(), out));
        out.push_back(':');
        ATTEST_TRY(write_value(*it, out, depth + 1));
      }
      out.push_back('}');
      return {};
    }
    case json::value_t::binary:
    case json::value_t::discarded:
    default:
      return fail(Code::Unsupported, "jcs: value has no JSON representation");
  }
}

}  // namespace

Result<std::string> canonicalize(const nlohmann::json& value) {
  std::string out;
  ATTEST_TRY(write_value(value, out, 0));
  return out;
}

}  // namespace attest::crypto
