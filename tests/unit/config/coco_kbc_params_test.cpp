#include "agent/config/coco_kbc_params.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_os.h"

namespace attest::config {
namespace {

using attest::testing::FakeOs;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(AaKbcParams, ParsesKbcAndUrl) {
  auto p = parse_aa_kbc_params("cc_kbc::https://kbs.example:8080", "AA_KBC_PARAMS");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->kbc, "cc_kbc");
  EXPECT_EQ(p->url, "https://kbs.example:8080");
  // Split at the first "::" only: IPv6 literals keep theirs (upstream refuses these).
  auto v6 = parse_aa_kbc_params("cc_kbc::http://[::1]:8080", "x");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->url, "http://[::1]:8080");
  auto offline = parse_aa_kbc_params("offline_fs_kbc::null", "x");
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->kbc, "offline_fs_kbc");
  EXPECT_EQ(offline->url, "null");
}

TEST(AaKbcParams, MalformedValuesNameTheSource) {
  const auto msg = [](std::string_view v) {
    auto r = parse_aa_kbc_params(v, "AA_KBC_PARAMS");
    EXPECT_FALSE(r) << v;
    if (r) return std::string();
    EXPECT_EQ(r.error().code, Code::InvalidArgument);
    return r.error().message;
  };
  EXPECT_EQ(msg("cc_kbc:https://kbs"),
            "AA_KBC_PARAMS 'cc_kbc:https://kbs' is not <kbc>::<url> (e.g. "
            "cc_kbc::https://kbs:8080)");
  EXPECT_EQ(msg(""), "AA_KBC_PARAMS '' is not <kbc>::<url> (e.g. cc_kbc::https://kbs:8080)");
  EXPECT_EQ(msg("::https://kbs"), "AA_KBC_PARAMS has no KBC name");
  EXPECT_EQ(msg("cc_kbc::"), "AA_KBC_PARAMS has no URL");
  EXPECT_EQ(msg("cc_kbc::https://kbs x"), "AA_KBC_PARAMS holds whitespace or control characters");
  EXPECT_EQ(msg("cc_kbc::https://kbs\n"), "AA_KBC_PARAMS holds whitespace or control characters");
}

TEST(AaKbcParams, FindsTheFirstWordOnTheCommandLine) {
  EXPECT_EQ(find_aa_kbc_params("console=ttyS0 agent.aa_kbc_params=cc_kbc::https://k:1 quiet\n"),
            "cc_kbc::https://k:1");
  EXPECT_EQ(find_aa_kbc_params("agent.aa_kbc_params=a::b agent.aa_kbc_params=c::d"), "a::b");
  EXPECT_EQ(find_aa_kbc_params("\tagent.aa_kbc_params=cc_kbc::u"), "cc_kbc::u");
  EXPECT_EQ(find_aa_kbc_params("agent.aa_kbc_params="), "");
  EXPECT_EQ(find_aa_kbc_params("xagent.aa_kbc_params=cc_kbc::u"), std::nullopt);
  EXPECT_EQ(find_aa_kbc_params("agent.aa_kbc_params_other=cc_kbc::u"), std::nullopt);
  EXPECT_EQ(find_aa_kbc_params(""), std::nullopt);
}

TEST(ResolveKbsUrl, ConfiguredUrlWinsAndNothingIsRead) {
  FakeOs os;  // no /proc/cmdline at all: reading it would be NotFound, and is not attempted
  auto r = resolve_kbs_url("https://configured:8080",
                           {.aa_kbc_params_env = "cc_kbc::https://env:1"}, os);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->url, "https://configured:8080");
  EXPECT_EQ(r->origin, KbsUrlOrigin::Configured);
  EXPECT_TRUE(os.log().empty());
}

TEST(ResolveKbsUrl, EnvironmentBeatsTheKernelCommandLine) {
  FakeOs os;
  os.add_dir("/proc");
  os.add_file("/proc/cmdline", bytes_of("agent.aa_kbc_params=cc_kbc::https://cmdline:2\n"));
  auto r = resolve_kbs_url(std::nullopt, {.aa_kbc_params_env = "cc_kbc::https://env:1"}, os);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->url, "https://env:1");
  EXPECT_EQ(r->origin, KbsUrlOrigin::AaKbcParamsEnv);
  EXPECT_EQ(origin_name(r->origin), "AA_KBC_PARAMS");

  auto c = resolve_kbs_url(std::nullopt, {}, os);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->url, "https://cmdline:2");
  EXPECT_EQ(c->origin, KbsUrlOrigin::KernelCmdline);
  EXPECT_EQ(os.open_handles(), 0);
}

TEST(ResolveKbsUrl, InjectedCmdlinePathAndNothingFound) {
  FakeOs os;
  os.add_dir("/t");
  os.add_file("/t/cmdline", bytes_of("root=/dev/vda1 quiet"));
  auto none = resolve_kbs_url(std::nullopt, {.cmdline_path = "/t/cmdline"}, os);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->url);
  EXPECT_EQ(none->origin, KbsUrlOrigin::None);
  // No command line file at all (a container without /proc): no URL, not an error.
  auto missing = resolve_kbs_url(std::nullopt, {.cmdline_path = "/t/absent"}, os);
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_FALSE(missing->url);
}

TEST(ResolveKbsUrl, AnotherKbcOrABadValueIsAnError) {
  FakeOs os;
  os.add_dir("/proc");
  os.add_file("/proc/cmdline", bytes_of("agent.aa_kbc_params=offline_fs_kbc::null"));
  auto off = resolve_kbs_url(std::nullopt, {}, os);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, Code::InvalidArgument);
  EXPECT_EQ(off.error().message,
            "/proc/cmdline agent.aa_kbc_params names the KBC 'offline_fs_kbc'; attest-agent "
            "talks to a Trustee KBS only (cc_kbc::<url>), or set [kbs] url / --url");
  // A set but broken AA_KBC_PARAMS is not skipped in favour of the command line (upstream
  // does the same: the environment, once set, decides).
  auto bad = resolve_kbs_url(std::nullopt, {.aa_kbc_params_env = "cc_kbc"}, os);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::InvalidArgument);
  EXPECT_EQ(bad.error().message,
            "AA_KBC_PARAMS 'cc_kbc' is not <kbc>::<url> (e.g. cc_kbc::https://kbs:8080)");
  auto empty = resolve_kbs_url(std::nullopt, {.aa_kbc_params_env = ""}, os);
  EXPECT_FALSE(empty);
}

TEST(ResolveKbsUrl, OversizedCommandLineIsRefused) {
  FakeOs os;
  os.add_dir("/proc");
  os.add_file("/proc/cmdline", Bytes(70000, 'a'));
  auto r = resolve_kbs_url(std::nullopt, {}, os);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_TRUE(r.error().message.starts_with("kernel command line: ")) << r.error().message;
}

}  // namespace
}  // namespace attest::config
