#include "providers/tpm/quote.h"

#include <tss2/tss2_mu.h>

#include <openssl/evp.h>

#include <cstring>

namespace attest::tpm {
namespace {

// For messages: the TPM algorithm IDs an AK's scheme may name (TPM 2.0 Part 2 §6.3).
std::string alg_name(TPM2_ALG_ID alg) {
  switch (alg) {
    case TPM2_ALG_RSASSA:
      return "RSASSA";
    case TPM2_ALG_RSAPSS:
      return "RSAPSS";
    case TPM2_ALG_ECDSA:
      return "ECDSA";
    case TPM2_ALG_SHA1:
      return "SHA1";
    case TPM2_ALG_SHA256:
      return "SHA256";
    case TPM2_ALG_SHA384:
      return "SHA384";
    case TPM2_ALG_SHA512:
      return "SHA512";
    default:
      return handle_hex(alg);
  }
}

}  // namespace

Result<Ak> open_ak(Esys& esys, TPM2_HANDLE handle) {
  auto key = tr_from_tpm_public(esys, handle);
  if (!key) {
    if (key.error().code == Code::NotFound)
      return fail_tpm(Code::NotFound, "no AK at " + handle_hex(handle) +
                                          " (provision one with 'attest-cli tpm provision-ak')");
    return std::unexpected(std::move(key.error()));
  }
  TPM2B_PUBLIC* pub_raw = nullptr;
  TPM2B_NAME* name_raw = nullptr;
  TPM2B_NAME* qname_raw = nullptr;
  const TSS2_RC rc = Esys_ReadPublic(esys.get(), key->get(), ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &pub_raw, &name_raw, &qname_raw);
  EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
  EsysPtr<TPM2B_NAME> name(name_raw);
  EsysPtr<TPM2B_NAME> qname(qname_raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "ReadPublic(" + handle_hex(handle) + ")");
  return Ak{handle, std::move(*key), pub->publicArea};
}

Result<TPMT_SIG_SCHEME> quote_scheme(const Ak& ak) {
  TPMT_SIG_SCHEME s{};
  TPM2_ALG_ID bound = TPM2_ALG_NULL;  // the scheme the key itself is restricted to, if any
  TPMI_ALG_HASH bound_hash = TPM2_ALG_NULL;
  if (ak.pub.type == TPM2_ALG_RSA) {
    s.scheme = TPM2_ALG_RSASSA;
    s.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    bound = ak.pub.parameters.rsaDetail.scheme.scheme;
    bound_hash = ak.pub.parameters.rsaDetail.scheme.details.anySig.hashAlg;
  } else if (ak.pub.type == TPM2_ALG_ECC) {
    s.scheme = TPM2_ALG_ECDSA;
    s.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    bound = ak.pub.parameters.eccDetail.scheme.scheme;
    bound_hash = ak.pub.parameters.eccDetail.scheme.details.anySig.hashAlg;
  } else {
    return fail_tpm(Code::Unsupported, "the key at " + handle_hex(ak.handle) +
                                           " is neither RSA nor ECC (type " +
                                           handle_hex(ak.pub.type) + "); it cannot sign quotes");
  }
  if (bound != TPM2_ALG_NULL && (bound != s.scheme || bound_hash != TPM2_ALG_SHA256))
    return fail_tpm(Code::Unsupported,
                    "the AK at " + handle_hex(ak.handle) + " is bound to the " + alg_name(bound) +
                        "-" + alg_name(bound_hash) + " signature scheme; quotes need " +
                        alg_name(s.scheme) +
                        "-SHA256 (replace it: 'attest-cli tpm provision-ak --force')");
  return s;
}

Result<TpmQuote> quote(Esys& esys, TPM2_HANDLE ak, ByteView qualifying_data,
                       const PcrSelection& sel) {
  auto key = open_ak(esys, ak);
  if (!key) return std::unexpected(std::move(key.error()));
  return quote(esys, *key, qualifying_data, sel);
}

Result<TpmQuote> quote(Esys& esys, const Ak& ak, ByteView qualifying_data,
                       const PcrSelection& sel) {
  if (qualifying_data.size() > kMaxQualifyingData)
    return fail_tpm(Code::InvalidArgument, "quote qualifying data is " +
                                               std::to_string(qualifying_data.size()) +
                                               " bytes; the maximum is 64");
  auto selection = to_tpml(sel);
  if (!selection) return std::unexpected(std::move(selection.error()));
  auto scheme = quote_scheme(ak);
  if (!scheme) return std::unexpected(std::move(scheme.error()));

  TPM2B_DATA nonce{};
  nonce.size = static_cast<UINT16>(qualifying_data.size());
  if (!qualifying_data.empty())
    std::memcpy(nonce.buffer, qualifying_data.data(), qualifying_data.size());
  TPM2B_ATTEST* quoted_raw = nullptr;
  TPMT_SIGNATURE* sig_raw = nullptr;
  const TSS2_RC rc = Esys_Quote(esys.get(), ak.tr.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                ESYS_TR_NONE, &nonce, &*scheme, &*selection, &quoted_raw, &sig_raw);
  EsysPtr<TPM2B_ATTEST> quoted(quoted_raw);
  EsysPtr<TPMT_SIGNATURE> sig(sig_raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "Quote with AK " + handle_hex(ak.handle));

  TpmQuote out;
  out.message.assign(quoted->attestationData, quoted->attestationData + quoted->size);
  Bytes buf(sizeof(TPMT_SIGNATURE));
  std::size_t used = 0;
  const TSS2_RC mrc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig.get(), buf.data(), buf.size(), &used);
  if (mrc != TSS2_RC_SUCCESS) return fail_rc(mrc, "marshalling the quote signature");
  buf.resize(used);
  out.signature = std::move(buf);
  if (sig->sigAlg == TPM2_ALG_RSASSA || sig->sigAlg == TPM2_ALG_RSAPSS) {
    const TPM2B_PUBLIC_KEY_RSA& s = sig->signature.rsassa.sig;
    out.rsa_signature.assign(s.buffer, s.buffer + s.size);
  }
  return out;
}

Result<QuoteInfo> parse_quote_message(ByteView message) {
  TPMS_ATTEST attest{};
  std::size_t offset = 0;
  const TSS2_RC rc =
      Tss2_MU_TPMS_ATTEST_Unmarshal(message.data(), message.size(), &offset, &attest);
  if (rc != TSS2_RC_SUCCESS)
    return fail(Code::Corrupt, "tpm quote: TPMS_ATTEST does not decode (" +
                                   std::to_string(message.size()) + " bytes)");
  if (offset != message.size())
    return fail(Code::Corrupt, "tpm quote: " + std::to_string(message.size() - offset) +
                                   " trailing bytes after TPMS_ATTEST at offset " +
                                   std::to_string(offset));
  if (attest.magic != TPM2_GENERATED_VALUE)
    return fail(Code::Corrupt, "tpm quote: magic at offset 0 is " + handle_hex(attest.magic) +
                                   ", not TPM_GENERATED_VALUE 0xff544347");
  if (attest.type != TPM2_ST_ATTEST_QUOTE)
    return fail(Code::Corrupt, "tpm quote: type at offset 4 is " + handle_hex(attest.type) +
                                   ", not TPM_ST_ATTEST_QUOTE 0x8018");
  QuoteInfo q;
  q.qualified_signer.assign(attest.qualifiedSigner.name,
                            attest.qualifiedSigner.name + attest.qualifiedSigner.size);
  q.extra_data.assign(attest.extraData.buffer, attest.extraData.buffer + attest.extraData.size);
  q.clock = attest.clockInfo.clock;
  q.reset_count = attest.clockInfo.resetCount;
  q.restart_count = attest.clockInfo.restartCount;
  q.firmware_version = attest.firmwareVersion;
  const TPMS_QUOTE_INFO& info = attest.attested.quote;
  for (UINT32 i = 0; i < info.pcrSelect.count && i < TPM2_NUM_PCR_BANKS; ++i) {
    const TPMS_PCR_SELECTION& s = info.pcrSelect.pcrSelections[i];
    PcrBank bank{s.hash, {}};
    for (unsigned p = 0; p < kPcrCount; ++p)
      if (p / 8 < s.sizeofSelect && (s.pcrSelect[p / 8] & (1u << (p % 8))) != 0)
        bank.indices.push_back(p);
    q.selection.push_back(std::move(bank));
  }
  q.pcr_digest.assign(info.pcrDigest.buffer, info.pcrDigest.buffer + info.pcrDigest.size);
  return q;
}

Result<QuoteWithPcrs> quote_sha256_pcrs(Esys& esys, TPM2_HANDLE ak, ByteView qualifying_data) {
  auto key = open_ak(esys, ak);
  if (!key) return std::unexpected(std::move(key.error()));
  return quote_sha256_pcrs(esys, *key, qualifying_data);
}

Result<QuoteWithPcrs> quote_sha256_pcrs(Esys& esys, const Ak& ak, ByteView qualifying_data) {
  const PcrSelection sel = sha256_all_pcrs();
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto q = quote(esys, ak, qualifying_data, sel);
    if (!q) return std::unexpected(std::move(q.error()));
    auto banks = pcr_read(esys, sel);
    if (!banks) return std::unexpected(std::move(banks.error()));
    auto info = parse_quote_message(q->message);
    if (!info) return std::unexpected(std::move(info.error()));
    QuoteWithPcrs out{std::move(*q), {}};
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    bool ok = md != nullptr && EVP_DigestInit_ex(md, EVP_sha256(), nullptr) == 1;
    for (auto& v : (*banks)[0].values) {
      ok = ok && EVP_DigestUpdate(md, v.digest.data(), v.digest.size()) == 1;
      out.pcrs.push_back(std::move(v.digest));
    }
    Bytes digest(32);
    unsigned len = 0;
    ok = ok && EVP_DigestFinal_ex(md, digest.data(), &len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) return fail_tpm(Code::Internal, "SHA-256 of the PCR values failed");
    if (digest == info->pcr_digest) return out;
  }
  return fail_tpm(Code::Unavailable, "PCRs changed during each of " + std::to_string(kAttempts) +
                                         " quotes; try again");
}

}  // namespace attest::tpm
