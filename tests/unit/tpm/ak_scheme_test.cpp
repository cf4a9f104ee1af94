// The quote's signature scheme is named explicitly (issue 9): RSASSA-SHA256 for an RSA AK, so
// that a key made without a scheme still quotes and an RSAPSS key is refused instead of signing
// something Trustee rejects; --tee tpm refuses a non-RSA AK before any quote.
#include <gtest/gtest.h>

#include "providers/tpm/ak.h"
#include "providers/tpm/quote.h"
#include "providers/tpm/tpm_provider.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/swtpm.h"

namespace attest::tpm {
namespace {

constexpr TPM2_HANDLE kAk = 0x81010002;

class AkScheme : public testing::SwtpmTest {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;
    auto esys = Esys::open(tcti());
    ASSERT_TRUE(esys) << esys.error().message;
    esys_ = std::make_unique<Esys>(std::move(*esys));
  }

  // Persists a primary key made from `t` at kAk, as another tool might have left one there.
  void persist(const TPM2B_PUBLIC& t) {
    const TPM2B_SENSITIVE_CREATE sensitive{};
    const TPM2B_DATA outside{};
    const TPML_PCR_SELECTION creation_pcr{};
    ESYS_TR primary = ESYS_TR_NONE;
    TPM2B_PUBLIC* out_pub = nullptr;
    TPM2B_CREATION_DATA* creation_data = nullptr;
    TPM2B_DIGEST* creation_hash = nullptr;
    TPMT_TK_CREATION* ticket = nullptr;
    TSS2_RC rc = Esys_CreatePrimary(esys_->get(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, &sensitive, &t, &outside, &creation_pcr, &primary,
                                    &out_pub, &creation_data, &creation_hash, &ticket);
    Esys_Free(out_pub);
    Esys_Free(creation_data);
    Esys_Free(creation_hash);
    Esys_Free(ticket);
    ASSERT_EQ(rc, TSS2_RC_SUCCESS) << "test error: CreatePrimary " << std::hex << rc;
    ESYS_TR persistent = ESYS_TR_NONE;
    rc = Esys_EvictControl(esys_->get(), ESYS_TR_RH_OWNER, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, kAk, &persistent);
    Esys_FlushContext(esys_->get(), primary);
    ASSERT_EQ(rc, TSS2_RC_SUCCESS) << "test error: EvictControl " << std::hex << rc;
    Esys_TR_Close(esys_->get(), &persistent);
  }

  Result<Evidence> tee_tpm_evidence() {
    testing::FakeOs os;
    ProviderConfig cfg;
    cfg.tcti = tcti();
    cfg.tpm_eventlog = "/nonexistent";
    TpmProvider provider(os, cfg);
    return provider.get_evidence(Bytes(32, 0x42));
  }

  std::unique_ptr<Esys> esys_;
};

std::uint16_t sig_alg(const TpmQuote& q) {
  return static_cast<std::uint16_t>(q.signature[0] << 8 | q.signature[1]);
}

TEST_F(AkScheme, RsaKeyWithoutASchemeQuotesWithRsassaSha256) {
  // An unrestricted RSA signing key with scheme NULL: TPM2_Quote with scheme NULL as well fails
  // with TPM_RC_SCHEME; the explicit RSASSA-SHA256 works.
  TPM2B_PUBLIC t = ak_template(AkAlg::Rsa);
  t.publicArea.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
  t.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
  ASSERT_NO_FATAL_FAILURE(persist(t));
  auto q = quote_sha256_pcrs(*esys_, kAk, Bytes(32, 1));
  ASSERT_TRUE(q) << q.error().message;
  ASSERT_GE(q->quote.signature.size(), 4u);
  EXPECT_EQ(sig_alg(q->quote), TPM2_ALG_RSASSA);
  EXPECT_EQ(q->quote.signature[2] << 8 | q->quote.signature[3], TPM2_ALG_SHA256);
  auto ev = tee_tpm_evidence();
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->json.contains("tpm_quote"));
}

TEST_F(AkScheme, RsapssAkIsRefusedNamingTheScheme) {
  TPM2B_PUBLIC t = ak_template(AkAlg::Rsa);
  t.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSAPSS;
  ASSERT_NO_FATAL_FAILURE(persist(t));
  auto q = quote_sha256_pcrs(*esys_, kAk, Bytes(32, 1));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, Code::Unsupported);
  EXPECT_EQ(q.error().message,
            "tpm/esys: the AK at 0x81010002 is bound to the RSAPSS-SHA256 signature scheme; quotes "
            "need RSASSA-SHA256 (replace it: 'attest-cli tpm provision-ak --force')");
}

TEST_F(AkScheme, EccAkStillQuotesButTeeTpmRefusesIt) {
  ASSERT_NO_FATAL_FAILURE(persist(ak_template(AkAlg::Ecc)));
  auto q = quote_sha256_pcrs(*esys_, kAk, Bytes(32, 1));  // tpm2_checkquote takes ECDSA
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(sig_alg(q->quote), TPM2_ALG_ECDSA);
  auto ev = tee_tpm_evidence();
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Unsupported);
  EXPECT_EQ(ev.error().message,
            "tpm/esys: the AK at 0x81010002 is not an RSA key; Trustee's tpm verifier accepts "
            "only RSASSA quotes (replace it: 'attest-cli tpm provision-ak --alg rsa --force')");
}

}  // namespace
}  // namespace attest::tpm
