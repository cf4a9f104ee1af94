// attest-cli's KBS commands: argument handling that needs no KBS (the end-to-end runs against
// the test KBS are in tests/unit/kbs_integration/).
#include <gtest/gtest.h>

#include <sstream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "tests/fakes/cli_in_process.h"
#include "tests/fakes/fake_os.h"
#include "tests/unit/kbs/canned_server.h"

namespace attest::cli {
namespace {

using Args = std::vector<std::string>;

TEST(TrusteeSpelling, MovesLeadingKbsOptionsAfterTheSubcommand) {
  EXPECT_EQ(rewrite_trustee_args({"attest-cli", "--url", "https://k:8080", "--cert-file", "ca.pem",
                                  "get-resource", "--path", "default/key/1"}),
            (Args{"attest-cli", "get-resource", "--url", "https://k:8080", "--cert-file", "ca.pem",
                  "--base64", "--path", "default/key/1"}));
  EXPECT_EQ(rewrite_trustee_args({"attest-cli", "--url=https://k", "get-resource", "--path",
                                  "a/b/c", "--initdata", "i.toml"}),
            (Args{"attest-cli", "get-resource", "--url=https://k", "--base64", "--path", "a/b/c",
                  "--initdata-text", "i.toml"}));
  EXPECT_EQ(rewrite_trustee_args({"attest-cli", "--url", "https://k", "get-resource",
                                  "--initdata=version = \"0.1.0\"", "--path", "/a/b/c"}),
            (Args{"attest-cli", "get-resource", "--url", "https://k", "--base64",
                  "--initdata-text=version = \"0.1.0\"", "--path", "/a/b/c"}));
  EXPECT_EQ(rewrite_trustee_args({"attest-cli", "--url", "https://k", "attest"}),
            (Args{"attest-cli", "attest", "--url", "https://k"}));
}

TEST(TrusteeSpelling, LeavesEverythingElseAlone) {
  const Args normal{"attest-cli", "get-resource", "--url", "https://k", "kbs:///a/b/c"};
  EXPECT_EQ(rewrite_trustee_args(normal), normal);
  const Args help{"attest-cli", "--help"};
  EXPECT_EQ(rewrite_trustee_args(help), help);
  const Args dangling{"attest-cli", "--url"};
  EXPECT_EQ(rewrite_trustee_args(dangling), dangling);
  const Args no_sub{"attest-cli", "--url", "https://k", "--version"};
  EXPECT_EQ(rewrite_trustee_args(no_sub), no_sub);
  const Args only{"attest-cli"};
  EXPECT_EQ(rewrite_trustee_args(only), only);
}

using testing::CliRun;

CliRun run_cli(const Args& args) { return testing::run_cli_in_process(args); }

TEST(KbsCommands, UsageErrorsExitTwoWithOneLine) {
  struct Case {
    Args args;
    std::string err;
  };
  const Case cases[] = {
      {{"get-resource", "--tee", "sample", "--url", "http://127.0.0.1:1", "kbs:///a/b/c"},
       "attest-cli: refusing plain http:// for http://127.0.0.1:1; pass --insecure-http\n"},
      {{"get-resource", "--tee", "sample", "--url", "https://k", "kbs:///a/b"},
       "attest-cli: resource URI 'kbs:///a/b': expected exactly three segments "
       "repository/type/tag\n"},
      {{"get-resource", "--tee", "sample", "kbs:///a/b/c"},
       "attest-cli: --url is required (the KBS base URL; or [kbs] url in the config file)\n"},
      {{"get-resource", "--tee", "sample", "--url", "https://k"},
       "attest-cli: give the resource either as kbs:///repo/type/tag or with --path\n"},
      {{"get-resource", "--url", "https://k", "--mode", "0999", "kbs:///a/b/c"},
       "attest-cli: --mode: expected octal like 0400, got '0999'\n"},
      {{"get-resource", "--url", "https://k", "--token-key", "k.pem", "kbs:///a/b/c"},
       "attest-cli: --token-key needs --token-file\n"},
      {{"attest", "--tee", "sample", "--url", "ftp://k"},
       "attest-cli: KBS URL must start with https:// (or http:// with --insecure-http): ftp://k\n"},
  };
  for (const auto& c : cases) {
    const CliRun r = run_cli(c.args);
    EXPECT_EQ(r.code, kExitUsage) << c.args.back();
    EXPECT_EQ(r.err, c.err);
    EXPECT_EQ(r.out, "");
  }
}

TEST(KbsCommands, OptionParserRejections) {
  EXPECT_EQ(run_cli({"get-resource", "--key-alg", "rsa1_5", "kbs:///a/b/c"}).code, kExitUsage);
  EXPECT_EQ(run_cli({"get-resource", "--client-cert", "c.pem", "kbs:///a/b/c"}).code, kExitUsage);
  EXPECT_EQ(run_cli({"get-resource", "--token", "t", "kbs:///a/b/c"}).code, kExitUsage);
  EXPECT_EQ(run_cli({"attest", "--timeout", "0"}).code, kExitUsage);
}

TEST(KbsCommands, MissingCaFileIsReportedBeforeAnyNetwork) {
  const CliRun r = run_cli({"attest", "--tee", "sample", "--url", "https://127.0.0.1:1",
                            "--cert-file", "/nonexistent/ca.pem"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err, "attest-cli: CA file /nonexistent/ca.pem: No such file or directory\n");
}

TEST(KbsCommands, MissingOptionFilesAreUsageErrors) {
  const CliRun init = run_cli({"attest", "--tee", "sample", "--url", "https://127.0.0.1:1",
                               "--initdata", "/nonexistent/init.toml"});
  EXPECT_EQ(init.code, kExitUsage);
  EXPECT_TRUE(init.err.starts_with("attest-cli: --initdata: ")) << init.err;
  const CliRun token =
      run_cli({"get-resource", "--url", "https://127.0.0.1:1", "--token-file", "/nonexistent/token",
               "--token-key", "/nonexistent/key.pem", "kbs:///a/b/c"});
  EXPECT_EQ(token.code, kExitUsage);
  EXPECT_TRUE(token.err.starts_with("attest-cli: --token-file: ")) << token.err;
}

// Issue 9 item 3: Trustee's tpm and Azure verifiers check PCR8 = SHA-256(0^32 || digest) with a
// 32-byte digest, so other init-data algorithms are refused here, before any KBS request.
TEST(KbsCommands, NonSha256InitDataOnTpmIsRefusedBeforeAnyKbsTraffic) {
  http::testing::CannedServer kbs({});
  const std::string url = "http://127.0.0.1:" + std::to_string(kbs.port());
  for (const std::string tee : {"tpm", "az-snp-vtpm", "az-tdx-vtpm"}) {
    for (const std::string alg : {"sha384", "sha512"}) {
      testing::FakeOs os;
      const std::string toml = "version = \"0.1.0\"\nalgorithm = \"" + alg + "\"\n[data]\n";
      os.add_file("/etc/init.toml", Bytes(toml.begin(), toml.end()));
      std::ostringstream out;
      std::ostringstream err;
      Context ctx{os, out, err, {}};
      const int code = run({"attest-cli", "get-resource", "--tee", tee, "--url", url,
                            "--insecure-http", "--initdata", "/etc/init.toml", "kbs:///a/b/c"},
                           ctx);
      EXPECT_EQ(code, kExitUsage) << tee << " " << alg;
      EXPECT_EQ(err.str(), "attest-cli: init-data algorithm " + alg + " cannot be verified on " +
                               tee +
                               ": Trustee checks PCR8 = SHA-256(0^32 || digest) with a 32-byte "
                               "digest; use algorithm = \"sha256\"\n");
      EXPECT_EQ(out.str(), "");
    }
  }
  EXPECT_EQ(kbs.connections(), 0);
}

TEST(KbsCommands, MalformedInitDataIsAUsageError) {
  testing::FakeOs os;
  const std::string toml = "version = \"0.1.0\"\n[data]\n";
  os.add_file("/etc/init.toml", Bytes(toml.begin(), toml.end()));
  std::ostringstream out;
  std::ostringstream err;
  Context ctx{os, out, err, {}};
  const int code = run({"attest-cli", "attest", "--tee", "sample", "--url", "https://127.0.0.1:1",
                        "--initdata", "/etc/init.toml"},
                       ctx);
  EXPECT_EQ(code, kExitUsage);
  EXPECT_EQ(err.str(), "attest-cli: init-data: `algorithm` is missing or not a string\n");
}

TEST(KbsCommands, HelpShowsTheExitCodes) {
  const CliRun r = run_cli({"get-resource", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("5 network: connection refused, TLS failure"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--token-key"), std::string::npos);
}

}  // namespace
}  // namespace attest::cli
