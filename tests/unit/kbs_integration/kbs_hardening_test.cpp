// Issue 9 against the independent test KBS, through the real attest-cli binary: trustee-attester
// spellings, output-file rules and their exit code, an empty secret, the CA file as the only
// trust anchor, public-key pinning, SSLKEYLOGFILE ignored, and --timeout covering evidence
// collection from a TPM that never answers.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/http/http_client.h"
#include "cli/exit_codes.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/scoped_env.h"
#include "tests/fakes/test_kbs.h"

namespace attest::testing {
namespace {

const Bytes kSecret{'h', '9', 0x00, 0xff, '\n'};
const std::string kSecretText(kSecret.begin(), kSecret.end());
constexpr const char* kUri = "kbs:///default/demo/key";

class KbsHardening : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cas_ = new TestCas();
    pki_ = &cas_->pki;
    other_ = &cas_->other;
    KbsConfig c;
    c.resources["default/demo/key"] = kSecret;
    c.resources["default/demo/empty"] = {};
    plain_ = new TestKbs(c);
    c.tls = pki_;
    tls_ = new TestKbs(c);
  }
  static void TearDownTestSuite() {
    delete tls_;
    delete plain_;
    delete cas_;
  }
  void SetUp() override {
    ASSERT_FALSE(pki_->ca.empty()) << "make_test_ca.py failed";
    ASSERT_TRUE(plain_->running()) << plain_->log();
    ASSERT_TRUE(tls_->running()) << tls_->log();
    ASSERT_TRUE(plain_->set_policy("allow-all"));
    ASSERT_TRUE(tls_->set_policy("allow-all"));
  }

  ProcessResult get(std::vector<std::string> extra, const std::string& uri = kUri) {
    std::vector<std::string> args{"get-resource", "--tee",           "sample",    "--url",
                                  plain_->url(),  "--insecure-http", "--timeout", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(uri);
    return run_cli(args, scratch_);
  }
  ProcessResult get_tls(std::vector<std::string> extra) {
    std::vector<std::string> args{"get-resource", "--tee",     "sample", "--url",
                                  tls_->url(),    "--timeout", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(kUri);
    return run_cli(args, scratch_);
  }

  static TestCas* cas_;
  static const Pki* pki_;
  static const Pki* other_;
  static TestKbs* plain_;
  static TestKbs* tls_;
  TempDir scratch_;
  TempDir out_;
};

TestCas* KbsHardening::cas_ = nullptr;
const Pki* KbsHardening::pki_ = nullptr;
const Pki* KbsHardening::other_ = nullptr;
TestKbs* KbsHardening::plain_ = nullptr;
TestKbs* KbsHardening::tls_ = nullptr;

TEST_F(KbsHardening, TrusteeAttesterPathSpellings) {
  for (const std::string path : {"/default/demo/key", "kbs:///default/demo/key"}) {
    SCOPED_TRACE(path);
    const auto r = run_cli({"--url", plain_->url(), "get-resource", "--path", path, "--tee",
                            "sample", "--insecure-http"},
                           scratch_);
    ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
    EXPECT_EQ(r.out, base64_encode(kSecret) + "\n");
  }
}

TEST_F(KbsHardening, TrusteeAttesterInitdataIsTheTomlText) {
  const auto r = run_cli({"--url", plain_->url(), "get-resource", "--path", "default/demo/key",
                          "--initdata", "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n",
                          "--tee", "sample", "--insecure-http"},
                         scratch_);
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
  EXPECT_EQ(r.out, base64_encode(kSecret) + "\n");
}

TEST_F(KbsHardening, OutputErrorsHaveTheirOwnExitCode) {
  // After the KBS released the secret: a local I/O failure, not "KBS denied" (7) or "no TEE" (3).
  const auto missing_dir = get({"-o", (out_ / "no-such-dir" / "key").string()});
  EXPECT_EQ(missing_dir.exit_code, cli::kExitOutput) << missing_dir.err;
  EXPECT_EQ(missing_dir.out, "");
  EXPECT_TRUE(out_.entries().empty());
  EXPECT_EQ(missing_dir.err.find("h9"), std::string::npos);
}

TEST_F(KbsHardening, EmptyOutputPathIsAUsageErrorBeforeAnyTraffic) {
  ASSERT_TRUE(plain_->reset());
  const auto r = get({"-o", ""});
  EXPECT_EQ(r.exit_code, cli::kExitUsage) << r.err;
  EXPECT_NE(r.err.find("an empty path is not a file"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  auto stats = plain_->stats();
  ASSERT_TRUE(stats);
  EXPECT_FALSE((*stats)["requests"].contains("auth")) << stats->dump();
  // '-' stays the explicit way to ask for standard output.
  const auto dash = get({"-o", "-"});
  ASSERT_EQ(dash.exit_code, cli::kExitOk) << dash.err;
  EXPECT_EQ(dash.out, kSecretText);
}

TEST_F(KbsHardening, ModeRefusesUnsafeBitsAndWarnsOnGroupRead) {
  ASSERT_TRUE(plain_->reset());
  for (const std::string mode : {"6777", "4600", "2600", "1600", "0620", "0602", "0666"}) {
    SCOPED_TRACE(mode);
    const auto r = get({"-o", (out_ / "key").string(), "--mode", mode});
    EXPECT_EQ(r.exit_code, cli::kExitUsage) << r.err;
    EXPECT_TRUE(r.err.starts_with("attest-cli: --mode " + mode + ": ")) << r.err;
  }
  EXPECT_TRUE(out_.entries().empty());
  auto stats = plain_->stats();
  ASSERT_TRUE(stats);
  EXPECT_FALSE((*stats)["requests"].contains("auth")) << "refused before any KBS traffic";
  const auto file = out_ / "key";
  const auto r = get({"-o", file.string(), "--mode", "0640"});
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
  EXPECT_EQ(r.err, "attest-cli: warning: --mode 0640 lets group or others read the secret\n");
  EXPECT_EQ(file_mode(file), 0640u);
}

TEST_F(KbsHardening, EmptySecretIsAnErrorUnlessAllowed) {
  const auto file = out_ / "empty";
  const auto r = get({"-o", file.string()}, "kbs:///default/demo/empty");
  EXPECT_EQ(r.exit_code, cli::kExitBadInput) << r.err;
  EXPECT_EQ(r.err,
            "attest-cli: KBS resource default/demo/empty is empty; pass --allow-empty if that is "
            "what you expect\n");
  EXPECT_FALSE(std::filesystem::exists(file));
  const auto allowed = get({"-o", file.string(), "--allow-empty"}, "kbs:///default/demo/empty");
  ASSERT_EQ(allowed.exit_code, cli::kExitOk) << allowed.err;
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(std::filesystem::file_size(file), 0u);
}

TEST_F(KbsHardening, PassportTokenComesFromAFileNeverFromArgv) {
  const auto token_file = out_ / "token";
  const auto key_file = out_ / "key.pem";
  const auto a = run_cli({"attest", "--tee", "sample", "--url", plain_->url(), "--insecure-http",
                          "--key-out", key_file.string(), "-o", token_file.string()},
                         scratch_);
  ASSERT_EQ(a.exit_code, cli::kExitOk) << a.err;
  std::string token = read_text_file(token_file);
  token.pop_back();
  const auto argv = get({"--token", token, "--token-key", key_file.string()});
  EXPECT_EQ(argv.exit_code, cli::kExitUsage);
  EXPECT_NE(argv.err.find("use --token-file PATH, or --token-file - for stdin"), std::string::npos)
      << argv.err;
  EXPECT_EQ(argv.err.find(token), std::string::npos);
  const auto file = get({"--token-file", token_file.string(), "--token-key", key_file.string()});
  ASSERT_EQ(file.exit_code, cli::kExitOk) << file.err;
  EXPECT_EQ(file.out, kSecretText);
}

TEST_F(KbsHardening, PasswordInTheUrlIsNeverShown) {
  const auto r = run_cli({"get-resource", "--tee", "sample", "--insecure-http", "--timeout", "2",
                          "--url", "http://admin:hunter2@127.0.0.1:1", kUri},
                         scratch_);
  EXPECT_EQ(r.exit_code, cli::kExitNetwork) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("http://***@127.0.0.1:1/kbs/v0/auth"), std::string::npos) << r.err;
  const auto scheme =
      run_cli({"attest", "--tee", "sample", "--url", "http://u:hunter2@k"}, scratch_);
  EXPECT_EQ(scheme.exit_code, cli::kExitUsage);
  EXPECT_EQ(scheme.err,
            "attest-cli: refusing plain http:// for http://***@k; pass --insecure-http\n");
}

// The JWE does not authenticate the sender: with --cert-file, any server holding a certificate
// from any system-trusted CA could otherwise hand us a disk key of its choice.
TEST_F(KbsHardening, CertFileIsTheOnlyTrustAnchor) {
  auto client = [&](bool trust_system) {
    http::HttpOptions h;
    h.ca_file = other_->ca.string();       // not the KBS's CA
    h.system_ca_file = pki_->ca.string();  // stands for a system store that trusts the KBS
    h.trust_system_store = trust_system;
    h.retry.max_attempts = 1;
    auto c = http::CurlHttpClient::create(h, attest::testing::real_clock());
    EXPECT_TRUE(c) << c.error().message;
    http::HttpRequest req;
    req.url = tls_->url() + "/kbs/v0/resource/default/demo/key";
    return (*c)->send(req);
  };
  auto only = client(false);
  ASSERT_FALSE(only);
  EXPECT_EQ(only.error().code, Code::Unavailable);
  EXPECT_NE(only.error().message.find("TLS: certificate verify failed"), std::string::npos)
      << only.error().message;
  auto both = client(true);
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->status, 401);  // TLS passed; the KBS wants a session
}

TEST_F(KbsHardening, PinnedPublicKey) {
  const std::string pin = spki_pin(pki_->server_cert);
  ASSERT_EQ(pin.size(), 44u);
  const auto ok = get_tls({"--cert-file", pki_->ca.string(), "--pin-sha256", pin});
  ASSERT_EQ(ok.exit_code, cli::kExitOk) << ok.err;
  EXPECT_EQ(ok.out, kSecretText);
  const auto curl_spelling =
      get_tls({"--cert-file", pki_->ca.string(), "--pin-sha256", "sha256//" + pin});
  EXPECT_EQ(curl_spelling.exit_code, cli::kExitOk) << curl_spelling.err;
  const auto wrong =
      get_tls({"--cert-file", pki_->ca.string(), "--pin-sha256", spki_pin(other_->server_cert)});
  EXPECT_EQ(wrong.exit_code, cli::kExitNetwork) << wrong.err;
  EXPECT_NE(wrong.err.find("TLS: the server's public key matches no --pin-sha256"),
            std::string::npos)
      << wrong.err;
  EXPECT_EQ(wrong.out, "");
  const auto bad = get_tls({"--cert-file", pki_->ca.string(), "--pin-sha256", "abc"});
  EXPECT_EQ(bad.exit_code, cli::kExitUsage) << bad.err;
}

TEST_F(KbsHardening, SslKeyLogFileIsIgnored) {
  const auto keylog = out_ / "tls-keys.log";
  ScopedEnv env("SSLKEYLOGFILE", keylog.c_str());
  const auto r = get_tls({"--cert-file", pki_->ca.string()});
  ASSERT_EQ(r.exit_code, cli::kExitOk) << r.err;
  EXPECT_FALSE(std::filesystem::exists(keylog)) << "TLS secrets were written to " << keylog;
}

// A TCP port pair that accepts connections and never answers: a TPM that hangs.
struct SilentTpm {
  int fds[2] = {-1, -1};
  int port = 0;
  SilentTpm() {
    for (int base = 40000 + (::getpid() % 1000) * 20; base < 65000 && port == 0; base += 2) {
      bool ok = true;
      for (int i = 0; i < 2 && ok; ++i) {
        fds[i] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(base + i));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok = ::bind(fds[i], reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
             ::listen(fds[i], 4) == 0;
      }
      if (ok) {
        port = base;
      } else {
        close_all();
      }
    }
  }
  void close_all() {
    for (int& fd : fds)
      if (fd >= 0) ::close(std::exchange(fd, -1));
  }
  ~SilentTpm() { close_all(); }
};

TEST_F(KbsHardening, TimeoutCoversATpmThatNeverAnswers) {
  SilentTpm tpm;
  ASSERT_NE(tpm.port, 0) << "test error: no free port pair";
  // `timeout` only guards the test run itself: without the fix attest-cli waits for ever.
  const auto r =
      run_process({"timeout", "-s", "KILL", "60", ATTEST_CLI_BINARY, "get-resource", "--tee", "tpm",
                   "--tcti", "swtpm:host=127.0.0.1,port=" + std::to_string(tpm.port), "--url",
                   plain_->url(), "--insecure-http", "--timeout", "2", kUri},
                  scratch_);
  EXPECT_EQ(r.exit_code, cli::kExitNetwork) << r.err;
  EXPECT_NE(r.err.find("tpm evidence collection did not finish within --timeout"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace attest::testing
