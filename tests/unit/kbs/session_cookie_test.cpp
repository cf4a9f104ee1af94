#include "agent/kbs/session_cookie.h"

#include <gtest/gtest.h>

#include <vector>

namespace attest::kbs {
namespace {

TEST(SessionCookie, TrusteeSetCookie) {
  EXPECT_EQ(
      parse_session_cookie(
          "kbs-session-id=0123456789abcdef0123456789abcdef; Expires=Sat, 28 Nov 2026 10:00:00 GMT"),
      "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(parse_session_cookie("kbs-session-id=abc"), "abc");
  EXPECT_EQ(parse_session_cookie("  kbs-session-id = abc ;Path=/kbs/v0"), "abc");
  EXPECT_EQ(parse_session_cookie("kbs-session-id=\"abc\"; HttpOnly"), "abc");
}

TEST(SessionCookie, RejectsOtherAndHostileCookies) {
  EXPECT_EQ(parse_session_cookie("other=abc"), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-idx=abc"), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id"), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id="), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id=a b"), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id=a\r\nX-Evil: 1"), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id=a,b"), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id=a\\b"), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id=" + std::string(257, 'a')), std::nullopt);
  EXPECT_EQ(parse_session_cookie("kbs-session-id=" + std::string(256, 'a')), std::string(256, 'a'));
}

TEST(SessionCookie, FindsTheSessionAmongSeveral) {
  const std::vector<std::string> headers{"tracking=1; Path=/", "kbs-session-id=feed; Expires=x"};
  EXPECT_EQ(find_session_cookie(headers), "feed");
  EXPECT_EQ(find_session_cookie(std::vector<std::string>{}), std::nullopt);
  EXPECT_EQ(session_cookie_header("feed"), "kbs-session-id=feed");
}

}  // namespace
}  // namespace attest::kbs
