// kbs+<plugin>:// resource URIs end to end: the real attest-cli fetches a root-disk key from
// the test KBS's `provisioner` plugin (GET /kbs/v0/provisioner/default/<uuid>/root), which, like
// Trustee's (kbs/src/plugins/implementations/provisioner/mod.rs @78962cd4), releases it only
// when the init-data claim trustee.kbs.resource names exactly that kbs+provisioner:/// URI.
#include <gtest/gtest.h>

#include "cli/exit_codes.h"
#include "tests/fakes/test_kbs.h"

namespace attest::testing {
namespace {

constexpr const char* kUuid = "c007d2cc-5f14-41e5-a202-8d15f6f68607";
// The confdata TOML Trustee's provisioner stores (provisioner/README.md @78962cd4).
const std::string kConfdata =
    "version = \"0.1.0\"\n\n[data]\n\"io.cryptsetup.key.text.root\" = \"Zk3q9YxTn0aLw2Rm\"\n";

class KbsPlugin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    KbsConfig c;
    c.resources[std::string("provisioner:default/") + kUuid + "/root"] =
        Bytes(kConfdata.begin(), kConfdata.end());
    c.resources[std::string("default/") + kUuid + "/root"] = Bytes{'w', 'r', 'o', 'n', 'g'};
    kbs_ = new TestKbs(c);
  }
  static void TearDownTestSuite() {
    delete kbs_;
    kbs_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(kbs_->running()) << "test KBS did not start:\n" << kbs_->log();
    ASSERT_TRUE(kbs_->reset());
    ASSERT_TRUE(kbs_->set_policy("allow-all"));
  }
  std::string initdata(const std::string& bound) {
    const auto p = scratch_ / "initdata.toml";
    write_text_file(p,
                    "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n"
                    "\"trustee.kbs.resource\" = \"" +
                        bound + "\"\n");
    return p.string();
  }
  ProcessResult get(const std::string& uri, std::vector<std::string> extra) {
    std::vector<std::string> args{"get-resource", "--tee",           "sample",    "--url",
                                  kbs_->url(),    "--insecure-http", "--timeout", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(uri);
    return run_cli(args, scratch_);
  }

  static TestKbs* kbs_;
  TempDir scratch_;
};

TestKbs* KbsPlugin::kbs_ = nullptr;

TEST_F(KbsPlugin, ProvisionerRootKeyWithBoundInitData) {
  const std::string uri = std::string("kbs+provisioner:///default/") + kUuid + "/root";
  const auto r = get(uri, {"--initdata", initdata(uri)});
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err << kbs_->log();
  EXPECT_EQ(r.out, kConfdata);
  EXPECT_NE(
      kbs_->log().find(std::string("resource provisioner:default/") + kUuid + "/root released"),
      std::string::npos);
  // The same path without the plugin is another resource.
  const auto plain = get(std::string("kbs:///default/") + kUuid + "/root", {});
  ASSERT_EQ(plain.exit_code, cli::kExitOk) << plain.err;
  EXPECT_EQ(plain.out, "wrong");
}

TEST_F(KbsPlugin, TrusteeAttesterSpellingTakesAPluginUriToo) {
  const std::string uri = std::string("kbs+provisioner:///default/") + kUuid + "/root";
  const auto r = run_cli({"--url", kbs_->url(), "get-resource", "--path", uri, "--tee", "sample",
                          // trustee-attester's --initdata is the TOML text itself.
                          "--insecure-http", "--initdata", read_text_file(initdata(uri))},
                         scratch_);
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
  EXPECT_EQ(r.out, base64_encode(Bytes(kConfdata.begin(), kConfdata.end())) + "\n");
}

TEST_F(KbsPlugin, ProvisionerRefusesUnboundOrMismatchedInitData) {
  const std::string uri = std::string("kbs+provisioner:///default/") + kUuid + "/root";
  const auto none = get(uri, {});
  EXPECT_EQ(none.exit_code, cli::kExitDenied) << none.err;
  EXPECT_NE(none.err.find(std::string("KBS denied resource provisioner:default/") + kUuid +
                          "/root: 401 PluginInternalError"),
            std::string::npos)
      << none.err;
  EXPECT_EQ(none.out, "");
  EXPECT_NE(kbs_->log().find("provisioner requires init_data"), std::string::npos);

  const auto other =
      get(uri, {"--initdata", initdata("kbs+provisioner:///default/another-vm/root")});
  EXPECT_EQ(other.exit_code, cli::kExitDenied) << other.err;
  EXPECT_EQ(other.out, "");
  EXPECT_NE(kbs_->log().find("init_data resource mismatch"), std::string::npos);
}

TEST_F(KbsPlugin, UnknownPluginIs404AndBadPluginUriIsUsage) {
  const auto r = get("kbs+nosuch:///a/b", {});
  EXPECT_EQ(r.exit_code, cli::kExitDevice) << r.err;  // 404: "KBS path not found" (exit 3)
  EXPECT_NE(r.err.find("Plugin nosuch not found"), std::string::npos) << r.err;
  const auto bad = get("kbs+auth:///x", {});
  EXPECT_EQ(bad.exit_code, cli::kExitUsage) << bad.err;
  EXPECT_NE(bad.err.find("plugin 'auth' is a KBS endpoint, not a plugin"), std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace attest::testing
