// The hash algorithms of the program, in one table: their TCG ids (TPM_ALG_ID, as TPMs, TCG
// event logs and the CCEL name them), protocol names (as the KBS challenge names them), sizes,
// and one-shot hashing with OpenSSL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"

namespace attest {

// The values are the TCG Algorithm Registry ids.
enum class HashAlg : std::uint16_t {
  Sha1 = 0x0004,
  Sha256 = 0x000B,
  Sha384 = 0x000C,
  Sha512 = 0x000D,
  Sm3_256 = 0x0012,
};

constexpr std::uint16_t tcg_id(HashAlg alg) noexcept { return static_cast<std::uint16_t>(alg); }
// nullopt for an id not in the table.
std::optional<HashAlg> hash_alg_from_tcg(std::uint16_t id) noexcept;
// Lowercase name: "sha1", "sha256", "sha384", "sha512", "sm3_256".
std::string_view hash_alg_name(HashAlg alg) noexcept;
// Digest length in bytes.
std::size_t digest_size(HashAlg alg) noexcept;
// Case-insensitive name; anything else is InvalidArgument listing the known names.
[[nodiscard]] Result<HashAlg> parse_hash_alg(std::string_view name);
// H(data). Unsupported where this OpenSSL lacks the algorithm (SM3 on some builds).
[[nodiscard]] Result<Bytes> digest(HashAlg alg, ByteView data);

}  // namespace attest
