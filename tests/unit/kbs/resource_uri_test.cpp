#include "agent/kbs/resource_uri.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace attest::kbs {
namespace {

TEST(ResourceUri, EmptyAuthority) {
  auto r = parse_resource_uri("kbs:///default/key/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->authority, "");
  EXPECT_EQ(r->repository, "default");
  EXPECT_EQ(r->type, "key");
  EXPECT_EQ(r->tag, "1");
  EXPECT_EQ(r->query, "");
  EXPECT_EQ(r->path(), "default/key/1");
  EXPECT_EQ(r->request_path(), "/kbs/v0/resource/default/key/1");
  EXPECT_EQ(r->to_string(), "kbs:///default/key/1");
}

TEST(ResourceUri, HostPortAndQuery) {
  auto r = parse_resource_uri("kbs://kbs.example:8080/my-repo/image_key/v1.2?version=3&x=a%2Fb");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->authority, "kbs.example:8080");
  EXPECT_EQ(r->repository, "my-repo");
  EXPECT_EQ(r->type, "image_key");
  EXPECT_EQ(r->tag, "v1.2");
  EXPECT_EQ(r->query, "version=3&x=a%2Fb");
  EXPECT_EQ(r->request_path(), "/kbs/v0/resource/my-repo/image_key/v1.2?version=3&x=a%2Fb");
  EXPECT_EQ(r->to_string(), "kbs://kbs.example:8080/my-repo/image_key/v1.2?version=3&x=a%2Fb");
}

TEST(ResourceUri, BareAndIpv6) {
  auto bare = parse_resource_uri("default/demo/key");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path(), "default/demo/key");
  EXPECT_EQ(bare->authority, "");
  auto v6 = parse_resource_uri("kbs://[::1]:8443/a/b/c");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->authority, "[::1]:8443");
  // trustee-attester's --path spelling: one leading '/' (but not two).
  auto rooted = parse_resource_uri("/default/demo/key?v=1");
  ASSERT_TRUE(rooted);
  EXPECT_EQ(rooted->path(), "default/demo/key");
  EXPECT_EQ(rooted->query, "v=1");
  EXPECT_EQ(rooted->authority, "");
  auto leading = parse_resource_uri("kbs:///_a/-b/0c");
  ASSERT_TRUE(leading);
  EXPECT_EQ(leading->repository, "_a");
}

void expect_invalid(std::string_view text, std::string_view needle) {
  auto r = parse_resource_uri(text);
  ASSERT_FALSE(r) << text;
  EXPECT_EQ(r.error().code, Code::InvalidArgument) << text;
  EXPECT_NE(r.error().message.find(needle), std::string::npos)
      << text << " -> " << r.error().message;
}

TEST(ResourceUri, Rejects) {
  expect_invalid("kbs:///default/key", "exactly three segments");
  expect_invalid("kbs:///default/key/1/extra", "exactly three segments");
  expect_invalid("kbs:///default//1", "type is empty");
  expect_invalid("kbs:///default/key/", "tag is empty");
  expect_invalid("", "exactly three segments");
  expect_invalid("//default/key/1", "exactly three segments");
  expect_invalid("kbs:///.hidden/key/1", "repository must start with");
  expect_invalid("kbs:///default/../1", "type must start with");
  expect_invalid("kbs:///default/ke y/1", "type may hold only");
  expect_invalid("kbs:///default/key/1%2F", "tag may hold only");
  expect_invalid("kbs:///default/key/\xc3\xa9", "tag must start with");
  expect_invalid("kbs://", "expected kbs:///repository/type/tag");
  expect_invalid("https://kbs/default/key/1", "only the kbs:// and kbs+<plugin>:// schemes");
  expect_invalid("KBS:///default/key/1", "only the kbs:// and kbs+<plugin>:// schemes");
  expect_invalid("kbs://host:port/a/b/c", "bad host[:port]");
  expect_invalid("kbs://host:/a/b/c", "bad host[:port]");
  expect_invalid("kbs://ho st/a/b/c", "bad host[:port]");
  expect_invalid("kbs://[::1/a/b/c", "bad host[:port]");
  expect_invalid("kbs:///a/b/c?x=1 2", "query holds a character");
  expect_invalid("kbs:///a/b/c?x=%zz", "bad %-escape");
  expect_invalid("kbs:///a/b/c?x=%2", "bad %-escape");
  expect_invalid("kbs:///a/b/c?x#frag", "query holds a character");
  expect_invalid("kbs:///a/b/c?x\r\nHost: evil", "query holds a character");
  expect_invalid("kbs:///a/b/" + std::string(256, 'x'), "tag is longer than 255");
}

// guest-components' kbs+<plugin>:// (attestation-agent/deps/resource_uri/src/lib.rs @8246e5e0).
TEST(ResourceUri, ProvisionerPlugin) {
  auto r =
      parse_resource_uri("kbs+provisioner:///default/c007d2cc-5f14-41e5-a202-8d15f6f68607/root");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->plugin, "provisioner");
  EXPECT_FALSE(r->is_resource_plugin());
  EXPECT_EQ(r->plugin_path,
            (std::vector<std::string>{"default", "c007d2cc-5f14-41e5-a202-8d15f6f68607", "root"}));
  EXPECT_EQ(r->repository, "");
  EXPECT_EQ(r->request_path(),
            "/kbs/v0/provisioner/default/c007d2cc-5f14-41e5-a202-8d15f6f68607/root");
  EXPECT_EQ(r->to_string(), "kbs+provisioner:///default/c007d2cc-5f14-41e5-a202-8d15f6f68607/root");
  // Never the same name as the resource default/<uuid>/root (caches, access globs).
  EXPECT_EQ(r->path(), "provisioner:default/c007d2cc-5f14-41e5-a202-8d15f6f68607/root");
  auto same_path = parse_resource_uri("kbs:///default/c007d2cc-5f14-41e5-a202-8d15f6f68607/root");
  ASSERT_TRUE(same_path);
  EXPECT_NE(*same_path, *r);
  EXPECT_NE(same_path->path(), r->path());
}

TEST(ResourceUri, PluginSegmentCountsAuthorityAndQuery) {
  auto one = parse_resource_uri("kbs+nebula-ca:///credential?name=podA&ip=10.9.8.7/21");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->plugin, "nebula-ca");
  EXPECT_EQ(one->request_path(), "/kbs/v0/nebula-ca/credential?name=podA&ip=10.9.8.7/21");
  auto four = parse_resource_uri("kbs+pkcs11://kbs.example:8080/resource/r/t/t");
  ASSERT_TRUE(four);
  EXPECT_EQ(four->authority, "kbs.example:8080");
  EXPECT_EQ(four->request_path(), "/kbs/v0/pkcs11/resource/r/t/t");
  EXPECT_EQ(four->to_string(), "kbs+pkcs11://kbs.example:8080/resource/r/t/t");
  auto sixteen = parse_resource_uri("kbs+p:///a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p");
  ASSERT_TRUE(sixteen);
  EXPECT_EQ(sixteen->plugin_path.size(), 16u);
}

TEST(ResourceUri, ExplicitResourcePluginIsPlainKbs) {
  auto explicit_form = parse_resource_uri("kbs+resource:///default/key/1");
  auto plain = parse_resource_uri("kbs:///default/key/1");
  ASSERT_TRUE(explicit_form);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*explicit_form, *plain);
  EXPECT_EQ(explicit_form->to_string(), "kbs:///default/key/1");
  EXPECT_EQ(explicit_form->request_path(), "/kbs/v0/resource/default/key/1");
  expect_invalid("kbs+resource:///default/key", "exactly three segments");
}

TEST(ResourceUri, RejectsBadPlugins) {
  expect_invalid("kbs+:///a/b/c", "kbs+ needs a plugin name");
  expect_invalid("kbs+Provisioner:///a/b/c", "may hold only lowercase");
  expect_invalid("kbs+pro/v:///a/b/c", "may hold only lowercase");
  expect_invalid("kbs+-x:///a/b/c", "must start with a letter or digit");
  expect_invalid("kbs+" + std::string(65, 'p') + ":///a", "is too long");
  expect_invalid("kbs+auth:///a", "is a KBS endpoint, not a plugin");
  expect_invalid("kbs+attest:///a", "is a KBS endpoint, not a plugin");
  expect_invalid("kbs+resource-policy:///a", "is a KBS endpoint, not a plugin");
  expect_invalid("kbs+reference-value:///a/b", "is a KBS endpoint, not a plugin");
  expect_invalid("kbs+attestation-policy:///a", "is a KBS endpoint, not a plugin");
  expect_invalid("kbs+provisioner:///", "segment 1 is empty");
  expect_invalid("kbs+provisioner:///default//root", "segment 2 is empty");
  expect_invalid("kbs+provisioner:///default/../root", "segment 2 must start with");
  expect_invalid("kbs+provisioner:///a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", "1 to 16 path segments");
  expect_invalid("kbs+provisioner://", "expected kbs:///repository/type/tag");
  expect_invalid("kbs+provisioner:///a?x y", "query holds a character");
}

}  // namespace
}  // namespace attest::kbs
