// The AK's SubjectPublicKeyInfo is written by hand for RSA (the hot path of `get-report --tee
// tpm`): these tests hold it byte for byte to OpenSSL's own encoder for the same key.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "common/ossl.h"
#include "providers/tpm/ak.h"

namespace attest::tpm {
namespace {

// A TPMT_PUBLIC holding a freshly generated RSA key of `bits`, and OpenSSL's DER for it.
struct RsaCase {
  TPMT_PUBLIC pub{};
  Bytes openssl_der;
};

RsaCase make_rsa(unsigned bits, unsigned exponent) {
  RsaCase c;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  BnPtr e(BN_new());
  EXPECT_TRUE(ctx && e && BN_set_word(e.get(), exponent) == 1);
  EXPECT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()), 1);
  EXPECT_EQ(EVP_PKEY_keygen(ctx.get(), &raw), 1);
  PkeyPtr key(raw);
  BIGNUM* n = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key.get(), "n", &n), 1);
  BnPtr n_owner(n);
  c.pub.type = TPM2_ALG_RSA;
  c.pub.parameters.rsaDetail.keyBits = static_cast<TPMI_RSA_KEY_BITS>(bits);
  c.pub.parameters.rsaDetail.exponent = exponent == 65537 ? 0 : exponent;  // 0: the default
  c.pub.unique.rsa.size = static_cast<UINT16>(BN_num_bytes(n));
  BN_bn2bin(n, c.pub.unique.rsa.buffer);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key.get(), &der);
  EXPECT_GT(len, 0);
  c.openssl_der.assign(der, der + len);
  OPENSSL_free(der);
  return c;
}

TEST(AkSpki, RsaMatchesOpenSslForEverySizeAndExponent) {
  for (unsigned bits : {1024u, 2048u, 3072u, 4096u}) {
    for (unsigned exponent : {65537u, 3u}) {
      const RsaCase c = make_rsa(bits, exponent);
      auto der = public_to_spki_der(c.pub);
      ASSERT_TRUE(der) << der.error().message;
      EXPECT_EQ(*der, c.openssl_der) << bits << " bits, e=" << exponent;
    }
  }
}

TEST(AkSpki, RsaModulusWithLeadingZeroBytesIsEncodedMinimally) {
  RsaCase c = make_rsa(2048, 65537);
  // The same modulus, left-padded with two zero bytes as a sloppy TPM2B might carry it.
  TPMT_PUBLIC padded = c.pub;
  std::memmove(padded.unique.rsa.buffer + 2, c.pub.unique.rsa.buffer, c.pub.unique.rsa.size);
  padded.unique.rsa.buffer[0] = padded.unique.rsa.buffer[1] = 0;
  padded.unique.rsa.size = static_cast<UINT16>(c.pub.unique.rsa.size + 2);
  auto der = public_to_spki_der(padded);
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ(*der, c.openssl_der);
}

TEST(AkSpki, RsaWithoutModulusOrWithAnEvenExponentIsRefused) {
  RsaCase c = make_rsa(2048, 65537);
  TPMT_PUBLIC empty = c.pub;
  empty.unique.rsa.size = 0;
  auto r = public_to_spki_der(empty);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_NE(r.error().message.find("modulus"), std::string::npos) << r.error().message;

  TPMT_PUBLIC zeros = c.pub;
  std::memset(zeros.unique.rsa.buffer, 0, zeros.unique.rsa.size);
  EXPECT_FALSE(public_to_spki_der(zeros));

  TPMT_PUBLIC even = c.pub;
  even.parameters.rsaDetail.exponent = 65536;
  auto e = public_to_spki_der(even);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("exponent 65536"), std::string::npos) << e.error().message;
}

}  // namespace
}  // namespace attest::tpm
