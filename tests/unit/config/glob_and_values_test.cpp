#include <gtest/gtest.h>

#include "agent/config/agent_values.h"
#include "agent/config/glob.h"

namespace attest::config {
namespace {

TEST(GlobMatch, StarAndQuestionMarkStayInsideOneSegment) {
  EXPECT_TRUE(glob_match("default/key/*", "default/key/disk"));
  EXPECT_TRUE(glob_match("*/*/*", "a/b/c"));
  EXPECT_TRUE(glob_match("default/*/tls.*", "default/cert/tls.pem"));
  EXPECT_TRUE(glob_match("tenant-?/key/x", "tenant-7/key/x"));
  EXPECT_TRUE(glob_match("a/b/*c*d*", "a/b/xxcyyczzd"));  // needs backtracking
  EXPECT_TRUE(glob_match("a/b/*", "a/b/"));               // '*' may match nothing
  EXPECT_FALSE(glob_match("default/key/*", "default/keys/disk"));
  EXPECT_FALSE(glob_match("default/*", "default/key/disk"));  // '*' never crosses '/'
  EXPECT_FALSE(glob_match("*/*/*", "a/b/c/d"));
  EXPECT_FALSE(glob_match("tenant-?/key/x", "tenant-17/key/x"));
  EXPECT_FALSE(glob_match("a/b/*c*d", "a/b/xxcyyczz"));
  EXPECT_FALSE(glob_match("a/b/c", "a/b/cc"));
  EXPECT_TRUE(glob_match("postgresql@*.service", "postgresql@15-main.service"));
  EXPECT_FALSE(glob_match("postgresql@*.service", "postgresql.service"));
}

TEST(ResourceGlob, Validation) {
  EXPECT_TRUE(validate_resource_glob("default/key/disk"));
  EXPECT_TRUE(validate_resource_glob("*/*/*"));
  EXPECT_TRUE(validate_resource_glob("a-1/b_2/c.3?*"));
  const auto msg = [](std::string_view g) {
    auto r = validate_resource_glob(g);
    EXPECT_FALSE(r) << g;
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(msg("*"), "'*' must have three segments repo/type/tag ('*/*/*' matches everything)");
  EXPECT_EQ(msg("a/b/c/d"),
            "'a/b/c/d' must have three segments repo/type/tag ('*/*/*' matches everything)");
  EXPECT_EQ(msg("a//c"), "'a//c' has an empty segment (want repo/type/tag)");
  EXPECT_EQ(msg("a/b/"), "'a/b/' has an empty segment (want repo/type/tag)");
  EXPECT_EQ(msg("a/b/c d"),
            "'a/b/c d' has byte 0x20: a resource glob holds [A-Za-z0-9_.-], '*' and '?' only");
  EXPECT_TRUE(validate_resource_glob("a/b/**"));  // two stars, the same as one: allowed
  EXPECT_EQ(msg("a/b/\\*"),
            "'a/b/\\*' has '\\': a resource glob holds [A-Za-z0-9_.-], '*' and '?' only");
  // A long pattern is cut to its first 64 characters in the message.
  EXPECT_EQ(msg("a/b/" + std::string(256, 'x')),
            "'a/b/" + std::string(60, 'x') + "...' has a segment longer than 255 characters");
}

TEST(UnitGlob, Validation) {
  EXPECT_TRUE(validate_unit_glob("getty@tty1.service"));
  EXPECT_TRUE(validate_unit_glob("*.service"));
  EXPECT_TRUE(validate_unit_glob("a\\x2db.mount"));
  EXPECT_FALSE(validate_unit_glob(""));
  EXPECT_FALSE(validate_unit_glob(std::string(257, 'a')));
  EXPECT_FALSE(validate_unit_glob("a;b.service"));
  EXPECT_FALSE(validate_unit_glob("a\nb.service"));
}

TEST(Mode, OctalStrings) {
  EXPECT_EQ(parse_mode("0660"), 0660u);
  EXPECT_EQ(parse_mode("600"), 0600u);
  EXPECT_EQ(parse_mode("0000"), 0u);
  EXPECT_FALSE(parse_mode(""));
  EXPECT_FALSE(parse_mode("06600"));
  EXPECT_FALSE(parse_mode("0o660"));
  EXPECT_FALSE(parse_mode("-660"));
  EXPECT_FALSE(parse_mode("1777"));
  EXPECT_EQ(parse_secret_mode("0400"), 0400u);
  EXPECT_EQ(parse_secret_mode("0644"), 0644u);
  auto gw = parse_secret_mode("0620");
  ASSERT_FALSE(gw);
  EXPECT_EQ(gw.error().code, Code::InvalidArgument);
  EXPECT_FALSE(parse_secret_mode("0406"));
  EXPECT_FALSE(parse_secret_mode("4400"));
}

TEST(LoopbackListen, OnlyLoopbackLiteralsWithAPort) {
  auto v4 = parse_loopback_listen("127.0.0.1:8006");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(v4->address, "127.0.0.1");
  EXPECT_EQ(v4->port, 8006);
  EXPECT_FALSE(v4->ipv6);
  auto other = parse_loopback_listen("127.45.6.7:1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->address, "127.45.6.7");
  auto v6 = parse_loopback_listen("[::1]:65535");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->port, 65535);
  EXPECT_TRUE(v6->ipv6);
  auto v6long = parse_loopback_listen("[0:0:0:0:0:0:0:1]:80");
  ASSERT_TRUE(v6long);
  EXPECT_EQ(v6long->address, "::1");
  for (const char* bad :
       {"0.0.0.0:8006", "10.0.0.1:8006", "localhost:8006", "[::]:8006", "[::ffff:127.0.0.1]:80",
        "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:99999999999999999999",
        "127.0.0.1:", "127.0.0.1", ":8006", "127.1:8006", "::1:8006", "[::1]", "127.0.0.1:80x",
        "127.0.0.1:+80", " 127.0.0.1:80"}) {
    auto r = parse_loopback_listen(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, Code::InvalidArgument) << bad;
    }
  }
}

TEST(CredentialId, SystemdRules) {
  EXPECT_TRUE(credential_id_valid("db.tls-key"));
  EXPECT_TRUE(credential_id_valid("a b"));  // printable ASCII includes the space
  EXPECT_TRUE(credential_id_valid(std::string(255, 'k')));
  EXPECT_FALSE(credential_id_valid(std::string(256, 'k')));
  EXPECT_FALSE(credential_id_valid(""));
  EXPECT_FALSE(credential_id_valid("."));
  EXPECT_FALSE(credential_id_valid(".."));
  EXPECT_FALSE(credential_id_valid("a/b"));
  EXPECT_FALSE(credential_id_valid("a:b"));
  EXPECT_FALSE(credential_id_valid("a\tb"));
  EXPECT_FALSE(credential_id_valid("caf\xc3\xa9"));
  EXPECT_FALSE(credential_id_valid("a\x7f"));
}

}  // namespace
}  // namespace attest::config
