// api::decide and the resource glob rules (agent/api/access.h).
#include "agent/api/access.h"

#include <gtest/gtest.h>

namespace attest::api {
namespace {

PeerCred unix_peer(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
  PeerCred p;
  p.pid = 1234;
  p.uid = uid;
  p.gid = gid;
  p.groups = std::move(groups);
  return p;
}

PeerCred tcp_peer() {
  PeerCred p;
  p.loopback_tcp = true;
  p.uid = 0;  // whatever is here must not count: TCP callers have no uid
  return p;
}

AccessRequest res(std::string_view path) { return {RequestKind::Resource, path}; }
AccessRequest kind(RequestKind k) { return {k, {}}; }

TEST(Access, NoRuleMeansRootOnly) {
  const std::vector<config::AccessRule> none;
  EXPECT_EQ(decide(unix_peer(0, 0), none, res("default/key/disk")), Decision::Allow);
  EXPECT_EQ(decide(unix_peer(0, 0), none, kind(RequestKind::Token)), Decision::Allow);
  EXPECT_EQ(decide(unix_peer(1000, 1000), none, res("default/key/disk")), Decision::Deny);
  EXPECT_EQ(decide(unix_peer(1000, 1000), none, kind(RequestKind::Info)), Decision::Deny);
  EXPECT_EQ(decide(tcp_peer(), none, res("default/key/disk")), Decision::Deny);
  EXPECT_EQ(decide(tcp_peer(), none, kind(RequestKind::Info)), Decision::Deny);
}

TEST(Access, UidRuleGrantsOnlyWhatItNames) {
  config::AccessRule r;
  r.uids = {1000};
  r.resources = {"default/key/*"};
  r.evidence = true;
  const std::vector rules{r};
  const auto me = unix_peer(1000, 1000);
  EXPECT_EQ(decide(me, rules, res("default/key/disk")), Decision::Allow);
  EXPECT_EQ(decide(me, rules, res("default/cert/disk")), Decision::Deny);
  EXPECT_EQ(decide(me, rules, res("other/key/disk")), Decision::Deny);
  EXPECT_EQ(decide(me, rules, kind(RequestKind::Evidence)), Decision::Allow);
  EXPECT_EQ(decide(me, rules, kind(RequestKind::Token)), Decision::Deny);
  EXPECT_EQ(decide(me, rules, kind(RequestKind::Measurements)), Decision::Deny);
  EXPECT_EQ(decide(me, rules, kind(RequestKind::Info)), Decision::Allow);
  EXPECT_EQ(decide(unix_peer(1001, 1000), rules, res("default/key/disk")), Decision::Deny);
  // A TCP caller is never matched by uid, even one that happens to equal the rule's.
  PeerCred tcp = tcp_peer();
  tcp.uid = 1000;
  EXPECT_EQ(decide(tcp, rules, res("default/key/disk")), Decision::Deny);
}

TEST(Access, GidRuleMatchesPrimaryAndSupplementaryGroups) {
  config::AccessRule r;
  r.gids = {500};
  r.token = true;
  const std::vector rules{r};
  EXPECT_EQ(decide(unix_peer(1000, 500), rules, kind(RequestKind::Token)), Decision::Allow);
  EXPECT_EQ(decide(unix_peer(1000, 100, {20, 500}), rules, kind(RequestKind::Token)),
            Decision::Allow);
  EXPECT_EQ(decide(unix_peer(1000, 100, {20, 501}), rules, kind(RequestKind::Token)),
            Decision::Deny);
}

TEST(Access, LoopbackRuleMatchesOnlyTcpCallers) {
  config::AccessRule r;
  r.loopback = true;
  r.resources = {"*/*/*"};
  r.measurements = true;
  const std::vector rules{r};
  EXPECT_EQ(decide(tcp_peer(), rules, res("a/b/c")), Decision::Allow);
  EXPECT_EQ(decide(tcp_peer(), rules, kind(RequestKind::Measurements)), Decision::Allow);
  EXPECT_EQ(decide(tcp_peer(), rules, kind(RequestKind::Token)), Decision::Deny);
  EXPECT_EQ(decide(unix_peer(1000, 1000), rules, res("a/b/c")), Decision::Deny);
}

TEST(Access, RulesAreOred) {
  config::AccessRule a;
  a.uids = {1000};
  a.resources = {"default/key/disk"};
  config::AccessRule b;
  b.gids = {600};
  b.resources = {"default/cert/*"};
  b.token = true;
  const std::vector rules{a, b};
  const auto both = unix_peer(1000, 600);
  EXPECT_EQ(decide(both, rules, res("default/key/disk")), Decision::Allow);
  EXPECT_EQ(decide(both, rules, res("default/cert/tls")), Decision::Allow);
  EXPECT_EQ(decide(both, rules, kind(RequestKind::Token)), Decision::Allow);
  EXPECT_EQ(decide(unix_peer(1000, 1), rules, kind(RequestKind::Token)), Decision::Deny);
  EXPECT_EQ(decide(unix_peer(1000, 1), rules, res("default/cert/tls")), Decision::Deny);
}

TEST(ResourceGlob, WildcardsStayInsideOneSegment) {
  EXPECT_TRUE(resource_glob_matches("default/key/*", "default/key/disk"));
  EXPECT_TRUE(resource_glob_matches("*/*/*", "a/b/c"));
  EXPECT_TRUE(resource_glob_matches("default/key/disk", "default/key/disk"));
  EXPECT_TRUE(resource_glob_matches("def?ult/k*/[a-d]isk", "default/key/disk"));
  EXPECT_TRUE(resource_glob_matches("default/key/[!a]*", "default/key/disk"));
  EXPECT_FALSE(resource_glob_matches("default/key/[!d]*", "default/key/disk"));
  EXPECT_FALSE(resource_glob_matches("default/key*", "default/keyring/x"));  // not 3 segments
  EXPECT_FALSE(resource_glob_matches("default/*", "default/key/disk"));
  EXPECT_FALSE(resource_glob_matches("*", "default/key/disk"));
  EXPECT_FALSE(resource_glob_matches("default/key/disk", "default/key/disk2"));
  EXPECT_FALSE(resource_glob_matches("default/key/d*", "default/key/x/disk"));
  // A backslash is not an escape (and not allowed): no way to smuggle a '/' match.
  EXPECT_FALSE(resource_glob_matches("default/key\\/x/y", "default/key/x"));
  EXPECT_FALSE(resource_glob_matches("", ""));
}

TEST(ResourceGlob, CheckNamesTheProblem) {
  EXPECT_TRUE(check_resource_glob("default/key/*").has_value());
  EXPECT_TRUE(check_resource_glob("*/*/*").has_value());
  auto two = check_resource_glob("default/*");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code, Code::InvalidArgument);
  EXPECT_NE(two.error().message.find("'default/*'"), std::string::npos);
  EXPECT_NE(two.error().message.find("*/*/*"), std::string::npos);
  auto empty_seg = check_resource_glob("default//x");
  ASSERT_FALSE(empty_seg);
  EXPECT_NE(empty_seg.error().message.find("empty segment"), std::string::npos);
  auto bad_char = check_resource_glob("default/key/a b");
  ASSERT_FALSE(bad_char);
  EXPECT_NE(bad_char.error().message.find("' '"), std::string::npos);
  EXPECT_FALSE(check_resource_glob(""));
  EXPECT_FALSE(check_resource_glob("a/b/c/d"));
  EXPECT_FALSE(check_resource_glob(std::string(1000, 'a')));
}

}  // namespace
}  // namespace attest::api
