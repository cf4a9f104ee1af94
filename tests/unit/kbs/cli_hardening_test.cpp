// attest-cli argument checks from issue 9 that need no KBS: each fails before any device or
// network traffic (the end-to-end cases are in tests/unit/kbs_integration/kbs_hardening_test.cpp).
#include <gtest/gtest.h>

#include <new>
#include <sstream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "cli/output_options.h"
#include "tests/fakes/cli_in_process.h"
#include "tests/fakes/fake_os.h"

namespace attest::cli {
namespace {

using Args = std::vector<std::string>;

using testing::CliRun;

CliRun run_cli(const Args& args) { return testing::run_cli_in_process(args); }

// `-o "$UNSET"` in a boot script must not send a disk key to stdout (the journal).
TEST(CliHardening, EmptyOutputPathIsAUsageErrorEverywhere) {
  const Args cases[] = {
      {"get-resource", "--tee", "sample", "--url", "https://127.0.0.1:1", "-o", "", "a/b/c"},
      {"attest", "--tee", "sample", "--url", "https://127.0.0.1:1", "--output", ""},
      {"attest", "--tee", "sample", "--url", "https://127.0.0.1:1", "--key-out", ""},
      {"get-report", "--tee", "sample", "-o", ""},
      {"get-evidence", "--tee", "sample", "-o", ""},
      {"tpm", "provision-ak", "-o", ""},
  };
  for (const auto& args : cases) {
    SCOPED_TRACE(args[0] + " " + args[args.size() - 2]);
    const CliRun r = run_cli(args);
    EXPECT_EQ(r.code, kExitUsage) << r.err;
    EXPECT_NE(r.err.find("an empty path is not a file (is a variable unset?); use '-' for "
                         "standard output"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(CliHardening, SecretModes) {
  std::ostringstream warn;
  EXPECT_EQ(parse_secret_mode("0400", warn), 0400u);
  EXPECT_EQ(parse_secret_mode("600", warn), 0600u);
  EXPECT_EQ(warn.str(), "");
  EXPECT_EQ(parse_secret_mode("0444", warn), 0444u);
  EXPECT_EQ(warn.str(), "attest-cli: warning: --mode 0444 lets group or others read the secret\n");
  for (const char* bad :
       {"6777", "4400", "2400", "1400", "0644x", "0660", "0402", "0777", "", "8"}) {
    SCOPED_TRACE(bad);
    auto m = parse_secret_mode(bad, warn);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, Code::InvalidArgument);
    EXPECT_TRUE(m.error().message.starts_with("--mode")) << m.error().message;
  }
  EXPECT_EQ(parse_secret_mode("4400", warn).error().message,
            "--mode 4400: setuid, setgid and sticky bits make no sense on a secret");
  EXPECT_EQ(parse_secret_mode("0660", warn).error().message,
            "--mode 0660: group or others could overwrite the secret; use 0400 or 0600");
}

TEST(CliHardening, TokenIsRefusedOnTheCommandLine) {
  const CliRun r = run_cli({"get-resource", "--url", "https://127.0.0.1:1", "--token",
                            "eyJhbGciOi.secret.token", "--token-key", "k.pem", "a/b/c"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err,
            "attest-cli: --token would put the token in the command line, where every user sees "
            "it (ps, /proc/PID/cmdline); use --token-file PATH, or --token-file - for stdin\n");
  const CliRun help = run_cli({"get-resource", "--help"});
  EXPECT_EQ(help.out.find("--token "), std::string::npos) << "hidden from --help";
  EXPECT_NE(help.out.find("--token-file"), std::string::npos);
}

TEST(CliHardening, BadPinIsAUsageError) {
  const CliRun r = run_cli({"get-resource", "--tee", "sample", "--url", "https://127.0.0.1:1",
                            "--pin-sha256", "not-a-pin", "a/b/c"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_TRUE(
      r.err.starts_with("attest-cli: --pin-sha256 'not-a-pin': expected the base64 "
                        "SHA-256 of the server's public key"))
      << r.err;
}

// Exit 134 (an uncaught std::bad_alloc) is outside the documented codes.
TEST(CliHardening, AllocationFailureIsReportedNotAborted) {
  auto r = call_command([]() -> Result<void> { throw std::bad_alloc(); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Internal);
  EXPECT_EQ(r.error().message, "out of memory");
  EXPECT_EQ(exit_code_for(r.error()), kExitInternal);
  auto other = call_command([]() -> Result<void> { throw std::runtime_error("boom"); });
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message, "unexpected exception: boom");
  EXPECT_TRUE(call_command([]() -> Result<void> { return {}; }));
}

}  // namespace
}  // namespace attest::cli
