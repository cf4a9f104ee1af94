#include "providers/tpm/quote.h"

#include <gtest/gtest.h>

#include <cstring>
#include <iostream>

#include "providers/tpm/ak.h"
#include "tests/fakes/swtpm.h"

namespace attest::tpm {
namespace {

using testing::SwtpmTest;
using testing::write_test_file;

constexpr TPM2_HANDLE kAk = 0x81010002;

Bytes nonce_bytes() {
  Bytes n(32);
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(0xa0 + i);
  return n;
}

// tpm2-tools' "serialized" PCR file (tpm2_quote -o): the TPML_PCR_SELECTION struct as laid out
// in memory, a UINT32 count, then that many TPML_DIGEST structs (8 digests each). Its plain
// "values" format would do, but tpm2_checkquote 5.4 mis-hashes more than 8 values in it.
Bytes serialized_pcrs(const std::vector<Bytes>& pcrs) {
  auto append = [](Bytes& out, const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  };
  Bytes out;
  auto sel = to_tpml(sha256_all_pcrs());
  append(out, &*sel, sizeof(TPML_PCR_SELECTION));
  const std::uint32_t groups = static_cast<std::uint32_t>((pcrs.size() + 7) / 8);
  append(out, &groups, sizeof groups);
  for (std::uint32_t g = 0; g < groups; ++g) {
    TPML_DIGEST d{};
    for (std::size_t i = g * 8; i < pcrs.size() && i < g * 8 + 8; ++i) {
      d.digests[d.count].size = static_cast<UINT16>(pcrs[i].size());
      std::memcpy(d.digests[d.count].buffer, pcrs[i].data(), pcrs[i].size());
      ++d.count;
    }
    append(out, &d, sizeof d);
  }
  return out;
}

// Transient objects still loaded in the TPM (TPM2_CAP_HANDLES from 0x80000000).
std::uint32_t transient_count(Esys& esys) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  const TSS2_RC rc = Esys_GetCapability(esys.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        TPM2_CAP_HANDLES, TPM2_TRANSIENT_FIRST, 16, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  if (rc != TSS2_RC_SUCCESS) return 999;
  return data->data.handles.count;
}

class QuoteSwtpm : public SwtpmTest, public ::testing::WithParamInterface<AkAlg> {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;
    auto esys = Esys::open(tcti());
    ASSERT_TRUE(esys) << esys.error().message;
    esys_ = std::make_unique<Esys>(std::move(*esys));
  }
  void TearDown() override {
    esys_.reset();
    SwtpmTest::TearDown();
  }

  // Writes what tpm2_checkquote takes and runs it; returns its exit status.
  int checkquote(const Bytes& spki, const QuoteWithPcrs& q, ByteView nonce,
                 const Bytes* message_override = nullptr) {
    const auto dir = swtpm_->state_dir();
    auto pem = spki_der_to_pem(spki);
    EXPECT_TRUE(pem);
    if (!pem) return -1;
    write_test_file(dir / "ak.pem", as_bytes(*pem));
    write_test_file(dir / "quote.msg", message_override ? *message_override : q.quote.message);
    write_test_file(dir / "quote.sig", q.quote.signature);
    write_test_file(dir / "quote.pcrs", serialized_pcrs(q.pcrs));
    auto [status, out] = testing::run_command(
        "tpm2_checkquote -u " + (dir / "ak.pem").string() + " -m " + (dir / "quote.msg").string() +
        " -s " + (dir / "quote.sig").string() + " -f " + (dir / "quote.pcrs").string() +
        " -g sha256 -q " + hex_encode(nonce) + " 2>&1");
    if (status != 0)  // only its verdict; the PCR listing before it is noise here
      std::cerr << "tpm2_checkquote: " << out.substr(std::min(out.size(), out.find("ERROR")));
    return status;
  }

  std::unique_ptr<Esys> esys_;
};

TEST_P(QuoteSwtpm, ProvisionedAkQuoteVerifiesWithTpm2Checkquote) {
  auto ak = provision_ak(*esys_, {kAk, GetParam(), false});
  ASSERT_TRUE(ak) << ak.error().message;
  auto pub = ak_public_der(*esys_, kAk);
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(*pub, ak->spki_der);

  ASSERT_TRUE(pcr_extend(*esys_, 16, Bytes(32, 0x5a)));
  const Bytes nonce = nonce_bytes();
  auto q = quote_sha256_pcrs(*esys_, kAk, nonce);
  ASSERT_TRUE(q) << q.error().message;
  ASSERT_EQ(q->pcrs.size(), 24u);
  EXPECT_NE(q->pcrs[16], Bytes(32, 0));
  EXPECT_EQ(checkquote(ak->spki_der, *q, nonce), 0);

  auto info = parse_quote_message(q->quote.message);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->extra_data, nonce);
  EXPECT_EQ(pcr_selection_string(info->selection), "sha256:all");
  // TPMT_SIGNATURE starts with sigAlg (BE): RSASSA 0x0014 or ECDSA 0x0018, then hash SHA-256.
  const std::uint16_t sig_alg = GetParam() == AkAlg::Rsa ? TPM2_ALG_RSASSA : TPM2_ALG_ECDSA;
  ASSERT_GE(q->quote.signature.size(), 4u);
  EXPECT_EQ(q->quote.signature[0] << 8 | q->quote.signature[1], sig_alg);
  EXPECT_EQ(q->quote.signature[2] << 8 | q->quote.signature[3], TPM2_ALG_SHA256);
  EXPECT_EQ(q->quote.rsa_signature.size(), GetParam() == AkAlg::Rsa ? 256u : 0u);
  EXPECT_EQ(transient_count(*esys_), 0u);
}

TEST_P(QuoteSwtpm, TamperedMessageOrWrongNonceFailsTpm2Checkquote) {
  auto ak = provision_ak(*esys_, {kAk, GetParam(), false});
  ASSERT_TRUE(ak) << ak.error().message;
  const Bytes nonce = nonce_bytes();
  auto q = quote_sha256_pcrs(*esys_, kAk, nonce);
  ASSERT_TRUE(q) << q.error().message;
  Bytes tampered = q->quote.message;
  tampered.back() ^= 0x01;  // last byte of pcrDigest
  EXPECT_NE(checkquote(ak->spki_der, *q, nonce, &tampered), 0);
  Bytes other_nonce = nonce;
  other_nonce[0] ^= 0xff;
  EXPECT_NE(checkquote(ak->spki_der, *q, other_nonce), 0);
  QuoteWithPcrs wrong_pcr = *q;
  wrong_pcr.pcrs[7][0] ^= 0x01;
  EXPECT_NE(checkquote(ak->spki_der, wrong_pcr, nonce), 0);
  EXPECT_EQ(checkquote(ak->spki_der, *q, nonce), 0);
}

INSTANTIATE_TEST_SUITE_P(Algs, QuoteSwtpm, ::testing::Values(AkAlg::Rsa, AkAlg::Ecc),
                         [](const auto& info) { return std::string(ak_alg_name(info.param)); });

class AkSwtpm : public QuoteSwtpm {};

TEST_F(AkSwtpm, OccupiedHandleNeedsForce) {
  ASSERT_TRUE(provision_ak(*esys_, {kAk, AkAlg::Rsa, false}));
  auto again = provision_ak(*esys_, {kAk, AkAlg::Ecc, false});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Code::FailedPrecondition);
  EXPECT_EQ(again.error().message,
            "tpm/esys: handle 0x81010002 is already occupied; pass --force to replace the key "
            "there");
  auto forced = provision_ak(*esys_, {kAk, AkAlg::Ecc, true});
  ASSERT_TRUE(forced) << forced.error().message;
  auto pub = ak_public_der(*esys_, kAk);
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(*pub, forced->spki_der);
  EXPECT_EQ(transient_count(*esys_), 0u);
}

// swtpm has three object slots and no resource manager: a leaked primary would make the
// fourth provisioning fail with TPM_RC_OBJECT_MEMORY.
TEST_F(AkSwtpm, RepeatedProvisioningLeaksNoObjects) {
  for (int i = 0; i < 8; ++i) {
    auto ak = provision_ak(*esys_, {kAk, i % 2 ? AkAlg::Ecc : AkAlg::Rsa, true});
    ASSERT_TRUE(ak) << "round " << i << ": " << ak.error().message;
  }
  EXPECT_EQ(transient_count(*esys_), 0u);
}

TEST_F(AkSwtpm, HandleOutsideOwnerPersistentRangeIsInvalid) {
  for (TPM2_HANDLE h : {0x80000001u, 0x81800000u, 0x01400001u}) {
    auto ak = provision_ak(*esys_, {h, AkAlg::Rsa, false});
    ASSERT_FALSE(ak);
    EXPECT_EQ(ak.error().code, Code::InvalidArgument) << handle_hex(h);
  }
}

TEST_F(AkSwtpm, QuoteWithoutAkIsNotFound) {
  auto q = quote(*esys_, kAk, nonce_bytes(), sha256_all_pcrs());
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, Code::NotFound);
  EXPECT_EQ(q.error().message,
            "tpm/esys: no AK at 0x81010002 (provision one with 'attest-cli tpm provision-ak')");
  auto pub = ak_public_der(*esys_, kAk);
  ASSERT_FALSE(pub);
  EXPECT_EQ(pub.error().code, Code::NotFound);
}

TEST_F(AkSwtpm, QualifyingDataOver64BytesIsInvalid) {
  ASSERT_TRUE(provision_ak(*esys_, {kAk, AkAlg::Rsa, false}));
  auto q = quote(*esys_, kAk, Bytes(65, 1), sha256_all_pcrs());
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, Code::InvalidArgument);
  auto ok = quote(*esys_, kAk, Bytes(64, 1), sha256_all_pcrs());
  ASSERT_TRUE(ok) << ok.error().message;
}

// Without a resource manager every leaked ESYS object or session would pile up in the TPM.
TEST_F(AkSwtpm, ThousandQuotesInARow) {
  ASSERT_TRUE(provision_ak(*esys_, {kAk, AkAlg::Rsa, false}));
  const auto sel = sha256_all_pcrs();
  for (int i = 0; i < 1000; ++i) {
    auto q = quote(*esys_, kAk, nonce_bytes(), sel);
    ASSERT_TRUE(q) << "quote " << i << ": " << q.error().message;
  }
  EXPECT_EQ(transient_count(*esys_), 0u);
}

TEST_F(AkSwtpm, ParseQuoteMessageRejectsMalformedInput) {
  ASSERT_TRUE(provision_ak(*esys_, {kAk, AkAlg::Rsa, false}));
  auto q = quote(*esys_, kAk, nonce_bytes(), sha256_all_pcrs());
  ASSERT_TRUE(q);
  const Bytes& msg = q->message;

  auto truncated = parse_quote_message(ByteView(msg).first(msg.size() - 1));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, Code::Corrupt);

  Bytes trailing = msg;
  trailing.push_back(0);
  auto t = parse_quote_message(trailing);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Code::Corrupt);
  EXPECT_EQ(t.error().message, "tpm quote: 1 trailing bytes after TPMS_ATTEST at offset " +
                                   std::to_string(msg.size()));

  Bytes bad_magic = msg;
  bad_magic[0] = 0x00;
  auto m = parse_quote_message(bad_magic);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Code::Corrupt);
  EXPECT_EQ(m.error().message,
            "tpm quote: magic at offset 0 is 0x00544347, not TPM_GENERATED_VALUE 0xff544347");

  auto empty = parse_quote_message({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Code::Corrupt);
}

}  // namespace
}  // namespace attest::tpm
