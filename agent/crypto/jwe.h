// Decryption of the KBS resource response: flattened JSON JWE (kbs-protocol.md §3.2-§3.3).
#pragma once

#include <cstddef>
#include <string_view>

#include "agent/crypto/tee_key.h"
#include "common/error.h"
#include "common/secure_buffer.h"

namespace attest::crypto {

// Largest response body accepted (the whole JSON text).
inline constexpr std::size_t kMaxJweBodySize = 64u << 20;

// Body: {"protected","encrypted_key","iv","ciphertext","tag"}, all base64url without padding.
// Other members are ignored, except "aad", "header", "unprotected" and "recipients": Trustee never
// sends them and they are rejected. Key management must match the key: ECDH-ES+A256KW with epk on
// the key's own curve (optional apu/apv honoured), RSA-OAEP-256, or RSA1_5 (RSA keys only,
// decryption only); enc must be A256GCM; "zip" and "crit" are rejected. AAD = the received
// "protected" string verbatim (RFC 7516 §5.1 step 14).
// Malformed, tampered or mismatched input is Code::Corrupt with a one-line reason. If memory for
// the secrets cannot be locked, SecureBuffer's error is passed up. No partial plaintext ever.
[[nodiscard]] Result<SecureBuffer> decrypt_jwe(const TeeKey& key, std::string_view response_body);

}  // namespace attest::crypto
