// attest-cli against the test KBS over HTTPS with a throw-away CA (make_test_ca.py): the CA given
// with --cert-file is trusted in addition to the system store; a wrong or missing CA fails with
// exit 5 and a clear TLS message; mutual TLS with --client-cert/--client-key.
#include <gtest/gtest.h>

#include "cli/exit_codes.h"
#include "tests/fakes/test_kbs.h"

namespace attest::testing {
namespace {

const Bytes kSecret{'t', 'l', 's', '-', 0x01, 0x02, 0x00, 0x7f};
const std::string kSecretText(kSecret.begin(), kSecret.end());
constexpr const char* kUri = "kbs:///default/demo/key";

class KbsTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cas_ = new TestCas();
    pki_ = &cas_->pki;
    other_ = &cas_->other;
    KbsConfig c;
    c.resources["default/demo/key"] = kSecret;
    c.tls = pki_;
    tls_ = new TestKbs(c);
    c.mtls = true;
    mtls_ = new TestKbs(c);
  }
  static void TearDownTestSuite() {
    delete mtls_;
    delete tls_;
    delete cas_;
  }
  void SetUp() override {
    ASSERT_FALSE(pki_->ca.empty()) << "make_test_ca.py failed";
    ASSERT_TRUE(tls_->running()) << tls_->log();
    ASSERT_TRUE(mtls_->running()) << mtls_->log();
  }

  ProcessResult get(const std::string& url, std::vector<std::string> extra) {
    std::vector<std::string> args{"get-resource", "--tee", "sample", "--url", url,
                                  "--timeout",    "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(kUri);
    return run_cli(args, scratch_);
  }

  static TestCas* cas_;
  static const Pki* pki_;
  static const Pki* other_;
  static TestKbs* tls_;
  static TestKbs* mtls_;
  TempDir scratch_;
  TempDir out_;
};

TestCas* KbsTls::cas_ = nullptr;
const Pki* KbsTls::pki_ = nullptr;
const Pki* KbsTls::other_ = nullptr;
TestKbs* KbsTls::tls_ = nullptr;
TestKbs* KbsTls::mtls_ = nullptr;

TEST_F(KbsTls, TrustedTestCa) {
  const auto file = out_ / "secret";
  const auto r =
      get(tls_->url(), {"--cert-file", pki_->ca.string(), "-o", file.string(), "--mode", "0400"});
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
  EXPECT_EQ(read_text_file(file), kSecretText);
  EXPECT_EQ(file_mode(file), 0400u);
  // The certificate names localhost too.
  const auto by_name =
      get("https://localhost:" + std::to_string(tls_->port()), {"--cert-file", pki_->ca.string()});
  ASSERT_EQ(by_name.exit_code, cli::kExitOk) << by_name.err;
  EXPECT_EQ(by_name.out, kSecretText);
}

TEST_F(KbsTls, WrongOrMissingCaFailsWithExit5) {
  for (const auto& extra :
       {std::vector<std::string>{"--cert-file", other_->ca.string()}, std::vector<std::string>{}}) {
    SCOPED_TRACE(extra.empty() ? "no --cert-file" : "other CA");
    const auto file = out_ / "secret";
    auto args = extra;
    args.insert(args.end(), {"-o", file.string()});
    const auto r = get(tls_->url(), args);
    EXPECT_EQ(r.exit_code, cli::kExitNetwork) << r.err;
    EXPECT_NE(r.err.find("attest-cli: POST " + tls_->url() +
                         "/kbs/v0/auth: TLS: certificate verify failed ("),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("is the KBS CA given with --cert-file?"), std::string::npos);
    EXPECT_EQ(r.err.find("after"), std::string::npos) << "TLS failures are not retried";
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(out_.entries().empty());
  }
}

TEST_F(KbsTls, TrusteeAttesterSpelling) {
  const auto r = run_cli({"--url", tls_->url(), "--cert-file", pki_->ca.string(), "get-resource",
                          "--path", "default/demo/key", "--tee", "sample"},
                         scratch_);
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
  EXPECT_EQ(r.out, base64_encode(kSecret) + "\n");
}

TEST_F(KbsTls, UriAuthorityNamesTheKbsWhenUrlIsAbsent) {
  const auto r = run_cli({"get-resource", "--tee", "sample", "--cert-file", pki_->ca.string(),
                          "kbs://127.0.0.1:" + std::to_string(tls_->port()) + "/default/demo/key"},
                         scratch_);
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
  EXPECT_EQ(r.out, kSecretText);
}

TEST_F(KbsTls, MutualTls) {
  const auto ok =
      get(mtls_->url(), {"--cert-file", pki_->ca.string(), "--client-cert",
                         pki_->client_cert.string(), "--client-key", pki_->client_key.string()});
  ASSERT_EQ(ok.exit_code, cli::kExitOk) << ok.err;
  EXPECT_EQ(ok.out, kSecretText);
  const auto without = get(mtls_->url(), {"--cert-file", pki_->ca.string()});
  EXPECT_EQ(without.exit_code, cli::kExitNetwork) << without.err;
  EXPECT_EQ(without.out, "");
}

}  // namespace
}  // namespace attest::testing
