// The real attest-cli binary with TPM evidence from a private swtpm against the independent test
// KBS: the AK is provisioned with `attest-cli tpm provision-ak`, the test KBS verifies the quote
// signature with ak_public, the PCR digest and the extraData binding, and releases the exact
// secret for every key algorithm. Evidence changed on its way (another AK, a flipped signature
// bit, a changed PCR or extraData) is refused, with the cause in the KBS log.
#include <gtest/gtest.h>

#include "cli/exit_codes.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/swtpm.h"
#include "tests/fakes/test_kbs.h"
#include "tests/unit/kbs_tees/kbs_tees.h"

namespace attest::testing {
namespace {

class KbsTpm : public SwtpmTest {
 protected:
  static void SetUpTestSuite() {
    KbsConfig c;
    c.resources[kTeeResource] = kTeeSecret;
    kbs_ = new TestKbs(c);
  }
  static void TearDownTestSuite() {
    delete kbs_;
    kbs_ = nullptr;
  }
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;  // swtpm did not start: the failure is already reported
    ASSERT_TRUE(kbs_->running()) << "test KBS did not start:\n" << kbs_->log();
    ASSERT_TRUE(kbs_->reset());
  }

  ProcessResult provision_ak(const std::string& alg = "rsa") {
    return run_cli({"tpm", "provision-ak", "--tcti", tcti(), "--handle", "0x81010002", "--alg", alg,
                    "--format", "pem", "-o", (scratch_ / "ak.pem").string()},
                   scratch_);
  }
  // `command` (get-resource or attest) with TPM evidence from this swtpm; `extra` before the URI.
  ProcessResult kbs_command(const std::string& command, std::vector<std::string> extra) {
    std::vector<std::string> args{command,     "--tee", "tpm",       "--tcti",
                                  tcti(),      "--url", kbs_->url(), "--insecure-http",
                                  "--timeout", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (command == "get-resource") args.push_back(kTeeUri);
    return run_cli(args, scratch_);
  }

  static TestKbs* kbs_;
  TempDir scratch_;
};

TestKbs* KbsTpm::kbs_ = nullptr;

TEST_F(KbsTpm, EveryKeyAlgorithmReleasesTheExactSecret) {
  const auto ak = provision_ak();
  ASSERT_EQ(ak.exit_code, cli::kExitOk) << ak.err;
  EXPECT_EQ(ak.err, "attest-cli: rsa AK persisted at 0x81010002\n");
  for (const auto& alg : kKeyAlgs) {
    SCOPED_TRACE(alg);
    const auto file = scratch_ / ("secret-" + alg);
    const auto r = kbs_command("get-resource", {"--key-alg", alg, "-o", file.string()});
    ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err << "\nKBS log:\n" << kbs_->log();
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(read_text_file(file), kTeeSecretText);
    EXPECT_EQ(file_mode(file), 0600u);
  }
  auto stats = kbs_->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["responses"]["attest"], nlohmann::json({{"200", 3}}));
  EXPECT_EQ((*stats)["responses"]["resource"], nlohmann::json({{"200", 3}}));
}

TEST_F(KbsTpm, TheTokenCarriesTheClaimsOfTheVerifiedQuote) {
  ASSERT_EQ(provision_ak().exit_code, cli::kExitOk);
  const auto token_file = scratch_ / "token";
  const auto r = kbs_command("attest", {"-o", token_file.string()});
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err << "\nKBS log:\n" << kbs_->log();
  std::string token = read_text_file(token_file);
  ASSERT_TRUE(token.ends_with("\n"));
  token.pop_back();
  // verify_tpm returns claims only after the signature, pcrDigest and extraData checks passed.
  const auto claims = verified_claims(token, "tpm");
  ASSERT_TRUE(claims) << token;
  EXPECT_EQ((*claims)["report_data"].get<std::string>().size(), 64u);  // 32-byte extraData
  ASSERT_TRUE((*claims)["pcrs"].is_array());
  EXPECT_EQ((*claims)["pcrs"].size(), 24u);  // SHA-256 PCRs 0-23
  for (const auto& pcr : (*claims)["pcrs"]) EXPECT_EQ(pcr.get<std::string>().size(), 64u);
}

// Trustee's tpm verifier takes RSASSA quotes only: an ECC AK is refused here, before /attest,
// with the way out, instead of after a whole handshake with a verifier's message.
TEST_F(KbsTpm, AnEcdsaAkIsRefusedBeforeAttesting) {
  const auto ak = provision_ak("ecc");
  ASSERT_EQ(ak.exit_code, cli::kExitOk) << ak.err;
  const auto r = kbs_command("get-resource", {"--key-alg", "ec-p256"});
  EXPECT_EQ(r.exit_code, cli::kExitDevice) << r.err;
  EXPECT_NE(r.err.find("is not an RSA key; Trustee's tpm verifier accepts only RSASSA quotes"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
  auto stats = kbs_->stats();
  ASSERT_TRUE(stats);
  EXPECT_FALSE((*stats)["requests"].contains("attest")) << stats->dump();
}

TEST_F(KbsTpm, WrongNonceIsRefusedWithExit6) {
  ASSERT_EQ(provision_ak().exit_code, cli::kExitOk);
  ASSERT_TRUE(kbs_->set_faults({"wrong-nonce"}));
  const auto file = scratch_ / "secret";
  const auto r = kbs_command("get-resource", {"-o", file.string()});
  EXPECT_EQ(r.exit_code, cli::kExitAttestationRefused) << r.err;
  EXPECT_NE(r.err.find("KBS refused the evidence (401 AttestationError"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_NE(kbs_->log().find("nonce mismatch"), std::string::npos) << kbs_->log();
}

TEST_F(KbsTpm, NoAkProvisionedFailsBeforeTheKbsReleasesAnything) {
  const auto r = kbs_command("get-resource", {"-o", (scratch_ / "secret").string()});
  EXPECT_EQ(r.exit_code, cli::kExitDevice) << r.err;
  EXPECT_NE(r.err.find("0x81010002"), std::string::npos) << r.err;
  auto stats = kbs_->stats();
  ASSERT_TRUE(stats);
  EXPECT_FALSE((*stats)["requests"].contains("resource")) << stats->dump();
}

TEST_F(KbsTpm, TamperedEvidenceIsRefused) {
  ASSERT_EQ(provision_ak().exit_code, cli::kExitOk);
  // The RSA AK of another TPM: a real, well-formed key, but not the one that signed. (A second
  // AK on the same TPM would be the same key: primaries derive from the hierarchy seed.)
  auto other_tpm = Swtpm::start();
  ASSERT_TRUE(other_tpm) << other_tpm.error().message;
  const auto other_pem = scratch_ / "other-ak.pem";
  const auto other = run_cli({"tpm", "provision-ak", "--tcti", (*other_tpm)->tcti(), "--format",
                              "pem", "-o", other_pem.string()},
                             scratch_);
  ASSERT_EQ(other.exit_code, cli::kExitOk) << other.err;
  ASSERT_NE(read_text_file(other_pem), read_text_file(scratch_ / "ak.pem"));
  const std::string other_ak = pem_body(read_text_file(other_pem));

  FakeOs os;  // no event log, no /sys: the TPM itself is reached over the TCTI
  ProviderConfig cfg;
  cfg.tcti = tcti();

  const std::vector<TamperCase> cases = {
      {"untouched", nullptr, "attested (tee tpm)"},
      {"another AK", [&](nlohmann::json& j) { j["ak_public"] = other_ak; },
       "TPM quote signature does not verify with the AK"},
      {"flipped signature bit",
       [](nlohmann::json& j) { flip_bit_b64(j["tpm_quote"]["signature"], -1); },
       "TPM quote signature does not verify with the AK"},
      {"changed PCR value",
       [](nlohmann::json& j) { j["tpm_quote"]["pcrs"][0] = std::string(64, 'a'); },
       "TPM quote pcrDigest does not match the listed PCR values"},
      // TPMS_ATTEST: magic(4) type(2) qualifiedSigner(TPM2B) extraData(TPM2B) ...
      {"changed extraData",
       [](nlohmann::json& j) {
         auto msg = base64_decode(j["tpm_quote"]["message"].get<std::string>());
         ASSERT_TRUE(msg);
         ASSERT_GT(msg->size(), 8u);
         const std::size_t signer = (std::size_t{(*msg)[6]} << 8) | (*msg)[7];
         flip_bit_b64(j["tpm_quote"]["message"], static_cast<std::ptrdiff_t>(8 + signer + 2));
       },
       "TPM quote extraData does not match the runtime data digest"},
  };
  expect_tamper_outcomes(
      cases, [&] { return make_provider(TeeKind::Tpm, os, cfg); }, *kbs_);
}

}  // namespace
}  // namespace attest::testing
