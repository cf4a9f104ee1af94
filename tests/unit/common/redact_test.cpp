#include "common/redact.h"

#include <gtest/gtest.h>

namespace attest {
namespace {

TEST(Redact, UserinfoOfEveryUrlIsReplaced) {
  EXPECT_EQ(redact_url_credentials("GET https://admin:hunter2@kbs:8080/kbs/v0/auth: refused"),
            "GET https://***@kbs:8080/kbs/v0/auth: refused");
  EXPECT_EQ(redact_url_credentials("https://u@h https://a:b@c?x=1 'http://p:q@r'"),
            "https://***@h https://***@c?x=1 'http://***@r'");
  // A password holding '@' is removed whole; an '@' after the authority is not userinfo.
  EXPECT_EQ(redact_url_credentials("https://u:p@ss@h/path@x"), "https://***@h/path@x");
  EXPECT_EQ(redact_url_credentials("kbs://u:p@host/a/b/c"), "kbs://***@host/a/b/c");
}

TEST(Redact, TextWithoutCredentialsIsUnchanged) {
  for (const char* s : {"", "no url here", "https://kbs:8080/kbs/v0/auth", "mailto:a@b",
                        "ends with ://", "https://"})
    EXPECT_EQ(redact_url_credentials(s), s);
}

}  // namespace
}  // namespace attest
