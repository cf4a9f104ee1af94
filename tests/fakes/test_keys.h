// ECDSA test keys for the fakes: the TDX attestation and PCK keys (P-256) and the SNP VCEK
// (P-384). Generated once per test process; tests verify the fakes' signatures with them, the
// way a verifier would with the real keys.
#pragma once

#include <memory>
#include <string>

#include "common/bytes.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace attest::testing {

class TestKey {
 public:
  // curve: "P-256" (signs with SHA-256) or "P-384" (SHA-384).
  explicit TestKey(const std::string& curve);

  // ECDSA over the hash of msg: r and s as big-endian integers of the curve's size.
  struct Sig {
    Bytes r, s;
  };
  Sig sign(ByteView msg) const;
  // The public point as big-endian x || y (no 0x04 prefix), as DCAP quotes carry it.
  Bytes public_xy() const;
  // A self-signed certificate for the key: DER, and the same as PEM text.
  Bytes self_signed_der(const std::string& common_name) const;
  std::string self_signed_pem(const std::string& common_name) const;
  std::size_t coordinate_size() const { return size_; }

  EVP_PKEY* pkey() const { return key_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::size_t size_;
  bool sha384_;
};

// Verifies an ECDSA signature (big-endian r, s) over msg (hashed with SHA-256 for P-256 keys,
// SHA-384 for P-384) with the public key in a DER certificate. False on any failure.
bool verify_with_cert(ByteView cert_der, ByteView msg, ByteView r, ByteView s);
// The same with a key.
bool verify_with_key(const TestKey& key, ByteView msg, ByteView r, ByteView s);

// The process-wide keys the fakes sign with.
struct FakeTeeKeys {
  TestKey tdx_attestation{"P-256"};
  TestKey tdx_pck{"P-256"};
  TestKey snp_vcek{"P-384"};
  std::string pck_pem;  // self-signed "Test SGX PCK Certificate"
  Bytes vcek_der;       // self-signed "Test SEV-VCEK"
};
const FakeTeeKeys& fake_tee_keys();

}  // namespace attest::testing
