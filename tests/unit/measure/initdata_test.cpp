// Init-data TOML as Trustee reads it, and the per-TEE algorithm rule shared by the KBS client
// and bind_initdata().
#include "agent/measure/initdata.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_os.h"
#include "tests/fakes/fake_tsm.h"

namespace attest::measure {
namespace {

TEST(InitData, DigestIsTheAlgorithmOverTheRawText) {
  const std::string toml =
      "algorithm = \"sha512\"\nversion = \"0.1.0\"\n\n[data]\n\"policy.rego\" = '''\nallow\n'''\n";
  auto init = parse_initdata(toml);
  ASSERT_TRUE(init) << init.error().message;
  EXPECT_EQ(init->version, "0.1.0");
  EXPECT_EQ(init->alg, HashAlg::Sha512);
  EXPECT_EQ(init->digest, *digest(HashAlg::Sha512, as_bytes(toml)));
}

TEST(InitData, MalformedDocumentsNameWhatIsWrong) {
  struct Case {
    const char* toml;
    Code code;
    const char* message;
  } cases[] = {
      {"algorithm = \"sha256\"\n[data]\n", Code::InvalidArgument,
       "init-data: `version` is missing or not a string"},
      {"version = \"0.1.0\"\nalgorithm = 256\n[data]\n", Code::InvalidArgument,
       "init-data: `algorithm` is missing or not a string"},
      {"version = \"0.1.0\"\nalgorithm = \"sha256\"\n", Code::InvalidArgument,
       "init-data: `data` is missing or not a table"},
      {"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\nn = 1\n", Code::InvalidArgument,
       "init-data: data.n is not a string"},
      {"version = \"0.1.0\"\nalgorithm = \"SHA-256\"\n[data]\n", Code::Unsupported,
       "init-data: algorithm \"SHA-256\" is not one of sha256, sha384, sha512"},
      {"version = \"0.1.0\"\nalgorithm = \"sm3\"\n[data]\n", Code::Unsupported,
       "init-data: algorithm \"sm3\" is not one of sha256, sha384, sha512"},
  };
  for (const auto& c : cases) {
    auto r = parse_initdata(c.toml);
    ASSERT_FALSE(r) << c.toml;
    EXPECT_EQ(r.error().code, c.code) << c.toml;
    EXPECT_EQ(r.error().message, c.message);
  }
  auto syntax = parse_initdata("version = \n");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code, Code::InvalidArgument);
  EXPECT_TRUE(syntax.error().message.starts_with("init-data: line 1: ")) << syntax.error().message;
}

TEST(InitData, OnlySha256WhereTrusteeChecksPcr8) {
  for (TeeKind tee : {TeeKind::Tpm, TeeKind::AzSnpVtpm, TeeKind::AzTdxVtpm}) {
    EXPECT_TRUE(check_initdata_alg(tee, HashAlg::Sha256));
    for (auto alg : {HashAlg::Sha384, HashAlg::Sha512}) {
      auto r = check_initdata_alg(tee, alg);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, Code::InvalidArgument);
    }
  }
  for (TeeKind tee : {TeeKind::Tdx, TeeKind::Snp, TeeKind::Cca, TeeKind::Sample})
    for (auto alg : {HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512})
      EXPECT_TRUE(check_initdata_alg(tee, alg));
}

TEST(InitData, SnpHostDataMismatchNamesBothDigests) {
  testing::FakeOs os;
  testing::FakeTsm tsm(os, testing::TsmProvider::SevGuest);
  ProviderConfig cfg;
  auto provider = make_provider(TeeKind::Snp, os, cfg);
  ASSERT_TRUE(provider) << provider.error().message;
  const std::string toml = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";
  auto r = bind_initdata(**provider, toml);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  const std::string ours = hex_encode(*digest(HashAlg::Sha256, as_bytes(toml)));
  EXPECT_EQ(r.error().message, "snp: init-data does not match the launch: HOST_DATA is " +
                                   std::string(64, '0') + ", the init-data's sha256 digest is " +
                                   ours);
}

TEST(InitData, CcaIsNotCheckedYetAndSaysSo) {
  testing::FakeOs os;
  testing::FakeTsm tsm(os, testing::TsmProvider::ArmCcaGuest);
  ProviderConfig cfg;
  auto provider = make_provider(TeeKind::Cca, os, cfg);
  ASSERT_TRUE(provider);
  auto r = bind_initdata(**provider, "version = \"0.1.0\"\nalgorithm = \"sha512\"\n[data]\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unsupported);
}

}  // namespace
}  // namespace attest::measure
