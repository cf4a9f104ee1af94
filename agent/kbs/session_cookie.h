// The KBS session cookie (kbs-protocol.md §1.2): `Set-Cookie: kbs-session-id=<id>; Expires=...`.
// Handled by hand instead of a cookie jar: one cookie, one name, sent back verbatim.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace attest::kbs {

inline constexpr std::string_view kSessionCookieName = "kbs-session-id";
// Trustee's id is 32 hex digits; anything much longer is hostile.
inline constexpr std::size_t kMaxSessionIdLength = 256;

// The session id from one Set-Cookie header value, or nullopt if this header sets another
// cookie, or the value is empty, too long, or holds characters outside RFC 6265's cookie-octet
// (so it can be sent back in a Cookie header without any escaping). Attributes are ignored.
std::optional<std::string> parse_session_cookie(std::string_view set_cookie);

// The first session id among several Set-Cookie values.
std::optional<std::string> find_session_cookie(std::span<const std::string> set_cookies);

// "kbs-session-id=<id>", the Cookie header value.
std::string session_cookie_header(std::string_view id);

}  // namespace attest::kbs
