// The scanner itself: it must find a secret in every encoding the leak gate promises, wherever
// it sits in a longer text, and stay quiet on text that does not hold it.
#include "tests/fakes/leak_scanner.h"

#include <gtest/gtest.h>

namespace attest::testing {
namespace {

const Bytes kValue{0x00, 0xff, 0x10, 0x7f, 's', 'e', 'c', 'r', 'e', 't', 0x80, 0x3e, 0x3f, 0xfb};

std::string embedded(const std::string& inner) {
  return "attest-cli: error near '" + inner + "'\n";
}

TEST(LeakScanner, FindsAValueRawHexAndBase64AtEveryAlignment) {
  for (std::size_t prefix = 0; prefix < 4; ++prefix) {
    Bytes shifted(prefix, 'A');
    shifted.insert(shifted.end(), kValue.begin(), kValue.end());
    shifted.push_back('z');
    const std::vector<std::pair<std::string, std::string>> forms{
        {"raw", to_string(shifted)},
        {"hex", hex_encode(shifted)},
        {"HEX", hex_encode(shifted, true)},
        {"base64", base64_encode(shifted)},
        {"base64url", base64_encode(shifted, Base64::Url, false)},
    };
    for (const auto& [name, text] : forms) {
      SCOPED_TRACE(name + " after " + std::to_string(prefix) + " bytes");
      LeakScanner s;
      ASSERT_TRUE(s.add_value("secret", kValue));
      s.scan("stderr", embedded(text));
      ASSERT_FALSE(s.findings().empty());
      EXPECT_NE(s.findings()[0].find("stderr: secret as "), std::string::npos) << s.findings()[0];
    }
  }
}

TEST(LeakScanner, QuietOnUnrelatedTextAndRefusesShortValues) {
  LeakScanner s;
  EXPECT_FALSE(s.add_value("short", Bytes{1, 2, 3}));
  ASSERT_TRUE(s.add_value("secret", kValue));
  s.scan("stderr", "attest-cli: KBS 401 PolicyDeny: Access denied by policy\n");
  s.scan("stdout", base64_encode(Bytes(64, 0x41)));
  EXPECT_TRUE(s.findings().empty()) << s.findings().front();
  EXPECT_EQ(s.sources_scanned(), 2u);
}

TEST(LeakScanner, FindsTokensAndTheirPartsAndAnyJwtShapedText) {
  const std::string jwt = "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjE4OTM0NTYwMDB9." +
                          base64_encode(Bytes(64, 0x5a), Base64::Url, false);
  LeakScanner s;
  ASSERT_TRUE(s.add_token("token", jwt));
  s.scan("a", "Bearer " + jwt);
  s.scan("b", "signature " + jwt.substr(jwt.rfind('.') + 1));
  ASSERT_GE(s.findings().size(), 2u);
  EXPECT_EQ(s.findings().front().rfind("a: token as text", 0), 0u) << s.findings().front();
  EXPECT_EQ(s.findings().back().rfind("b: token signature", 0), 0u) << s.findings().back();

  LeakScanner unknown;  // a token the test never saw is still caught by its shape
  unknown.scan("c", "got " + jwt + " from the KBS");
  ASSERT_EQ(unknown.findings().size(), 1u);
  EXPECT_NE(unknown.findings()[0].find("JWT-shaped"), std::string::npos);
}

TEST(LeakScanner, FindsAnyLineOfAPrivateKeyAndItsDer) {
  const std::string pem =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGvCvQTgWUMzhGEmT\n"
      "fo1qh67x47aO8Ol140adG+8eP4mhRANCAAShkQuKSIfLC+HfdWlnlJvbs4As0hzL\n"
      "JmaXunfyIkVQ2uYqtJnYiWW4cBBifoKBnT0+3Kr+AP5n4IDysQ5Tfli+\n"
      "-----END PRIVATE KEY-----\n";
  LeakScanner s;
  ASSERT_TRUE(s.add_private_key_pem("tee key", pem));
  s.scan("one line", "x fo1qh67x47aO8Ol140adG+8eP4mhRANCAAShkQuKSIfLC+HfdWlnlJvbs4As0hzL y");
  auto der = base64_decode(
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGvCvQTgWUMzhGEmTfo1qh67x47aO8Ol140adG+8eP4mh"
      "RANCAAShkQuKSIfLC+HfdWlnlJvbs4As0hzLJmaXunfyIkVQ2uYqtJnYiWW4cBBifoKBnT0+3Kr+"
      "AP5n4IDysQ5Tfli+");
  ASSERT_TRUE(der);
  s.scan("der hex", hex_encode(*der));
  s.scan("block", pem);
  ASSERT_EQ(s.findings().size() >= 3, true);
  EXPECT_EQ(s.findings()[0].rfind("one line: tee key PEM line", 0), 0u) << s.findings()[0];
  EXPECT_EQ(s.findings()[1].rfind("der hex: tee key DER as hex", 0), 0u) << s.findings()[1];
}

}  // namespace
}  // namespace attest::testing
