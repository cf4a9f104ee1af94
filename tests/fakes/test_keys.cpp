#include "tests/fakes/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tests/fakes/fake_os.h"

namespace attest::testing {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

void check(bool ok, const char* what) {
  if (!ok) test_error(std::string("openssl: ") + what);
}

Bytes bn_bytes(const BIGNUM* bn, std::size_t size) {
  Bytes out(size);
  check(BN_bn2binpad(bn, out.data(), static_cast<int>(size)) == static_cast<int>(size),
        "BN_bn2binpad");
  return out;
}

const EVP_MD* digest_for(EVP_PKEY* key) {
  return EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
}

bool verify(EVP_PKEY* key, ByteView msg, ByteView r, ByteView s) {
  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* br = BN_bin2bn(r.data(), static_cast<int>(r.size()), nullptr);
  BIGNUM* bs = BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr);
  if (!sig || br == nullptr || bs == nullptr || ECDSA_SIG_set0(sig.get(), br, bs) != 1) {
    BN_free(br);
    BN_free(bs);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(key), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len), msg.data(), msg.size()) ==
          1;
  OPENSSL_free(der);
  return ok;
}

X509Ptr make_cert(EVP_PKEY* key, const std::string& cn) {
  X509Ptr x(X509_new());
  check(x != nullptr, "X509_new");
  check(X509_set_version(x.get(), 2) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(x.get()), 0) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(x.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "CN");
  check(X509_set_issuer_name(x.get(), name) == 1, "issuer");
  check(X509_set_pubkey(x.get(), key) == 1, "pubkey");
  check(X509_sign(x.get(), key, digest_for(key)) > 0, "X509_sign");
  return x;
}

}  // namespace

TestKey::TestKey(const std::string& curve)
    : size_(curve == "P-384" ? 48 : 32), sha384_(curve == "P-384") {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.c_str());
  check(k != nullptr, "EVP_PKEY_Q_keygen");
  key_.reset(k, EVP_PKEY_free);
}

TestKey::Sig TestKey::sign(ByteView msg) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  check(ctx && EVP_DigestSignInit(ctx.get(), nullptr, sha384_ ? EVP_sha384() : EVP_sha256(),
                                  nullptr, key_.get()) == 1,
        "EVP_DigestSignInit");
  std::size_t len = 0;
  check(EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) == 1, "sign size");
  Bytes der(len);
  check(EVP_DigestSign(ctx.get(), der.data(), &len, msg.data(), msg.size()) == 1, "sign");
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  check(sig != nullptr, "d2i_ECDSA_SIG");
  return {bn_bytes(ECDSA_SIG_get0_r(sig.get()), size_),
          bn_bytes(ECDSA_SIG_get0_s(sig.get()), size_)};
}

Bytes TestKey::public_xy() const {
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  check(EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1, "pub x");
  BnPtr bx(x);
  check(EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1, "pub y");
  BnPtr by(y);
  Bytes out = bn_bytes(bx.get(), size_);
  Bytes ys = bn_bytes(by.get(), size_);
  out.insert(out.end(), ys.begin(), ys.end());
  return out;
}

Bytes TestKey::self_signed_der(const std::string& common_name) const {
  X509Ptr x = make_cert(key_.get(), common_name);
  unsigned char* der = nullptr;
  const int len = i2d_X509(x.get(), &der);
  check(len > 0, "i2d_X509");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string TestKey::self_signed_pem(const std::string& common_name) const {
  X509Ptr x = make_cert(key_.get(), common_name);
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio && PEM_write_bio_X509(bio.get(), x.get()) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

bool verify_with_key(const TestKey& key, ByteView msg, ByteView r, ByteView s) {
  return verify(key.pkey(), msg, r, s);
}

bool verify_with_cert(ByteView cert_der, ByteView msg, ByteView r, ByteView s) {
  const unsigned char* p = cert_der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())));
  if (!x) return false;
  PkeyPtr key(X509_get_pubkey(x.get()));
  return key && verify(key.get(), msg, r, s);
}

const FakeTeeKeys& fake_tee_keys() {
  static const FakeTeeKeys keys = [] {
    FakeTeeKeys k;
    k.pck_pem = k.tdx_pck.self_signed_pem("Test SGX PCK Certificate");
    k.vcek_der = k.snp_vcek.self_signed_der("Test SEV-VCEK");
    return k;
  }();
  return keys;
}

}  // namespace attest::testing
