// attest-cli with a configuration file: --config, ATTEST_CONFIG, and the precedence
// flag > environment > file > built-in default.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/scoped_env.h"
#include "tests/fakes/split_os.h"
#include "tests/unit/config/temp_config.h"
#include "tests/unit/kbs/canned_server.h"

namespace attest::cli {
namespace {

using Args = std::vector<std::string>;
using http::testing::CannedServer;
using testing::ScopedEnv;
using testing::TempConfigDir;

struct CliRun {
  int code;
  std::string out;
  std::string err;
  ProviderConfig providers;  // as the command saw it
};

CliRun run_cli(const Args& args, const std::filesystem::path& default_config = {}) {
  testing::FakeOs fake;
  // The config files the tests write are real files under the temporary directory.
  testing::SplitOs os(fake, {std::filesystem::temp_directory_path()});
  std::ostringstream out;
  std::ostringstream err;
  Context ctx{os, out, err, {}};
  ctx.default_config = default_config;
  Args full{"attest-cli"};
  full.insert(full.end(), args.begin(), args.end());
  const int code = run(full, ctx);
  return {code, out.str(), err.str(), ctx.providers};
}

class CliConfig : public ::testing::Test {
 protected:
  ScopedEnv no_tcti_{"ATTEST_TCTI", nullptr};
  ScopedEnv no_config_{"ATTEST_CONFIG", nullptr};
  TempConfigDir dir_;
};

const Args kSampleEvidence{"get-evidence", "--tee", "sample", "--report-data", "00"};

Args with_config(const std::filesystem::path& p, const Args& rest) {
  Args a{"--config", p.string()};
  a.insert(a.end(), rest.begin(), rest.end());
  return a;
}

TEST_F(CliConfig, TctiPrecedenceIsFlagThenEnvironmentThenFileThenDefault) {
  const auto file = dir_.write("c.toml", "[evidence]\ntcti = \"mssim:port=1\"\n");

  auto builtin = run_cli(kSampleEvidence);
  ASSERT_EQ(builtin.code, kExitOk) << builtin.err;
  EXPECT_EQ(builtin.providers.tcti, "device:/dev/tpmrm0");

  auto from_file = run_cli(with_config(file, kSampleEvidence));
  ASSERT_EQ(from_file.code, kExitOk) << from_file.err;
  EXPECT_EQ(from_file.providers.tcti, "mssim:port=1");

  {
    ScopedEnv env("ATTEST_TCTI", "mssim:port=2");
    auto from_env = run_cli(with_config(file, kSampleEvidence));
    ASSERT_EQ(from_env.code, kExitOk) << from_env.err;
    EXPECT_EQ(from_env.providers.tcti, "mssim:port=2");

    Args flagged = with_config(file, kSampleEvidence);
    flagged.insert(flagged.end(), {"--tcti", "mssim:port=3"});
    auto from_flag = run_cli(flagged);
    ASSERT_EQ(from_flag.code, kExitOk) << from_flag.err;
    EXPECT_EQ(from_flag.providers.tcti, "mssim:port=3");
  }
}

TEST_F(CliConfig, EvidenceSectionReachesTheProviderConfig) {
  const auto file = dir_.write("c.toml", R"([evidence]
ak_handle = 0x81000003
tsm_report_dir = "/x/tsm"
tpm_eventlog = "/x/log"
ccel_path = "/x/ccel"
snp_vmpl = 1
)");
  auto r = run_cli(with_config(file, kSampleEvidence));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.providers.tpm_ak_handle, 0x81000003u);
  EXPECT_EQ(r.providers.tsm_report_dir, "/x/tsm");
  EXPECT_EQ(r.providers.tpm_eventlog, "/x/log");
  EXPECT_EQ(r.providers.ccel_data, "/x/ccel");
  EXPECT_EQ(r.providers.snp_vmpl, 1u);
}

TEST_F(CliConfig, TeeFromTheFileUnlessTheFlagSaysOtherwise) {
  // FakeOs has no TEE: auto-detection fails, the file's "sample" does not.
  auto detect = run_cli({"get-evidence", "--report-data", "00"});
  EXPECT_EQ(detect.code, kExitDevice) << detect.err;
  const auto sample = dir_.write("s.toml", "[evidence]\ntee = \"sample\"\n");
  auto from_file = run_cli(with_config(sample, {"get-evidence", "--report-data", "00"}));
  ASSERT_EQ(from_file.code, kExitOk) << from_file.err;
  EXPECT_NE(from_file.out.find("\"svn\""), std::string::npos) << from_file.out;

  const auto tdx = dir_.write("t.toml", "[evidence]\ntee = \"tdx\"\n");
  auto flag = run_cli(with_config(tdx, {"get-evidence", "--tee", "sample", "--report-data", "00"}));
  EXPECT_EQ(flag.code, kExitOk) << flag.err;
}

TEST_F(CliConfig, AttestConfigEnvironmentNamesTheFile) {
  const auto file = dir_.write("c.toml", "[evidence]\ntcti = \"mssim:port=4\"\n");
  ScopedEnv env("ATTEST_CONFIG", file.c_str());
  auto r = run_cli(kSampleEvidence);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.providers.tcti, "mssim:port=4");
  // --config wins over ATTEST_CONFIG.
  const auto other = dir_.write("d.toml", "[evidence]\ntcti = \"mssim:port=5\"\n");
  auto flagged = run_cli(with_config(other, kSampleEvidence));
  ASSERT_EQ(flagged.code, kExitOk) << flagged.err;
  EXPECT_EQ(flagged.providers.tcti, "mssim:port=5");
}

TEST_F(CliConfig, DefaultFileIsReadWhenPresentAndSkippedWhenMissing) {
  const auto file = dir_.write("config.toml", "[evidence]\ntcti = \"mssim:port=6\"\n");
  auto present = run_cli(kSampleEvidence, file);
  ASSERT_EQ(present.code, kExitOk) << present.err;
  EXPECT_EQ(present.providers.tcti, "mssim:port=6");
  auto missing = run_cli(kSampleEvidence, dir_.path() / "absent.toml");
  ASSERT_EQ(missing.code, kExitOk) << missing.err;
  EXPECT_EQ(missing.providers.tcti, "device:/dev/tpmrm0");
}

TEST_F(CliConfig, BadFilesAreUsageErrorsButHelpStillWorks) {
  const auto typo = dir_.write("typo.toml", "[kbs]\nulr = \"https://k\"\n");
  auto r = run_cli(with_config(typo, kSampleEvidence));
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err, "attest-cli: " + typo.string() +
                       ":2: unknown key 'ulr' in [kbs] (known: url, cert_file, trust_system_store, "
                       "pin_sha256, client_cert, client_key, key_alg, timeout_seconds, "
                       "insecure_http, initdata_file)\n");

  const auto open = dir_.write("open.toml", "", 0666);
  auto unsafe = run_cli(with_config(open, kSampleEvidence));
  EXPECT_EQ(unsafe.code, kExitUsage);
  EXPECT_EQ(unsafe.err, "attest-cli: config file " + open.string() +
                            " is writable by group or others (mode 0666); it decides where "
                            "secrets come from: chmod go-w it\n");

  auto missing = run_cli(with_config(dir_.path() / "nope.toml", kSampleEvidence));
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_TRUE(missing.err.starts_with("attest-cli: config file " +
                                      (dir_.path() / "nope.toml").string() + ": "))
      << missing.err;

  auto help = run_cli(with_config(typo, {"--help"}));
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_NE(help.out.find("--config"), std::string::npos);
}

TEST_F(CliConfig, ExplicitConfigPathSpellings) {
  EXPECT_EQ(explicit_config_path({"attest-cli", "--config", "/a.toml", "get-evidence"}), "/a.toml");
  EXPECT_EQ(explicit_config_path({"attest-cli", "--config=/b.toml", "attest"}), "/b.toml");
  // After the subcommand it is not the global option.
  EXPECT_EQ(explicit_config_path({"attest-cli", "attest", "--config", "/c.toml"}), std::nullopt);
  EXPECT_EQ(explicit_config_path({"attest-cli"}), std::nullopt);
}

TEST_F(CliConfig, TrusteeSpellingKeepsConfigGlobal) {
  EXPECT_EQ(rewrite_trustee_args({"attest-cli", "--config", "/c.toml", "--url", "https://k",
                                  "get-resource", "--path", "a/b/c"}),
            (Args{"attest-cli", "--config", "/c.toml", "get-resource", "--url", "https://k",
                  "--base64", "--path", "a/b/c"}));
  const Args plain{"attest-cli", "--config", "/c.toml", "get-resource", "kbs:///a/b/c"};
  EXPECT_EQ(rewrite_trustee_args(plain), plain);
}

// 404 on /auth: the KBS at that URL has no such API (exit 3); what matters is who was asked.
const char* kNotFound = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

TEST_F(CliConfig, GetResourceTakesTheKbsUrlFromTheFile) {
  CannedServer kbs({kNotFound});
  const auto file = dir_.write("kbs.toml", "[kbs]\nurl = \"" + kbs.url("") +
                                               "\"\ninsecure_http = true\ntimeout_seconds = 20\n");
  auto r = run_cli(with_config(file, {"get-resource", "--tee", "sample", "kbs:///a/b/c"}));
  EXPECT_EQ(r.code, kExitDevice) << r.err;
  const auto requests = kbs.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].starts_with("POST /kbs/v0/auth HTTP/1.1\r\n")) << requests[0];
}

TEST_F(CliConfig, UrlFlagBeatsTheFile) {
  CannedServer from_file({kNotFound});
  CannedServer from_flag({kNotFound});
  const auto file =
      dir_.write("kbs.toml", "[kbs]\nurl = \"" + from_file.url("") + "\"\ninsecure_http = true\n");
  auto r = run_cli(with_config(
      file, {"get-resource", "--tee", "sample", "--url", from_flag.url(""), "kbs:///a/b/c"}));
  EXPECT_EQ(r.code, kExitDevice) << r.err;
  EXPECT_EQ(from_flag.requests().size(), 1u);
  EXPECT_EQ(from_file.requests().size(), 0u);
}

TEST_F(CliConfig, InsecureHttpIsNotImpliedByAFileUrl) {
  const auto file = dir_.write("kbs.toml", "[kbs]\nurl = \"http://127.0.0.1:1\"\n");
  auto r = run_cli(with_config(file, {"get-resource", "--tee", "sample", "kbs:///a/b/c"}));
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err,
            "attest-cli: refusing plain http:// for http://127.0.0.1:1; pass --insecure-http\n");
}

}  // namespace
}  // namespace attest::cli
