// The ephemeral TEE key pair whose public half goes into runtime-data "tee-pubkey" and to which
// the KBS encrypts released resources (kbs-protocol.md §0 step 1, §3.1).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "common/secure_buffer.h"

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT: OpenSSL's own forward declaration

namespace attest::crypto {

enum class KeyAlg { EcP256, EcP521, RsaOaep256 };

// "ec-p256", "ec-p521", "rsa-oaep-256" (case-insensitive); anything else is Unsupported.
[[nodiscard]] Result<KeyAlg> parse_key_alg(std::string_view name);
std::string_view key_alg_name(KeyAlg alg) noexcept;
// EC only: JWK "crv" ("P-256" / "P-521") and fixed coordinate length (32 / 66 bytes).
std::string_view jwk_curve_name(KeyAlg alg) noexcept;
std::size_t ec_coordinate_size(KeyAlg alg) noexcept;

class TeeKey {
 public:
  // Fresh key: P-256, P-521, or RSA-2048 with e = 65537.
  [[nodiscard]] static Result<TeeKey> generate(KeyAlg alg);
  // Unencrypted PKCS#8 or traditional PEM private key: P-256, P-521, or RSA-2048..4096 with
  // e = 65537 (treated as RsaOaep256). Other keys are Unsupported; unparsable or encrypted PEM
  // is Corrupt (never a terminal password prompt).
  [[nodiscard]] static Result<TeeKey> from_pem(std::string_view pem);
  // EC key from its raw big-endian private scalar (32 B for P-256, 66 B for P-521); tests and
  // known-answer vectors. A scalar of the wrong length or out of range is InvalidArgument.
  [[nodiscard]] static Result<TeeKey> from_ec_private_scalar(KeyAlg alg, ByteView d);

  TeeKey(TeeKey&& o) noexcept;
  TeeKey& operator=(TeeKey&& o) noexcept;
  TeeKey(const TeeKey&) = delete;
  TeeKey& operator=(const TeeKey&) = delete;
  ~TeeKey();

  KeyAlg alg() const noexcept { return alg_; }
  // Exactly {"kty":"EC","crv":"P-256"|"P-521","alg":"ECDH-ES+A256KW","x","y"} with fixed-length
  // big-endian coordinates, or {"kty":"RSA","alg":"RSA-OAEP-256","n","e"}; base64url, no padding.
  nlohmann::json public_jwk() const;
  // PKCS#8 PEM of the private key, for passport-mode handoff (§4.2).
  [[nodiscard]] Result<SecureBuffer> private_pem() const;

  // The underlying key, borrowed (for the JWE decryptor). Null only after a move.
  EVP_PKEY* pkey() const noexcept { return pkey_; }

 private:
  TeeKey(EVP_PKEY* pkey, KeyAlg alg) noexcept : pkey_(pkey), alg_(alg) {}
  EVP_PKEY* pkey_ = nullptr;
  KeyAlg alg_ = KeyAlg::EcP256;
};

}  // namespace attest::crypto
