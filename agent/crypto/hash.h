// The digests the KBS protocol negotiates (challenge "selected-hash-algorithm", §2.2).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::crypto {

enum class HashAlg { Sha256, Sha384, Sha512 };

// Case-insensitive "sha256" / "sha384" / "sha512"; anything else is Unsupported.
[[nodiscard]] Result<HashAlg> parse_hash_alg(std::string_view name);
// Lowercase protocol name ("sha384").
std::string_view hash_alg_name(HashAlg alg) noexcept;
// Digest length in bytes (32 / 48 / 64).
std::size_t digest_size(HashAlg alg) noexcept;
// Never fails for these algorithms with a working libcrypto; should EVP fail anyway the result
// is an empty vector, which never equals a real digest.
Bytes digest(HashAlg alg, ByteView data);

}  // namespace attest::crypto
