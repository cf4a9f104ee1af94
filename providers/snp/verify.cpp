#include "providers/snp/verify.h"

#include <memory>
#include <string>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "common/ossl.h"

namespace attest::snp {
namespace {

// P-384 uses only the low 48 bytes of the 72-byte little-endian R and S fields.
constexpr std::size_t kP384ScalarBytes = 48;

Result<X509Ptr> load_der(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return fail(Code::InvalidArgument, "snp: VCEK/VLEK is not a DER X.509 certificate");
  return cert;
}

// AMD SPL extensions hold a DER INTEGER (0..255).
std::optional<std::uint8_t> ext_u8(ASN1_OCTET_STRING* data) {
  const unsigned char* p = ASN1_STRING_get0_data(data);
  Asn1TypePtr t(d2i_ASN1_TYPE(nullptr, &p, ASN1_STRING_length(data)));
  if (!t || t->type != V_ASN1_INTEGER) return std::nullopt;
  std::int64_t v = 0;
  if (ASN1_INTEGER_get_int64(&v, t->value.integer) != 1 || v < 0 || v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

// productName / csp_id hold a DER string (IA5String or UTF8String).
std::string ext_string(ASN1_OCTET_STRING* data) {
  const unsigned char* p = ASN1_STRING_get0_data(data);
  Asn1TypePtr t(d2i_ASN1_TYPE(nullptr, &p, ASN1_STRING_length(data)));
  if (!t) return {};
  if (t->type != V_ASN1_IA5STRING && t->type != V_ASN1_UTF8STRING &&
      t->type != V_ASN1_PRINTABLESTRING)
    return {};
  const ASN1_STRING* s = t->value.asn1_string;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

}  // namespace

Result<void> verify_report_signature(const AttestationReport& report, ByteView raw_report,
                                     ByteView vcek_der) {
  if (raw_report.size() != kReportSize)
    return fail(Code::Corrupt, "snp: report is " + std::to_string(raw_report.size()) +
                                   " bytes, expected " + std::to_string(kReportSize));
  if (report.sig_algo != 1)
    return fail(Code::Unsupported, "snp: signature algorithm " + std::to_string(report.sig_algo) +
                                       " is not ECDSA P-384");
  auto cert = load_der(vcek_der);
  if (!cert) return std::unexpected(std::move(cert.error()));
  PkeyPtr key(X509_get_pubkey(cert->get()));
  char group[64] = {};
  std::size_t group_len = 0;
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC ||
      EVP_PKEY_get_group_name(key.get(), group, sizeof(group), &group_len) != 1 ||
      std::string_view(group, group_len) != "secp384r1")
    return fail(Code::InvalidArgument, "snp: VCEK/VLEK key is not ECDSA P-384");

  // R and S are little-endian (spec 56860 "Signature Format"); OpenSSL wants big-endian.
  BnPtr r(BN_lebin2bn(report.signature.r.data(), kP384ScalarBytes, nullptr));
  BnPtr s(BN_lebin2bn(report.signature.s.data(), kP384ScalarBytes, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
    return fail(Code::Internal, "snp: cannot build the ECDSA signature");
  (void)r.release();  // owned by sig now
  (void)s.release();
  const int der_len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (der_len <= 0) return fail(Code::Internal, "snp: cannot encode the ECDSA signature");
  Bytes der(static_cast<std::size_t>(der_len));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != der_len)
    return fail(Code::Internal, "snp: cannot encode the ECDSA signature");

  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key.get()) != 1)
    return fail(Code::Internal, "snp: cannot set up ECDSA verification");
  const int ok =
      EVP_DigestVerify(ctx.get(), der.data(), der.size(), raw_report.data(), kSignedSize);
  if (ok == 1) return {};
  return fail(Code::Unauthenticated, "snp: report signature does not verify with the " +
                                         signing_key_name(report.key_info) + " certificate");
}

Result<VcekExtensions> parse_vcek_extensions(ByteView cert_der) {
  auto cert = load_der(cert_der);
  if (!cert) return std::unexpected(std::move(cert.error()));
  VcekExtensions out;
  const int count = X509_get_ext_count(cert->get());
  for (int i = 0; i < count; ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert->get(), i);
    char oid[80] = {};
    if (OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(ext), 1) <= 0) continue;
    const std::string_view name(oid);
    constexpr std::string_view kArc = "1.3.6.1.4.1.3704.1.";
    if (!name.starts_with(kArc)) continue;
    const std::string_view leaf = name.substr(kArc.size());
    ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    if (leaf == "2") {
      out.product_name = ext_string(data);
    } else if (leaf == "3.1") {
      out.bl_spl = ext_u8(data);
    } else if (leaf == "3.2") {
      out.tee_spl = ext_u8(data);
    } else if (leaf == "3.3") {
      out.snp_spl = ext_u8(data);
    } else if (leaf == "3.8") {
      out.ucode_spl = ext_u8(data);
    } else if (leaf == "3.9") {
      out.fmc_spl = ext_u8(data);
    } else if (leaf == "4") {
      // hwID is the raw chip id, not DER-wrapped (go-sev-guest verify/verify.go, kds.go).
      const unsigned char* p = ASN1_STRING_get0_data(data);
      out.hw_id.assign(p, p + ASN1_STRING_length(data));
    } else if (leaf == "5") {
      out.csp_id = ext_string(data);
    }
  }
  return out;
}

}  // namespace attest::snp
