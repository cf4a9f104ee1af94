// attest-cli's TPM commands, run as a user would run them, against a private swtpm.
#include <gtest/gtest.h>

#include "common/bytes.h"
#include "providers/tpm/ak.h"
#include "tests/fakes/swtpm.h"

namespace attest::tpm {
namespace {

using testing::run_command;

class CliTpm : public testing::SwtpmTest {
 protected:
  std::pair<int, std::string> cli(const std::string& args) const {
    return run_command(std::string(ATTEST_CLI_BINARY) + " " + args + " --tcti " + tcti() + " 2>" +
                       (swtpm_->state_dir() / "stderr").string());
  }
  std::string err() const {
    const Bytes b = testing::read_test_file(swtpm_->state_dir() / "stderr");
    return std::string(b.begin(), b.end());
  }
};

TEST_F(CliTpm, ProvisionAkPrintsPemMatchingTpm2Readpublic) {
  auto [status, pem] = cli("tpm provision-ak --handle 0x81010007 --alg ecc --format pem");
  ASSERT_EQ(status, 0) << err();
  EXPECT_EQ(err(), "attest-cli: ecc AK persisted at 0x81010007\n");
  EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  const auto out = swtpm_->state_dir() / "ak.pem";
  ASSERT_EQ(tpm2("readpublic -c 0x81010007 -f pem -o " + out.string() + " >/dev/null").first, 0);
  const Bytes theirs = testing::read_test_file(out);
  EXPECT_EQ(pem, std::string(theirs.begin(), theirs.end()));
}

// Trustee v0.20+: trust is the reference value trusted_aks, compared with the evidence's
// ak_public (one-line standard base64 of the DER SubjectPublicKeyInfo); no key directory.
TEST_F(CliTpm, ProvisionAkPrintsTheTrustedAksValueAndHowToRegisterIt) {
  auto [status, out] = cli("tpm provision-ak");
  ASSERT_EQ(status, 0) << err();
  const auto der = swtpm_->state_dir() / "ak.der";
  ASSERT_EQ(tpm2("readpublic -c 0x81010002 -f der -o " + der.string() + " >/dev/null").first, 0);
  const std::string value = base64_encode(testing::read_test_file(der));
  EXPECT_EQ(out, value + "\n");
  const std::string e = err();
  EXPECT_NE(e.find("set-sample-reference-value trusted_aks " + value + "\n"), std::string::npos)
      << e;
  EXPECT_NE(e.find("input.tpm.ak_public in data.reference.trusted_aks"), std::string::npos) << e;
  EXPECT_EQ(e.find("/etc/tpm/trusted_ak_keys"), std::string::npos) << e;
  auto [help_status, help] = cli("tpm provision-ak --help");
  EXPECT_EQ(help_status, 0);
  EXPECT_NE(help.find("trusted_aks"), std::string::npos) << help;
}

TEST_F(CliTpm, ProvisionAkOnOccupiedHandleFailsWithoutForce) {
  ASSERT_EQ(cli("tpm provision-ak").first, 0) << err();
  auto [status, out] = cli("tpm provision-ak");
  EXPECT_EQ(status, 3);  // kExitDevice: FailedPrecondition
  EXPECT_EQ(out, "");
  EXPECT_EQ(err(),
            "attest-cli: tpm/esys: handle 0x81010002 is already occupied; pass --force to replace "
            "the key there\n");
  EXPECT_EQ(cli("tpm provision-ak --force").first, 0) << err();
}

TEST_F(CliTpm, BadArgumentsAreUsageOrInputErrors) {
  EXPECT_EQ(cli("tpm provision-ak --alg dsa").first, 2);
  auto [status, out] = cli("tpm provision-ak --handle 0xZZ");
  EXPECT_EQ(status, 2) << err();
  EXPECT_EQ(err(), "attest-cli: --handle '0xZZ' is not a hex handle like 0x81010002\n");
  EXPECT_EQ(cli("pcr read sha256:99").first, 2);
}

TEST_F(CliTpm, PcrReadJson) {
  auto [status, out] = cli("pcr read sha256:0,17 --format json");
  ASSERT_EQ(status, 0) << err();
  EXPECT_EQ(out, "{\n  \"sha256\": {\n    \"0\": \"" + std::string(64, '0') +
                     "\",\n    \"17\": \"" + std::string(64, 'f') + "\"\n  }\n}\n");
}

}  // namespace
}  // namespace attest::tpm
