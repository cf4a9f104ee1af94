#include "providers/tpm/ak.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

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

// DER (X.690) length octets: short form below 128, else the minimal long form.
void append_der_length(Bytes& out, std::size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
    return;
  }
  std::uint8_t be[sizeof(std::size_t)];
  std::size_t len = 0;
  for (std::size_t v = n; v != 0; v >>= 8) be[len++] = static_cast<std::uint8_t>(v & 0xff);
  out.push_back(static_cast<std::uint8_t>(0x80 | len));
  while (len > 0) out.push_back(be[--len]);
}

Bytes der_tlv(std::uint8_t tag, ByteView content) {
  Bytes out{tag};
  append_der_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// A DER INTEGER holding an unsigned big-endian magnitude: leading zeros dropped, one 0x00 put
// back when the top bit is set so that the value stays positive.
Bytes der_unsigned_integer(ByteView magnitude) {
  std::size_t skip = 0;
  while (skip + 1 < magnitude.size() && magnitude[skip] == 0) ++skip;
  Bytes content;
  if (magnitude.empty() || (magnitude[skip] & 0x80) != 0) content.push_back(0x00);
  content.insert(content.end(), magnitude.begin() + static_cast<std::ptrdiff_t>(skip),
                 magnitude.end());
  return der_tlv(0x02, content);
}

// SubjectPublicKeyInfo of an RSA key (RFC 5280 §4.1, RFC 8017 A.1.1), written directly: the
// structure is fixed, and going through EVP_PKEY_fromdata and i2d_PUBKEY costs the provider's
// key-management and encoder look-ups, which were a sixth of `get-report --tee tpm`'s CPU.
// tests/unit/tpm checks the bytes against OpenSSL's own encoding.
Result<Bytes> rsa_spki(const TPMT_PUBLIC& pub) {
  const TPM2B_PUBLIC_KEY_RSA& n = pub.unique.rsa;
  if (n.size == 0 || n.size > sizeof(n.buffer) ||
      std::all_of(n.buffer, n.buffer + n.size, [](std::uint8_t b) { return b == 0; }))
    return fail_tpm(Code::Corrupt, "AK public area is not a valid RSA key (empty modulus)");
  // TPM 2.0 Part 2 §12.2.3.5: an exponent of zero means the default, 2^16 + 1.
  const std::uint32_t e =
      pub.parameters.rsaDetail.exponent == 0 ? 65537u : pub.parameters.rsaDetail.exponent;
  if (e < 3 || e % 2 == 0)
    return fail_tpm(Code::Corrupt,
                    "AK public area is not a valid RSA key (exponent " + std::to_string(e) + ")");
  const std::uint8_t e_be[4] = {static_cast<std::uint8_t>(e >> 24),
                                static_cast<std::uint8_t>(e >> 16),
                                static_cast<std::uint8_t>(e >> 8), static_cast<std::uint8_t>(e)};
  Bytes rsa_key = der_unsigned_integer(ByteView(n.buffer, n.size));
  const Bytes exponent = der_unsigned_integer(ByteView(e_be, sizeof(e_be)));
  rsa_key.insert(rsa_key.end(), exponent.begin(), exponent.end());
  const Bytes rsa_public_key = der_tlv(0x30, rsa_key);  // RSAPublicKey ::= SEQUENCE {n, e}
  Bytes bits{0x00};                                     // BIT STRING: no unused bits
  bits.insert(bits.end(), rsa_public_key.begin(), rsa_public_key.end());
  // AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
  static constexpr std::uint8_t kRsaAlgorithm[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                                   0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  Bytes spki(std::begin(kRsaAlgorithm), std::end(kRsaAlgorithm));
  const Bytes bit_string = der_tlv(0x03, bits);
  spki.insert(spki.end(), bit_string.begin(), bit_string.end());
  return der_tlv(0x30, spki);
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
