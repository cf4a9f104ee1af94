// The peer-name parser and the [[credentials]] matcher, on the exact bytes systemd binds
// ("\0<hex>/unit/<unit>/<ID>", src/core/exec-credential.c @000d9ef2).
#include "agent/api/credential_peer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace attest::api {
namespace {

Result<CredentialPeer> parse(const std::string& sun_path) {
  return parse_credential_peer(std::span<const char>(sun_path.data(), sun_path.size()));
}

std::string abstract(const std::string& name) { return std::string(1, '\0') + name; }

TEST(CredentialPeer, ParsesSystemdsName) {
  auto p = parse(abstract("9f3a0c5e7b21d4f8/unit/nginx.service/tls-key"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->unit, "nginx.service");
  EXPECT_EQ(p->id, "tls-key");
  auto templated = parse(abstract("1/unit/attest-fetch@default-key-disk\\x2d1.service/a.b_c"));
  ASSERT_TRUE(templated) << templated.error().message;
  EXPECT_EQ(templated->unit, "attest-fetch@default-key-disk\\x2d1.service");
  EXPECT_EQ(templated->id, "a.b_c");
}

void expect_refused(const std::string& sun_path, const std::string& needle) {
  auto p = parse(sun_path);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Code::InvalidArgument);
  EXPECT_NE(p.error().message.find(needle), std::string::npos) << p.error().message;
}

TEST(CredentialPeer, RefusesOtherShapes) {
  expect_refused("", "unnamed");
  expect_refused("/run/x.sock", "filesystem path");
  expect_refused("abc/unit/a.service/id", "filesystem path");
  expect_refused(abstract(""), "1-16 hex digits");
  expect_refused(abstract("/unit/a.service/id"), "1-16 hex digits");
  expect_refused(abstract("ABC/unit/a.service/id"), "1-16 hex digits");
  expect_refused(abstract("12345678901234567/unit/a.service/id"), "1-16 hex digits");
  expect_refused(abstract("abc/units/a.service/id"), "lacks \"/unit/\"");
  expect_refused(abstract("abc-unit/a.service/id"), "lacks \"/unit/\"");
  expect_refused(abstract("abc/unit/a.service"), "no credential ID");
  expect_refused(abstract("abc/unit//id"), "unit name of bad length");
  expect_refused(abstract("abc/unit/" + std::string(256, 'a') + ".service/id"),
                 "unit name of bad length");
  expect_refused(abstract("abc/unit/a b.service/id"), "not allowed in a unit name");
  expect_refused(abstract(std::string("abc/unit/a\0b.service/id", 24)),
                 "not allowed in a unit name");
  expect_refused(abstract("abc/unit/nosuffix/id"), "without a type suffix");
  expect_refused(abstract("abc/unit/.service/id"), "without a type suffix");
  expect_refused(abstract("abc/unit/a.service/"), "credential ID of bad length");
  expect_refused(abstract("abc/unit/a.service/" + std::string(256, 'k')),
                 "credential ID of bad length");
  expect_refused(abstract("abc/unit/a.service/id/extra"), "a '/'");
  expect_refused(abstract("abc/unit/a.service/.."), "\".\" or \"..\"");
  expect_refused(abstract("abc/unit/a.service/i d"), "a space");
  expect_refused(abstract("abc/unit/a.service/id\n"), "a space");
  expect_refused(abstract("abc/unit/a.service/\xc3\xa9"), "non-ASCII");
}

TEST(CredentialPeer, MatchesUnitGlobAndExactId) {
  const std::vector<config::CredentialEntry> entries = {
      {"web-*.service", "tls-key", "kbs:///default/tls/web"},
      {"*", "tls-key", "kbs:///default/tls/fallback"},
      {"db.service", "db-pass", "kbs+provisioner:///default/db/root"},
  };
  EXPECT_EQ(match_credential(entries, {"web-1.service", "tls-key"}), "kbs:///default/tls/web");
  EXPECT_EQ(match_credential(entries, {"api.service", "tls-key"}), "kbs:///default/tls/fallback");
  EXPECT_EQ(match_credential(entries, {"db.service", "db-pass"}),
            "kbs+provisioner:///default/db/root");
  EXPECT_EQ(match_credential(entries, {"db2.service", "db-pass"}), std::nullopt);
  EXPECT_EQ(match_credential(entries, {"db.service", "DB-PASS"}), std::nullopt);
  EXPECT_EQ(match_credential(entries, {"db.service", "db-pass2"}), std::nullopt);
  EXPECT_EQ(match_credential({}, {"db.service", "db-pass"}), std::nullopt);
}

}  // namespace
}  // namespace attest::api
