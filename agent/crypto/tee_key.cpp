#include "agent/crypto/tee_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>

#include "common/ossl.h"

namespace attest::crypto {
namespace {

constexpr unsigned kRsaBits = 2048;
constexpr unsigned kRsaPublicExponent = 65537;

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Big-endian, left-padded to `len` bytes (JWK EC coordinates have a fixed length, RFC 7518
// §6.2.1.2).
Bytes bn_param(const EVP_PKEY* pkey, const char* name, int len) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return {};
  const BnPtr owned(bn);
  const int n = len > 0 ? len : BN_num_bytes(bn);
  Bytes out(static_cast<std::size_t>(n));
  if (BN_bn2binpad(bn, out.data(), n) != n) return {};
  return out;
}

std::string b64url(const Bytes& b) { return base64_encode(b, Base64::Url, false); }

// Classifies a loaded key; only the shapes the KBS accepts (§3.1) are allowed.
Result<KeyAlg> classify(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1)
      return fail(Code::Unsupported, "tee key: EC key without a named curve");
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256") return KeyAlg::EcP256;
    if (g == "secp521r1" || g == "P-521") return KeyAlg::EcP521;
    return fail(Code::Unsupported, "tee key: curve " + std::string(g) + " is not P-256 or P-521");
  }
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < static_cast<int>(kRsaBits) || bits > 4096)
      return fail(Code::Unsupported,
                  "tee key: RSA modulus of " + std::to_string(bits) + " bits (need 2048..4096)");
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
      return fail(Code::Corrupt, "tee key: RSA key without a public exponent");
    const BnPtr owned(e);
    if (!BN_is_word(e, kRsaPublicExponent))
      return fail(Code::Unsupported, "tee key: RSA public exponent is not 65537");
    return KeyAlg::RsaOaep256;
  }
  return fail(Code::Unsupported, "tee key: key type is neither EC nor RSA");
}

int curve_nid(KeyAlg alg) { return alg == KeyAlg::EcP521 ? NID_secp521r1 : NID_X9_62_prime256v1; }

}  // namespace

Result<KeyAlg> parse_key_alg(std::string_view name) {
  const std::string lower = lowercase(name);
  if (lower == "ec-p256") return KeyAlg::EcP256;
  if (lower == "ec-p521") return KeyAlg::EcP521;
  if (lower == "rsa-oaep-256") return KeyAlg::RsaOaep256;
  return fail(Code::Unsupported, "key algorithm '" + std::string(name) +
                                     "' is not one of ec-p256, ec-p521, rsa-oaep-256");
}

std::string_view key_alg_name(KeyAlg alg) noexcept {
  switch (alg) {
    case KeyAlg::EcP256:
      return "ec-p256";
    case KeyAlg::EcP521:
      return "ec-p521";
    case KeyAlg::RsaOaep256:
      return "rsa-oaep-256";
  }
  return "ec-p256";
}

std::size_t ec_coordinate_size(KeyAlg alg) noexcept { return alg == KeyAlg::EcP521 ? 66 : 32; }

std::string_view jwk_curve_name(KeyAlg alg) noexcept {
  return alg == KeyAlg::EcP521 ? "P-521" : "P-256";
}

Result<TeeKey> TeeKey::generate(KeyAlg alg) {
  EVP_PKEY* pkey = nullptr;
  switch (alg) {
    case KeyAlg::EcP256:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyAlg::EcP521:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case KeyAlg::RsaOaep256:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kRsaBits));
      break;
  }
  if (pkey == nullptr)
    return fail(Code::Internal, "tee key: generating a " + std::string(key_alg_name(alg)) +
                                    " key failed: " + ossl_error());
  return TeeKey(pkey, alg);
}

Result<TeeKey> TeeKey::from_pem(std::string_view pem) {
  if (pem.size() > 64 * 1024) return fail(Code::Corrupt, "tee key: PEM larger than 64 KiB");
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Code::Internal, "tee key: BIO_new_mem_buf failed");
  // A null callback would make OpenSSL prompt on the terminal for an encrypted PEM; refuse.
  auto no_password = [](char*, int, int, void*) -> int { return -1; };
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  if (pkey == nullptr) {
    ERR_clear_error();
    return fail(Code::Corrupt, "tee key: not an unencrypted PEM private key");
  }
  PkeyPtr owned(pkey);
  auto alg = classify(pkey);
  if (!alg) return std::unexpected(std::move(alg.error()));
  return TeeKey(owned.release(), *alg);
}

Result<TeeKey> TeeKey::from_ec_private_scalar(KeyAlg alg, ByteView d) {
  if (alg == KeyAlg::RsaOaep256)
    return fail(Code::InvalidArgument, "tee key: a private scalar needs an EC algorithm");
  if (d.size() != ec_coordinate_size(alg))
    return fail(Code::InvalidArgument, "tee key: private scalar must be " +
                                           std::to_string(ec_coordinate_size(alg)) + " bytes");
  const EcGroupPtr group(EC_GROUP_new_by_curve_name(curve_nid(alg)));
  const BnCtxPtr bn_ctx(BN_CTX_secure_new());
  const BnPtr priv(BN_secure_new());
  if (!group || !bn_ctx || !priv) return fail(Code::Internal, "tee key: out of memory");
  if (BN_bin2bn(d.data(), static_cast<int>(d.size()), priv.get()) == nullptr ||
      BN_is_zero(priv.get()) || BN_cmp(priv.get(), EC_GROUP_get0_order(group.get())) >= 0)
    return fail(Code::InvalidArgument, "tee key: private scalar is out of range");
  // The public point must be supplied explicitly to EVP_PKEY_fromdata: Q = d * G.
  const EcPointPtr point(EC_POINT_new(group.get()));
  unsigned char pub[1 + 2 * 66];
  std::size_t pub_len = 0;
  if (!point ||
      EC_POINT_mul(group.get(), point.get(), priv.get(), nullptr, nullptr, bn_ctx.get()) != 1 ||
      (pub_len = EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, pub,
                                    sizeof pub, bn_ctx.get())) == 0)
    return fail(Code::Internal, "tee key: computing the public point failed: " + ossl_error());
  const ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      OBJ_nid2sn(curve_nid(alg)), 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len) != 1)
    return fail(Code::Internal, "tee key: building key parameters failed");
  const ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEYPAIR, params.get()) != 1)
    return fail(Code::Internal, "tee key: importing the EC key failed: " + ossl_error());
  return TeeKey(pkey, alg);
}

TeeKey::TeeKey(TeeKey&& o) noexcept : pkey_(std::exchange(o.pkey_, nullptr)), alg_(o.alg_) {}

TeeKey& TeeKey::operator=(TeeKey&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_free(pkey_);
    pkey_ = std::exchange(o.pkey_, nullptr);
    alg_ = o.alg_;
  }
  return *this;
}

TeeKey::~TeeKey() { EVP_PKEY_free(pkey_); }

nlohmann::json TeeKey::public_jwk() const {
  // Exactly the members the KBS re-serializes from its typed TeePubKey (kbs-protocol.md §2.2):
  // any extra member would change the runtime-data hash on one side only.
  if (alg_ == KeyAlg::RsaOaep256)
    return {{"kty", "RSA"},
            {"alg", "RSA-OAEP-256"},
            {"n", b64url(bn_param(pkey_, OSSL_PKEY_PARAM_RSA_N, 0))},
            {"e", b64url(bn_param(pkey_, OSSL_PKEY_PARAM_RSA_E, 0))}};
  const int len = static_cast<int>(ec_coordinate_size(alg_));
  return {{"kty", "EC"},
          {"crv", std::string(jwk_curve_name(alg_))},
          {"alg", "ECDH-ES+A256KW"},
          {"x", b64url(bn_param(pkey_, OSSL_PKEY_PARAM_EC_PUB_X, len))},
          {"y", b64url(bn_param(pkey_, OSSL_PKEY_PARAM_EC_PUB_Y, len))}};
}

Result<SecureBuffer> TeeKey::private_pem() const {
  // BIO_s_secmem cleanses its buffer when freed, so no copy of the key outlives this call.
  const BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return fail(Code::Internal, "tee key: BIO_new failed");
  if (PEM_write_bio_PrivateKey(bio.get(), pkey_, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail(Code::Internal, "tee key: PEM export failed: " + ossl_error());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return fail(Code::Internal, "tee key: PEM export is empty");
  return SecureBuffer::copy_of(
      {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)});
}

}  // namespace attest::crypto
