// TCG hash algorithm ids (TCG Algorithm Registry, TPM_ALG_ID) and one-shot hashing with them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::eventlog {

inline constexpr std::uint16_t kAlgSha1 = 0x0004;
inline constexpr std::uint16_t kAlgSha256 = 0x000B;
inline constexpr std::uint16_t kAlgSha384 = 0x000C;
inline constexpr std::uint16_t kAlgSha512 = 0x000D;
inline constexpr std::uint16_t kAlgSm3_256 = 0x0012;

// "sha1", "sha256", "sha384", "sha512", "sm3_256"; "" for an id we do not know.
std::string_view alg_name(std::uint16_t alg);
// Digest size in bytes of a known algorithm, 0 for an unknown one.
std::size_t alg_digest_size(std::uint16_t alg);
// H(data) with OpenSSL EVP. Unsupported for an unknown id or one this OpenSSL lacks.
[[nodiscard]] Result<Bytes> digest_of(std::uint16_t alg, ByteView data);

}  // namespace attest::eventlog
