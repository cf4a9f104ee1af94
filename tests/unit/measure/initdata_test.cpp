// Init-data TOML as Trustee reads it, and the per-TEE algorithm rule shared by the KBS client
// and bind_initdata().
#include "agent/measure/initdata.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "providers/cca/realm_token.h"
#include "tests/fakes/fake_evidence.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/fake_tsm.h"
#include "tests/fakes/fixture_data.h"

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
  for (TeeKind tee : {TeeKind::Tdx, TeeKind::Snp, TeeKind::Sample})
    for (auto alg : {HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512})
      EXPECT_TRUE(check_initdata_alg(tee, alg));
  // CCA: the 64-byte RPV is compared with the digest as it is, so only sha512 can match.
  EXPECT_TRUE(check_initdata_alg(TeeKind::Cca, HashAlg::Sha512));
  for (auto alg : {HashAlg::Sha256, HashAlg::Sha384}) {
    auto r = check_initdata_alg(TeeKind::Cca, alg);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Code::InvalidArgument);
    EXPECT_NE(r.error().message.find("use algorithm = \"sha512\""), std::string::npos);
  }
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

// Trustee's example CCA token (tests/fixtures/cca, SOURCES.md): its realm was created with an
// all-zero personalisation value (read independently with a throwaway CBOR decoder).
Bytes real_cca_token() { return testing::fixture_bytes("cca/cca_example_token.cbor"); }

// The same token with its RPV replaced: key 44235 (0x19 0xACCB), bstr(64) (0x58 0x40), 64 bytes.
// The signature no longer verifies, which the guest never checks.
Bytes cca_token_with_rpv(ByteView rpv) {
  Bytes token = real_cca_token();
  const Bytes marker{0x19, 0xac, 0xcb, 0x58, 0x40};
  auto at = std::search(token.begin(), token.end(), marker.begin(), marker.end());
  EXPECT_NE(at, token.end());
  if (at != token.end())
    std::copy(rpv.begin(), rpv.end(), at + static_cast<std::ptrdiff_t>(marker.size()));
  return token;
}

constexpr const char* kCcaInitData = "version = \"0.1.0\"\nalgorithm = \"sha512\"\n[data]\n";

Result<InitDataBinding> bind_on_cca(Bytes token, std::string_view toml) {
  testing::FakeOs os;
  testing::FakeTsm tsm(os, testing::TsmProvider::ArmCcaGuest);
  tsm.set_cca_token(std::move(token));
  auto provider = make_provider(TeeKind::Cca, os, ProviderConfig{});
  if (!provider) return std::unexpected(provider.error());
  auto r = bind_initdata(**provider, toml);
  EXPECT_EQ(tsm.live_entries(), 0u);
  return r;
}

TEST(InitData, CcaRealmPersonalisationValueIsReadFromTheRealToken) {
  auto rpv = cca::realm_personalization_value(real_cca_token());
  ASSERT_TRUE(rpv) << rpv.error().message;
  EXPECT_EQ(*rpv, Bytes(64, 0));
  const Bytes mine(64, 0xa5);
  auto patched = cca::realm_personalization_value(cca_token_with_rpv(mine));
  ASSERT_TRUE(patched) << patched.error().message;
  EXPECT_EQ(*patched, mine);
}

TEST(InitData, CcaTokenDamageIsCorruptNeverAValue) {
  const Bytes token = real_cca_token();
  for (std::size_t cut = 0; cut < token.size(); cut += 7) {
    auto r = cca::realm_personalization_value(ByteView(token).first(cut));
    ASSERT_FALSE(r) << cut;
    EXPECT_EQ(r.error().code, Code::Corrupt);
  }
  // The fake driver's small token has a realm claims map, not a COSE_Sign1.
  auto fake = cca::realm_personalization_value(testing::make_cca_token(Bytes(64, 1)));
  ASSERT_FALSE(fake);
  EXPECT_EQ(fake.error().message, "cca token: the realm token is not a 4-element COSE_Sign1");
}

TEST(InitData, CcaInitDataMatchingTheRealmPersonalisationValueIsAccepted) {
  const Bytes ours = *digest(HashAlg::Sha512, as_bytes(std::string_view(kCcaInitData)));
  auto r = bind_on_cca(cca_token_with_rpv(ours), kCcaInitData);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, InitDataBinding::Matched);
}

TEST(InitData, CcaInitDataMismatchIsRefusedNamingBothValues) {
  auto r = bind_on_cca(real_cca_token(), kCcaInitData);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  const std::string ours =
      hex_encode(*digest(HashAlg::Sha512, as_bytes(std::string_view(kCcaInitData))));
  EXPECT_EQ(r.error().message,
            "cca: init-data does not match the launch: the realm personalisation value is " +
                std::string(128, '0') + ", the init-data's sha512 digest is " + ours);
}

TEST(InitData, CcaRefusesInitDataItCannotMatch) {
  auto r = bind_on_cca(real_cca_token(), "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
}

}  // namespace
}  // namespace attest::measure
