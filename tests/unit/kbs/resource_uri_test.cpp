#include "agent/kbs/resource_uri.h"

#include <gtest/gtest.h>

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
  expect_invalid("https://kbs/default/key/1", "only the kbs:// scheme");
  expect_invalid("kbs+resource:///default/key/1", "only the kbs:// scheme");
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

}  // namespace
}  // namespace attest::kbs
