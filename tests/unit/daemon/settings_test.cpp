// resolve_settings: the config file overlaid with flags; --secret parsing; URL redaction.
#include "agent/daemon/settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/os/posix_os.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/scoped_env.h"
#include "tests/fakes/test_kbs.h"

namespace attest::daemon {
namespace {

using testing::TempDir;

TEST(SecretFlag, SplitsAtTheLastEqualsAndPlacesRelativePathsUnderSecretsDir) {
  auto d = parse_secret_flag("kbs:///default/key/disk=disk.key", "/run/s");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->uri.path(), "default/key/disk");
  EXPECT_EQ(d->file.path, "/run/s/disk.key");
  EXPECT_EQ(d->file.mode, 0400u);
  auto q = parse_secret_flag("kbs:///a/b/c?v=1=/etc/x", "/run/s");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->uri.query, "v=1");
  EXPECT_EQ(q->file.path, "/etc/x");
}

TEST(SecretFlag, RefusesWhatIsWrong) {
  for (const char* bad : {"kbs:///a/b/c", "kbs:///a/b=x", "kbs:///a/b/c=../../etc/shadow",
                          "kbs:///a/b/c=", "kbs://evil:1/a/b/c=x", "kbs:///a/b/c d=x"}) {
    auto r = parse_secret_flag(bad, "/run/s");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Code::InvalidArgument) << bad;
    EXPECT_NE(r.error().message.find("--secret"), std::string::npos) << r.error().message;
  }
}

TEST(UrlRedaction, DropsUserInfoOnly) {
  EXPECT_EQ(url_without_credentials("https://u:p@kbs:8080/x"), "https://kbs:8080/x");
  EXPECT_EQ(url_without_credentials("https://kbs:8080"), "https://kbs:8080");
  EXPECT_EQ(url_without_credentials("http://a@b"), "http://b");
  EXPECT_EQ(url_without_credentials("https://kbs/p@q"), "https://kbs/p@q");
}

class Settings : public ::testing::Test {
 protected:
  Result<DaemonSettings> resolve(const DaemonFlags& f) {
    config::CocoSources coco;
    coco.aa_kbc_params_env = aa_kbc_params_;
    coco.cmdline_path = dir_ / "cmdline";
    return resolve_settings(f, coco, os_);
  }
  PosixOs os_{attest::testing::real_clock()};
  std::optional<std::string> aa_kbc_params_;
  std::string write_config(const std::string& text) {
    const auto p = dir_ / "config.toml";
    testing::write_text_file(p, text);
    ::chmod(p.c_str(), 0600);
    return p.string();
  }
  TempDir dir_;
  testing::ScopedEnv no_tcti_{"ATTEST_TCTI", nullptr};
  testing::ScopedEnv no_config_{"ATTEST_CONFIG", nullptr};
};

TEST_F(Settings, FlagsOverrideTheFile) {
  DaemonFlags f;
  f.config = write_config(
      "[kbs]\nurl = \"https://file:1\"\ncert_file = \"/file/ca.pem\"\n"
      "[evidence]\ntee = \"tpm\"\ntcti = \"device:/dev/file\"\n"
      "[agent]\nsocket_path = \"/run/file.sock\"\nsecrets_dir = \"/run/file-secrets\"\n");
  DaemonSettings base = *resolve(f);
  EXPECT_EQ(base.kbs.url, "https://file:1");
  EXPECT_EQ(base.tee, "tpm");
  EXPECT_EQ(base.providers.tcti, "device:/dev/file");
  EXPECT_EQ(base.listen.socket_path, "/run/file.sock");
  EXPECT_EQ(base.log_level, log::Level::Info);

  f.url = "https://flag:2";
  f.cert_file = "/flag/ca.pem";
  f.tee = "sample";
  f.tcti = "swtpm:port=1";
  f.socket = "/run/flag.sock";
  f.log_level = "debug";
  f.secrets = {"kbs:///a/b/c=c.key"};
  auto s = resolve(f);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kbs.url, "https://flag:2");
  EXPECT_EQ(s->kbs.cert_file, "/flag/ca.pem");
  EXPECT_EQ(s->tee, "sample");
  EXPECT_EQ(s->providers.tcti, "swtpm:port=1");
  EXPECT_EQ(s->listen.socket_path, "/run/flag.sock");
  EXPECT_EQ(s->log_level, log::Level::Debug);
  ASSERT_EQ(s->secrets.size(), 1u);
  EXPECT_EQ(s->secrets[0].file.path, "/run/file-secrets/c.key");
}

// The trust options are attest-cli's: [kbs] keys, overridden by the same flags.
TEST_F(Settings, TrustSystemStoreAndPinsComeFromTheFileAndTheFlags) {
  DaemonFlags f;
  f.config = write_config(
      "[kbs]\nurl = \"https://k\"\ncert_file = \"/ca.pem\"\npin_sha256 = [\"file-pin\"]\n");
  auto s = resolve(f);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->kbs.trust_system_store);
  EXPECT_EQ(s->kbs.pin_sha256, std::vector<std::string>{"file-pin"});
  EXPECT_EQ(http_options(s->kbs).pinned_sha256, std::vector<std::string>{"file-pin"});
  EXPECT_EQ(http_options(s->kbs).ca_file, "/ca.pem");

  f.trust_system_store = true;
  f.pin_sha256 = {"flag-pin-1", "flag-pin-2"};
  s = resolve(f);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(http_options(s->kbs).trust_system_store);
  EXPECT_EQ(http_options(s->kbs).pinned_sha256,
            (std::vector<std::string>{"flag-pin-1", "flag-pin-2"}));

  f = {};
  f.config = write_config("[kbs]\nurl = \"https://k\"\ntrust_system_store = true\n");
  EXPECT_TRUE(resolve(f)->kbs.trust_system_store);
}

TEST_F(Settings, TheEnvironmentTctiBeatsTheFileButNotTheFlag) {
  testing::ScopedEnv tcti("ATTEST_TCTI", "swtpm:port=9");
  DaemonFlags f;
  f.config = write_config("[kbs]\nurl = \"https://k\"\n[evidence]\ntcti = \"device:/x\"\n");
  EXPECT_EQ(resolve(f)->providers.tcti, "swtpm:port=9");
  f.tcti = "swtpm:port=10";
  EXPECT_EQ(resolve(f)->providers.tcti, "swtpm:port=10");
}

TEST_F(Settings, BadValuesAreNamed) {
  DaemonFlags f;
  f.config = write_config("[kbs]\nurl = \"http://plain\"\n");
  auto r = resolve(f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_NE(r.error().message.find("insecure-http"), std::string::npos) << r.error().message;

  f.config = write_config("[kbs]\nurl = \"https://k\"\n");
  f.tee = "sgx-ish";
  r = resolve(f);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("--tee"), std::string::npos) << r.error().message;

  f.tee.reset();
  f.socket = "relative.sock";
  r = resolve(f);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("must be absolute"), std::string::npos) << r.error().message;

  f.socket.reset();
  f.secrets = {"kbs:///a/b/c=/x/k", "kbs:///a/b/d=/x/k"};
  r = resolve(f);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("two secrets"), std::string::npos) << r.error().message;
}

TEST_F(Settings, NoUrlAnywhereIsABadOption) {
  DaemonFlags f;
  f.config = write_config("");
  auto r = resolve(f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_NE(r.error().message.find("--url"), std::string::npos);
}

TEST_F(Settings, WithoutAUrlCocoKbcParamsNameTheKbs) {
  DaemonFlags f;
  f.config = write_config("");
  testing::write_text_file(dir_ / "cmdline", "quiet agent.aa_kbc_params=cc_kbc::https://cmd:1\n");
  auto s = resolve(f);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kbs.url, "https://cmd:1");
  EXPECT_EQ(s->kbs_url_origin, config::KbsUrlOrigin::KernelCmdline);
  aa_kbc_params_ = "cc_kbc::https://env:2";
  EXPECT_EQ(resolve(f)->kbs.url, "https://env:2");
  f.url = "https://flag:3";
  s = resolve(f);
  EXPECT_EQ(s->kbs.url, "https://flag:3");
  EXPECT_EQ(s->kbs_url_origin, config::KbsUrlOrigin::Configured);
}

TEST_F(Settings, AMissingExplicitConfigFileIsAnError) {
  DaemonFlags f;
  f.config = (dir_ / "absent.toml").string();
  f.url = "https://k";
  auto r = resolve(f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
}

}  // namespace
}  // namespace attest::daemon
