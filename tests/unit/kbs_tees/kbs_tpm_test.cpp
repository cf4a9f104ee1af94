// The real attest-cli binary with TPM evidence from a private swtpm against the independent test
// KBS: the AK is provisioned with `attest-cli tpm provision-ak`, the test KBS verifies the quote
// signature with ak_public, the PCR digest and the extraData binding, and releases the exact
// secret for every key algorithm. Evidence changed on its way (another AK, a flipped signature
// bit, a changed PCR or extraData) is refused, with the cause in the KBS log.
#include <gtest/gtest.h>

#include <functional>

#include "agent/kbs/http_client.h"
#include "agent/kbs/rcar_client.h"
#include "cli/exit_codes.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/swtpm.h"
#include "tests/fakes/test_kbs.h"
#include "tests/unit/kbs_tees/kbs_tees.h"

namespace attest::testing {
namespace {

// The real TPM provider with its evidence JSON changed before the KBS client sends it.
class TamperingProvider final : public EvidenceProvider {
 public:
  using Tamper = std::function<void(nlohmann::json&)>;
  TamperingProvider(std::unique_ptr<EvidenceProvider> inner, Tamper tamper)
      : inner_(std::move(inner)), tamper_(std::move(tamper)) {}
  TeeKind kind() const override { return inner_->kind(); }
  Result<Evidence> get_evidence(ByteView report_data) override {
    auto ev = inner_->get_evidence(report_data);
    if (ev) tamper_(ev->json);
    return ev;
  }

 private:
  std::unique_ptr<EvidenceProvider> inner_;
  Tamper tamper_;
};

// Flips one bit of the byte at `offset` (from the end when negative) of a std base64 field.
void flip_bit(nlohmann::json& field, std::ptrdiff_t offset) {
  auto bytes = base64_decode(field.get<std::string>());
  ASSERT_TRUE(bytes);
  ASSERT_GT(bytes->size(), 0u);
  const auto size = static_cast<std::ptrdiff_t>(bytes->size());
  (*bytes)[static_cast<std::size_t>(offset < 0 ? size + offset : offset)] ^= 0x01;
  field = base64_encode(*bytes);
}

// The base64 body of a PEM (= std base64 of the DER).
std::string pem_body(const std::string& pem) {
  std::string body;
  std::size_t pos = 0;
  while (pos < pem.size()) {
    const auto end = std::min(pem.find('\n', pos), pem.size());
    const std::string line = pem.substr(pos, end - pos);
    if (!line.starts_with("-----")) body += line;
    pos = end + 1;
  }
  return body;
}

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
                    "-o", (scratch_ / "ak.pem").string()},
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
  EXPECT_FALSE((*claims)["pcrs"].empty());
  for (const auto& pcr : (*claims)["pcrs"]) EXPECT_EQ(pcr.get<std::string>().size(), 64u);
}

TEST_F(KbsTpm, AnEcdsaAkIsVerifiedToo) {
  const auto ak = provision_ak("ecc");
  ASSERT_EQ(ak.exit_code, cli::kExitOk) << ak.err;
  const auto r = kbs_command("get-resource", {"--key-alg", "ec-p256"});
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err << "\nKBS log:\n" << kbs_->log();
  EXPECT_EQ(r.out, kTeeSecretText);
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

struct TamperCase {
  std::string name;
  TamperingProvider::Tamper tamper;
  std::string kbs_log;  // the cause the test KBS logs
};

TEST_F(KbsTpm, TamperedEvidenceIsRefused) {
  ASSERT_EQ(provision_ak().exit_code, cli::kExitOk);
  // The RSA AK of another TPM: a real, well-formed key, but not the one that signed. (A second
  // AK on the same TPM would be the same key: primaries derive from the hierarchy seed.)
  auto other_tpm = Swtpm::start();
  ASSERT_TRUE(other_tpm) << other_tpm.error().message;
  const auto other_pem = scratch_ / "other-ak.pem";
  const auto other = run_cli(
      {"tpm", "provision-ak", "--tcti", (*other_tpm)->tcti(), "-o", other_pem.string()}, scratch_);
  ASSERT_EQ(other.exit_code, cli::kExitOk) << other.err;
  ASSERT_NE(read_text_file(other_pem), read_text_file(scratch_ / "ak.pem"));
  const std::string other_ak = pem_body(read_text_file(other_pem));

  bypass_proxy_for_loopback();  // the KBS client runs in this process
  kbs::HttpOptions h;
  h.allow_insecure_http = true;
  h.retry.max_attempts = 1;
  h.overall_timeout = std::chrono::seconds(10);
  auto http = kbs::CurlHttpClient::create(h);
  ASSERT_TRUE(http) << http.error().message;
  FakeOs os;  // no event log, no /sys: the TPM itself is reached over the TCTI
  ProviderConfig cfg;
  cfg.tcti = tcti();

  const TamperCase cases[] = {
      {"untouched", [](nlohmann::json&) {}, "attested (tee tpm)"},
      {"another AK", [&](nlohmann::json& j) { j["ak_public"] = other_ak; },
       "TPM quote signature does not verify with the AK"},
      {"flipped signature bit",
       [](nlohmann::json& j) { flip_bit(j["tpm_quote"]["signature"], -1); },
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
         flip_bit(j["tpm_quote"]["message"], static_cast<std::ptrdiff_t>(8 + signer + 2));
       },
       "TPM quote extraData does not match the runtime data digest"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto inner = make_provider(TeeKind::Tpm, os, cfg);
    ASSERT_TRUE(inner) << inner.error().message;
    TamperingProvider provider(std::move(*inner), c.tamper);
    kbs::KbsClientOptions opts;
    opts.base_url = kbs_->url();
    kbs::KbsClient client(**http, provider, std::move(opts));
    const auto log_before = kbs_->log().size();
    const auto token = client.attest();
    if (c.name == "untouched") {
      ASSERT_TRUE(token) << token.error().message << "\nKBS log:\n" << kbs_->log();
    } else {
      ASSERT_FALSE(token);
      EXPECT_EQ(token.error().code, Code::Unauthenticated) << token.error().message;
    }
    EXPECT_NE(kbs_->log().substr(log_before).find(c.kbs_log), std::string::npos)
        << kbs_->log().substr(log_before);
  }
}

}  // namespace
}  // namespace attest::testing
