#include "providers/tpm/ak.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "common/ossl.h"

namespace attest::tpm {
namespace {

constexpr TPMA_OBJECT kAkAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
static_assert(kAkAttributes == 0x00050072);

Result<Bytes> pkey_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    return fail_tpm(Code::Corrupt, std::string("AK public area is not a valid ") + type + " key");
  PkeyPtr pkey(raw);
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(pkey.get(), &der);
  if (n <= 0) return fail_tpm(Code::Internal, "encoding the AK public key as DER failed");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> rsa_spki(const TPMT_PUBLIC& pub) {
  const TPM2B_PUBLIC_KEY_RSA& n = pub.unique.rsa;
  // TPM 2.0 Part 2 §12.2.3.5: an exponent of zero means the default, 2^16 + 1.
  const std::uint32_t e =
      pub.parameters.rsaDetail.exponent == 0 ? 65537u : pub.parameters.rsaDetail.exponent;
  BnPtr bn_n(BN_bin2bn(n.buffer, n.size, nullptr));
  BnPtr bn_e(BN_new());
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || BN_set_word(bn_e.get(), e) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return fail_tpm(Code::Internal, "building the RSA AK public key failed");
  return pkey_from_params("RSA", bld.get());
}

Result<Bytes> ecc_spki(const TPMT_PUBLIC& pub) {
  const char* group = nullptr;
  std::size_t size = 0;
  switch (pub.parameters.eccDetail.curveID) {
    case TPM2_ECC_NIST_P256:
      group = "prime256v1";
      size = 32;
      break;
    case TPM2_ECC_NIST_P384:
      group = "secp384r1";
      size = 48;
      break;
    case TPM2_ECC_NIST_P521:
      group = "secp521r1";
      size = 66;
      break;
    default:
      return fail_tpm(
          Code::Unsupported,
          "AK curve " + handle_hex(pub.parameters.eccDetail.curveID) + " is not supported");
  }
  const TPMS_ECC_POINT& p = pub.unique.ecc;
  if (p.x.size > size || p.y.size > size)
    return fail_tpm(Code::Corrupt, "AK ECC point is larger than its curve");
  // SEC 1 uncompressed point: 0x04 || X || Y, each left-padded to the field size.
  Bytes point(1 + 2 * size, 0);
  point[0] = 0x04;
  std::copy(p.x.buffer, p.x.buffer + p.x.size, point.begin() + 1 + (size - p.x.size));
  std::copy(p.y.buffer, p.y.buffer + p.y.size, point.begin() + 1 + size + (size - p.y.size));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return fail_tpm(Code::Internal, "building the ECC AK public key failed");
  return pkey_from_params("EC", bld.get());
}

}  // namespace

Result<AkAlg> parse_ak_alg(std::string_view name) {
  if (name == "rsa") return AkAlg::Rsa;
  if (name == "ecc") return AkAlg::Ecc;
  return fail(Code::InvalidArgument,
              "unknown AK algorithm '" + std::string(name) + "' (known: rsa, ecc)");
}

std::string_view ak_alg_name(AkAlg alg) { return alg == AkAlg::Rsa ? "rsa" : "ecc"; }

TPM2B_PUBLIC ak_template(AkAlg alg) {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = kAkAttributes;
  if (alg == AkAlg::Rsa) {
    p.type = TPM2_ALG_RSA;
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    p.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    p.parameters.rsaDetail.keyBits = 2048;
    p.parameters.rsaDetail.exponent = 0;
  } else {
    p.type = TPM2_ALG_ECC;
    p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
    p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  }
  return t;
}

Result<Bytes> public_to_spki_der(const TPMT_PUBLIC& pub) {
  if (pub.type == TPM2_ALG_RSA) return rsa_spki(pub);
  if (pub.type == TPM2_ALG_ECC) return ecc_spki(pub);
  return fail_tpm(Code::Unsupported,
                  "key type " + handle_hex(pub.type) + " is neither RSA nor ECC");
}

Result<std::string> spki_der_to_pem(ByteView der) {
  const unsigned char* p = der.data();
  PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey || p != der.data() + der.size())
    return fail(Code::Corrupt, "public key is not a DER SubjectPublicKeyInfo");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1)
    return fail(Code::Internal, "PEM encoding of the public key failed");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<Bytes> ak_public_der(Esys& esys, TPM2_HANDLE handle) {
  auto key = tr_from_tpm_public(esys, handle);
  if (!key) return std::unexpected(std::move(key.error()));
  TPM2B_PUBLIC* pub_raw = nullptr;
  TPM2B_NAME* name_raw = nullptr;
  TPM2B_NAME* qname_raw = nullptr;
  const TSS2_RC rc = Esys_ReadPublic(esys.get(), key->get(), ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &pub_raw, &name_raw, &qname_raw);
  EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
  EsysPtr<TPM2B_NAME> name(name_raw);
  EsysPtr<TPM2B_NAME> qname(qname_raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "ReadPublic(" + handle_hex(handle) + ")");
  return public_to_spki_der(pub->publicArea);
}

Result<ProvisionedAk> provision_ak(Esys& esys, const AkProvisionOptions& opts) {
  if (opts.handle < kOwnerPersistentFirst || opts.handle > kOwnerPersistentLast)
    return fail_tpm(Code::InvalidArgument,
                    "AK handle " + handle_hex(opts.handle) +
                        " is not an owner persistent handle (0x81000000-0x817fffff)");
  if (auto existing = tr_from_tpm_public(esys, opts.handle); existing) {
    if (!opts.force)
      return fail_tpm(Code::FailedPrecondition,
                      "handle " + handle_hex(opts.handle) +
                          " is already occupied; pass --force to replace the key there");
    ESYS_TR none = ESYS_TR_NONE;
    const TSS2_RC rc =
        Esys_EvictControl(esys.get(), ESYS_TR_RH_OWNER, existing->get(), ESYS_TR_PASSWORD,
                          ESYS_TR_NONE, ESYS_TR_NONE, opts.handle, &none);
    if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "evicting " + handle_hex(opts.handle));
    // `existing` is closed (Esys_TR_Close) when it goes out of scope: ESYS keeps the evicted
    // object's metadata, and a stale entry for the handle would break the next FromTPMPublic.
  } else if (existing.error().code != Code::NotFound) {
    return std::unexpected(std::move(existing.error()));
  }

  const TPM2B_PUBLIC in_public = ak_template(opts.alg);
  const TPM2B_SENSITIVE_CREATE in_sensitive{};
  const TPM2B_DATA outside_info{};
  const TPML_PCR_SELECTION creation_pcr{};
  ESYS_TR primary_tr = ESYS_TR_NONE;
  TPM2B_PUBLIC* out_pub_raw = nullptr;
  TPM2B_CREATION_DATA* creation_data_raw = nullptr;
  TPM2B_DIGEST* creation_hash_raw = nullptr;
  TPMT_TK_CREATION* ticket_raw = nullptr;
  TSS2_RC rc =
      Esys_CreatePrimary(esys.get(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                         &in_sensitive, &in_public, &outside_info, &creation_pcr, &primary_tr,
                         &out_pub_raw, &creation_data_raw, &creation_hash_raw, &ticket_raw);
  EsysPtr<TPM2B_PUBLIC> out_pub(out_pub_raw);
  EsysPtr<TPM2B_CREATION_DATA> creation_data(creation_data_raw);
  EsysPtr<TPM2B_DIGEST> creation_hash(creation_hash_raw);
  EsysPtr<TPMT_TK_CREATION> ticket(ticket_raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "CreatePrimary(AK)");
  TrHandle primary(esys.get(), primary_tr, TrHandle::Kind::Transient);

  auto spki = public_to_spki_der(out_pub->publicArea);
  if (!spki) return std::unexpected(std::move(spki.error()));

  ESYS_TR persistent_tr = ESYS_TR_NONE;
  rc = Esys_EvictControl(esys.get(), ESYS_TR_RH_OWNER, primary.get(), ESYS_TR_PASSWORD,
                         ESYS_TR_NONE, ESYS_TR_NONE, opts.handle, &persistent_tr);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "persisting the AK at " + handle_hex(opts.handle));
  TrHandle persistent(esys.get(), persistent_tr, TrHandle::Kind::Reference);
  return ProvisionedAk{opts.handle, opts.alg, std::move(*spki)};
}

}  // namespace attest::tpm
