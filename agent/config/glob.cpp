#include "agent/config/glob.h"

#include <cstddef>

namespace attest::config {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_wildcard(char c) { return c == '*' || c == '?'; }

// A printable rendering of a refused character for the message (it may be a control byte).
std::string describe(char c) {
  if (c >= 0x21 && c < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

// Classic wildcard match of one segment, remembering the last '*' to backtrack to.
bool match_segment(std::string_view p, std::string_view t) {
  std::size_t pi = 0, ti = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      resume = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

Result<void> validate_resource_glob(std::string_view pattern) {
  std::size_t segments = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = pattern.find('/', start);
    const std::string_view seg =
        pattern.substr(start, slash == std::string_view::npos ? pattern.npos : slash - start);
    ++segments;
    if (segments > 3) break;
    if (seg.empty())
      return fail(Code::InvalidArgument,
                  quoted(pattern) + " has an empty segment (want repo/type/tag)");
    if (seg.size() > 255)
      return fail(Code::InvalidArgument, quoted(std::string(pattern.substr(0, 64)) + "...") +
                                             " has a segment longer than 255 characters");
    for (char c : seg)
      if (!is_alnum(c) && c != '_' && c != '-' && c != '.' && !is_wildcard(c))
        return fail(Code::InvalidArgument,
                    quoted(pattern) + " has " + describe(c) +
                        ": a resource glob holds [A-Za-z0-9_.-], '*' and '?' only");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (segments != 3)
    return fail(
        Code::InvalidArgument,
        quoted(pattern) + " must have three segments repo/type/tag ('*/*/*' matches everything)");
  return {};
}

Result<void> validate_unit_glob(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > 256)
    return fail(Code::InvalidArgument, "must be 1 to 256 characters");
  for (char c : pattern)
    if (!is_alnum(c) && c != ':' && c != '-' && c != '_' && c != '.' && c != '\\' && c != '@' &&
        !is_wildcard(c))
      return fail(Code::InvalidArgument,
                  quoted(pattern) + " has " + describe(c) +
                      ": a unit glob holds systemd unit name characters, '*' and '?' only");
  return {};
}

bool glob_match(std::string_view pattern, std::string_view text) {
  for (;;) {
    const std::size_t ps = pattern.find('/');
    const std::size_t ts = text.find('/');
    if ((ps == std::string_view::npos) != (ts == std::string_view::npos)) return false;
    if (!match_segment(pattern.substr(0, ps), text.substr(0, ts))) return false;
    if (ps == std::string_view::npos) return true;
    pattern.remove_prefix(ps + 1);
    text.remove_prefix(ts + 1);
  }
}

}  // namespace attest::config
