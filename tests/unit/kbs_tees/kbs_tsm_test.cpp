// attest-cli get-resource run in-process (cli::run) with TDX, SNP and CCA evidence from the fake
// kernel ABI (configfs-tsm, /dev/sev-guest) behind the Os seam, talking real HTTP on loopback to
// the independent test KBS process, which checks the TDX quote signature and the report_data
// binding of each TEE, and releases the exact secret for every key algorithm. No binary can
// reach a fake kernel ABI, hence in-process.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "tests/fakes/fake_guest_devices.h"
#include "tests/fakes/fake_tsm.h"
#include "tests/fakes/split_os.h"
#include "tests/fakes/test_kbs.h"
#include "tests/unit/kbs_tees/kbs_tees.h"

namespace attest::testing {
namespace {

struct TeeCase {
  std::string tee;
  TsmProvider provider;
};

const TeeCase kTsmCases[] = {
    {"tdx", TsmProvider::TdxGuest},
    {"snp", TsmProvider::SevGuest},
    {"cca", TsmProvider::ArmCcaGuest},
};

class KbsTsm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bypass_proxy_for_loopback();  // curl runs in this process here
    KbsConfig c;
    c.resources[kTeeResource] = kTeeSecret;
    kbs_ = new TestKbs(c);
  }
  static void TearDownTestSuite() {
    delete kbs_;
    kbs_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(kbs_->running()) << "test KBS did not start:\n" << kbs_->log();
    ASSERT_TRUE(kbs_->reset());
  }

  // attest-cli <command> --tee <tee> --url <kbs> --insecure-http <extra...> in-process.
  int run(const std::string& command, const std::string& tee, std::vector<std::string> extra) {
    std::vector<std::string> args{"attest-cli", command,           "--tee",     tee, "--url",
                                  kbs_->url(),  "--insecure-http", "--timeout", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    out_.str("");
    err_.str("");
    // -o FILE names real files under the temporary directory.
    SplitOs os(*os_, {std::filesystem::temp_directory_path()});
    cli::Context ctx{os, out_, err_, {}};
    const int rc = cli::run(args, ctx);
    EXPECT_EQ(os_->open_handles(), 0);
    return rc;
  }
  int get_resource(const std::string& tee, const std::filesystem::path& file,
                   const std::string& alg = "ec-p256") {
    return run("get-resource", tee, {"--key-alg", alg, "-o", file.string(), kTeeUri});
  }
  // The claims the test KBS's verifier returned for this evidence (via `attest`).
  std::optional<nlohmann::json> attest_claims(const std::string& tee) {
    const auto token_file = scratch_ / ("token-" + tee);
    const int rc = run("attest", tee, {"-o", token_file.string()});
    EXPECT_EQ(rc, cli::kExitOk) << err_.str() << "\nKBS log:\n" << kbs_->log();
    std::string token = read_text_file(token_file);
    if (token.ends_with("\n")) token.pop_back();
    return verified_claims(token, tee);
  }
  void expect_secret(const std::filesystem::path& file) {
    EXPECT_EQ(read_text_file(file), kTeeSecretText);
    EXPECT_EQ(file_mode(file), 0600u);
    EXPECT_EQ(out_.str(), "");
    EXPECT_EQ(err_.str(), "");
  }

  static TestKbs* kbs_;
  // Replaced per TEE (a FakeTsm must not outlive it): one machine per TEE.
  std::unique_ptr<FakeOs> os_ = std::make_unique<FakeOs>();
  std::ostringstream out_;
  std::ostringstream err_;
  TempDir scratch_;
};

TestKbs* KbsTsm::kbs_ = nullptr;

// One test per TEE (each a few seconds: RSA and P-521 key generation dominate).
class KbsTsmEveryKeyAlg : public KbsTsm, public ::testing::WithParamInterface<TeeCase> {};

TEST_P(KbsTsmEveryKeyAlg, ReleasesTheExactSecret) {
  const TeeCase& c = GetParam();
  FakeTsm tsm(*os_, c.provider);
  for (const auto& alg : kKeyAlgs) {
    SCOPED_TRACE(alg);
    const auto file = scratch_ / ("secret-" + alg);
    ASSERT_EQ(get_resource(c.tee, file, alg), cli::kExitOk) << err_.str() << "\nKBS log:\n"
                                                            << kbs_->log();
    expect_secret(file);
  }
  EXPECT_EQ(tsm.entries_created(), kKeyAlgs.size());
  EXPECT_EQ(tsm.live_entries(), 0u);
  auto stats = kbs_->stats();
  ASSERT_TRUE(stats);
  const int runs = static_cast<int>(kKeyAlgs.size());
  EXPECT_EQ((*stats)["responses"]["attest"], nlohmann::json({{"200", runs}}));
  EXPECT_EQ((*stats)["responses"]["resource"], nlohmann::json({{"200", runs}}));
}

INSTANTIATE_TEST_SUITE_P(Tees, KbsTsmEveryKeyAlg, ::testing::ValuesIn(kTsmCases),
                         [](const auto& info) { return info.param.tee; });

TEST_F(KbsTsm, TheKbsVerifiedTheReportDataTheProviderWrote) {
  for (const auto& c : kTsmCases) {
    SCOPED_TRACE(c.tee);
    os_ = std::make_unique<FakeOs>();
    FakeTsm tsm(*os_, c.provider);
    const auto claims = attest_claims(c.tee);
    ASSERT_TRUE(claims) << "no " << c.tee << " claims in the token";
    const Bytes inblob = tsm.last_inblob();
    ASSERT_EQ(inblob.size(), 64u);
    // SHA-384 binding digest, zero-padded to the 64-byte report data.
    EXPECT_TRUE(std::all_of(inblob.begin() + 48, inblob.end(), [](auto b) { return b == 0; }));
    if (c.tee == "cca") {
      EXPECT_GT((*claims)["token_size"].get<int>(), 64);  // lenient verifier: size only
    } else {
      EXPECT_EQ((*claims)["report_data"], hex_encode(inblob));
    }
    if (c.tee == "tdx") {
      EXPECT_EQ((*claims)["quote"]["header"]["version"], 4);
    }
  }
}

TEST_F(KbsTsm, NegotiatedSha512FillsTheTdxReportData) {
  FakeTsm tsm(*os_, TsmProvider::TdxGuest);
  ASSERT_TRUE(kbs_->set_faults({"bad-selected-hash=sha512"}));
  const auto file = scratch_ / "secret";
  ASSERT_EQ(get_resource("tdx", file), cli::kExitOk) << err_.str() << "\n" << kbs_->log();
  expect_secret(file);
  const Bytes inblob = tsm.last_inblob();
  ASSERT_EQ(inblob.size(), 64u);
  // A SHA-384 digest leaves bytes 48..63 zero; 16 zero bytes of a SHA-512 digest: p = 2^-128.
  EXPECT_TRUE(std::any_of(inblob.begin() + 48, inblob.end(), [](auto b) { return b != 0; }));
}

TEST_F(KbsTsm, SnpOverTheIoctlDeviceWhenConfigfsIsAbsent) {
  auto dev = FakeSevGuestDevice::install(*os_);
  for (const auto& alg : kKeyAlgs) {
    SCOPED_TRACE(alg);
    const auto file = scratch_ / ("secret-" + alg);
    ASSERT_EQ(get_resource("snp", file, alg), cli::kExitOk) << err_.str() << "\nKBS log:\n"
                                                            << kbs_->log();
    expect_secret(file);
  }
  EXPECT_GE(dev->calls(), static_cast<int>(kKeyAlgs.size()));
}

TEST_F(KbsTsm, TamperedTdxQuoteIsRefused) {
  FakeTsm tsm(*os_, TsmProvider::TdxGuest);
  // Quote v4: 48-byte header, then the TD report body (MRTD at body+136, report data at 0x238).
  const std::vector<TamperCase> cases = {
      {"untouched", nullptr, "attested (tee tdx)"},
      {"changed MRTD", [](nlohmann::json& j) { flip_bit_b64(j["quote"], 48 + 136); },
       "TDX quote signature does not verify with its attestation key"},
      {"changed report data", [](nlohmann::json& j) { flip_bit_b64(j["quote"], 0x238); },
       "TDX report_data does not match the runtime data digest"},
      {"flipped signature bit", [](nlohmann::json& j) { flip_bit_b64(j["quote"], 48 + 584 + 4); },
       "TDX quote signature does not verify with its attestation key"},
  };
  expect_tamper_outcomes(
      cases, [&] { return make_provider(TeeKind::Tdx, *os_, ProviderConfig{}); }, *kbs_);
}

TEST_F(KbsTsm, TamperedSnpReportDataIsRefused) {
  FakeTsm tsm(*os_, TsmProvider::SevGuest);
  const std::vector<TamperCase> cases = {
      {"untouched", nullptr, "attested (tee snp)"},
      {"changed report data",
       [](nlohmann::json& j) {
         auto& rd = j["attestation_report"]["report_data"];
         ASSERT_TRUE(rd.is_array());
         rd[0] = rd[0].get<int>() ^ 1;
       },
       "SNP report_data does not match the runtime data digest"},
  };
  expect_tamper_outcomes(
      cases, [&] { return make_provider(TeeKind::Snp, *os_, ProviderConfig{}); }, *kbs_);
}

TEST_F(KbsTsm, WrongNonceIsRefusedWithExit6AndNoFile) {
  FakeTsm tsm(*os_, TsmProvider::TdxGuest);
  ASSERT_TRUE(kbs_->set_faults({"wrong-nonce"}));
  const auto file = scratch_ / "secret";
  EXPECT_EQ(get_resource("tdx", file), cli::kExitAttestationRefused) << err_.str();
  EXPECT_NE(err_.str().find("KBS refused the evidence (401 AttestationError"), std::string::npos)
      << err_.str();
  EXPECT_FALSE(std::filesystem::exists(file));
}

}  // namespace
}  // namespace attest::testing
