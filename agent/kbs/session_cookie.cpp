#include "agent/kbs/session_cookie.h"

namespace attest::kbs {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// RFC 6265 §4.1.1 cookie-octet: US-ASCII except CTLs, whitespace, DQUOTE, comma, semicolon and
// backslash.
bool is_cookie_octet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x2b) || (u >= 0x2d && u <= 0x3a) ||
         (u >= 0x3c && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
}

}  // namespace

std::optional<std::string> parse_session_cookie(std::string_view set_cookie) {
  const std::string_view pair = trim(set_cookie.substr(0, set_cookie.find(';')));
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  if (trim(pair.substr(0, eq)) != kSessionCookieName) return std::nullopt;
  std::string_view value = trim(pair.substr(eq + 1));
  // RFC 6265 allows the value to be wrapped in double quotes.
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  if (value.empty() || value.size() > kMaxSessionIdLength) return std::nullopt;
  for (char c : value)
    if (!is_cookie_octet(c)) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> find_session_cookie(std::span<const std::string> set_cookies) {
  for (const auto& v : set_cookies)
    if (auto id = parse_session_cookie(v)) return id;
  return std::nullopt;
}

std::string session_cookie_header(std::string_view id) {
  return std::string(kSessionCookieName) + "=" + std::string(id);
}

}  // namespace attest::kbs
