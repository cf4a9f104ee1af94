// Issue 10's leak gate for the CLI path: a full attest-cli flow against the independent test KBS
// (background check and passport mode), then again under every fault the test KBS can inject.
// Every stdout/stderr the runs produce, except the secret a get-resource asked for, is scanned
// for the secret, the token and the TEE private key in every encoding (tests/fakes/leak_scanner).
// The agent's run goes through the same scanner in tests/unit/daemon/agent_gates_test.cpp.
#include <openssl/rand.h>

#include <gtest/gtest.h>

#include "cli/exit_codes.h"
#include "tests/fakes/leak_scanner.h"
#include "tests/fakes/test_kbs.h"

namespace attest::testing {
namespace {

constexpr const char* kUri = "kbs:///default/leak/key";

// Every fault of tests/kbs/README.md "Faults", in every scope it acts on, with the flows it can
// reach: `get-resource` (background check), `get-resource` in passport mode (no /auth, no
// /attest) and `attest`. Durations are short: the gate is about what messages say, not timing.
struct Fault {
  std::string spec;
  bool background = true;
  bool passport = true;
  bool attest = true;
};
Fault before_resource(std::string spec) { return {std::move(spec), true, false, true}; }
Fault at_resource(std::string spec) { return {std::move(spec), true, true, false}; }

const std::vector<Fault> kFaults{
    before_resource("version-mismatch"),
    before_resource("version-mismatch=0.3.0"),
    before_resource("wrong-nonce"),
    before_resource("expired-session=auth"),
    {"expired-session=attested", true, false, false},
    {"expired-token", true, false, false},
    before_resource("bad-selected-hash=sha512"),
    at_resource("unauthorized-first-get"),
    before_resource("http-500-once@auth"),
    before_resource("http-500-once@attest"),
    at_resource("http-500-once@resource"),
    before_resource("http-503-always@auth"),
    before_resource("http-503-always@attest"),
    at_resource("http-503-always@resource"),
    before_resource("http-429-retry-after=0@attest"),
    at_resource("http-429-retry-after=0@resource"),
    {"slow-response=0.2@any"},
    before_resource("hang=4@auth"),
    at_resource("hang=4@resource"),
    before_resource("drop-connection@auth"),
    before_resource("drop-connection@attest"),
    at_resource("drop-connection@resource"),
    before_resource("truncated-json@auth"),
    before_resource("truncated-json@attest"),
    at_resource("truncated-json@resource"),
    before_resource("malformed-json@auth"),
    before_resource("malformed-json@attest"),
    at_resource("malformed-json@resource"),
    before_resource("wrong-shape-json@auth"),
    before_resource("wrong-shape-json@attest"),
    at_resource("wrong-shape-json@resource"),
    before_resource("oversized-body=300000@attest"),
    at_resource("oversized-body=300000@resource"),
    at_resource("corrupt-jwe-tag"),
    at_resource("padded-b64url"),
};

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) std::abort();  // test error
  return b;
}

class CliLeakScan : public ::testing::Test {
 protected:
  void SetUp() override {
    KbsConfig c;
    c.resources["default/leak/key"] = secret_;
    c.policy = "allow-all";
    kbs_ = std::make_unique<TestKbs>(c);
    ASSERT_TRUE(kbs_->running()) << "test KBS did not start:\n" << kbs_->log();
    ASSERT_TRUE(scanner_.add_value("resource secret", secret_));
  }

  ProcessResult cli(std::vector<std::string> args) {
    args.insert(args.end(), {"--url", kbs_->url(), "--insecure-http", "--timeout", "2"});
    return run_cli(args, scratch_);
  }

  // stdout of a get-resource that succeeded is the requested secret: scanned for everything
  // else (token, key); everything else is scanned for all.
  void scan(const std::string& what, const ProcessResult& r, bool stdout_is_the_secret) {
    ++runs_;
    scanner_.scan(what + " stderr", r.err);
    if (stdout_is_the_secret && r.exit_code == cli::kExitOk) {
      LeakScanner others = scanner_without_secret();
      others.scan(what + " stdout", r.out);
      for (const auto& f : others.findings()) ADD_FAILURE() << f;
    } else {
      scanner_.scan(what + " stdout", r.out);
    }
  }

  LeakScanner scanner_without_secret() const {
    LeakScanner s;
    (void)s.add_token("token", token_);
    (void)s.add_private_key_pem("tee key", key_pem_);
    return s;
  }

  // attest --key-out: the token and the TEE private key it hands over (files, not stdout).
  void attest_for_passport() {
    const auto r = cli({"attest", "--tee", "sample", "--key-alg", "ec-p256", "--key-out",
                        (out_ / "key.pem").string(), "-o", (out_ / "token").string()});
    ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
    scan("attest", r, false);
    token_ = read_text_file(out_ / "token");
    if (token_.ends_with('\n')) token_.pop_back();
    key_pem_ = read_text_file(out_ / "key.pem");
    ASSERT_TRUE(scanner_.add_token("token", token_)) << token_;
    ASSERT_TRUE(scanner_.add_private_key_pem("tee key", key_pem_));
  }

  std::vector<std::string> passport_args() const {
    return {"get-resource",
            "--token-file",
            (out_ / "token").string(),
            "--token-key",
            (out_ / "key.pem").string(),
            kUri};
  }

  const Bytes secret_ = random_bytes(48);
  std::unique_ptr<TestKbs> kbs_;
  TempDir scratch_;
  TempDir out_;
  LeakScanner scanner_;
  std::string token_;
  std::string key_pem_;
  int runs_ = 0;
};

TEST_F(CliLeakScan, NoSecretTokenOrKeyInAnyOutputOfTheFullFlowOrAnyFault) {
  ASSERT_NO_FATAL_FAILURE(attest_for_passport());

  // The happy paths first: each must really deliver, or the scan proves nothing.
  const auto bg = cli({"get-resource", "--tee", "sample", kUri});
  ASSERT_EQ(bg.exit_code, cli::kExitOk) << bg.err;
  ASSERT_EQ(bg.out, to_string(secret_));
  scan("get-resource", bg, true);
  const auto pp = cli(passport_args());
  ASSERT_EQ(pp.exit_code, cli::kExitOk) << pp.err;
  ASSERT_EQ(pp.out, to_string(secret_));
  scan("passport get-resource", pp, true);
  const auto b64 = cli({"get-resource", "--tee", "sample", "--base64", kUri});
  ASSERT_EQ(b64.exit_code, cli::kExitOk) << b64.err;
  scan("get-resource --base64", b64, true);
  const auto file = cli({"get-resource", "--tee", "sample", "-o", (out_ / "s").string(), kUri});
  ASSERT_EQ(file.exit_code, cli::kExitOk) << file.err;
  ASSERT_EQ(read_text_file(out_ / "s"), to_string(secret_));
  scan("get-resource -o", file, false);

  int runs = 0;
  int failures = 0;
  for (const auto& fault : kFaults) {
    SCOPED_TRACE(fault.spec);
    const std::vector<std::pair<bool, std::string>> modes{
        {fault.background, "background"}, {fault.passport, "passport"}, {fault.attest, "attest"}};
    for (const auto& [wanted, mode] : modes) {
      if (!wanted) continue;
      ASSERT_TRUE(kbs_->reset());
      ASSERT_TRUE(kbs_->set_faults({fault.spec})) << "test KBS refused fault " << fault.spec;
      ProcessResult r;
      if (mode == "background") {
        r = cli({"get-resource", "--tee", "sample", kUri});
      } else if (mode == "passport") {
        r = cli(passport_args());
      } else {
        r = cli({"attest", "--tee", "sample", "-o", (out_ / "fault-token").string()});
        std::filesystem::remove(out_ / "fault-token");
      }
      ++runs;
      failures += r.exit_code != cli::kExitOk ? 1 : 0;
      scan(mode + " [" + fault.spec + "]", r, mode != "attest");
    }
  }
  // Most faults must have bitten (some are retried into success), or the error paths were
  // never scanned.
  EXPECT_GT(failures, runs / 2) << failures << " of " << runs << " runs failed";

  for (const auto& f : scanner_.findings()) ADD_FAILURE() << f;

  // Canaries: the values registered above are the real ones, in forms the scanner does catch.
  LeakScanner probe = scanner_;
  const std::size_t before = probe.findings().size();
  probe.scan("canary secret", "x" + base64_encode(secret_, Base64::Url, false) + "x");
  probe.scan("canary token", "Authorization: Bearer " + token_);
  probe.scan("canary key", key_pem_.substr(key_pem_.find('\n') + 1, 64));
  EXPECT_EQ(probe.sources_scanned(), scanner_.sources_scanned() + 3);
  EXPECT_GE(probe.findings().size(), before + 3);
  EXPECT_GT(scanner_.patterns(), 20u);
  RecordProperty("runs", runs_);
  RecordProperty("bytes_scanned", static_cast<int>(scanner_.bytes_scanned()));
}

}  // namespace
}  // namespace attest::testing
