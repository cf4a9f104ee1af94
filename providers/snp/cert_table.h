// The SEV-SNP certificate table returned by SNP_GET_EXT_REPORT / configfs-tsm `auxblob`
// (docs/tee-interfaces.md §4.4): 24-byte entries {guid[16], offset u32, length u32} ending with an
// all-zero entry; offsets are relative to the start of the table; certificates are DER.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::snp {

// GUID bytes in textual (RFC 4122, big-endian) order, as the table stores them.
using Guid = std::array<std::uint8_t, 16>;

inline constexpr Guid kVcekGuid = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                   0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
inline constexpr Guid kVlekGuid = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                   0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
inline constexpr Guid kAskGuid = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                  0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
inline constexpr Guid kArkGuid = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                  0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

// virtee/sev CertType::CRL (src/firmware/host/types/snp.rs); Trustee spells it "CRL".
inline constexpr Guid kCrlGuid = {0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
                                  0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea};

inline constexpr std::size_t kCertEntrySize = 24;

struct CertEntry {
  Guid guid{};
  Bytes der;
};

// "8-4-4-4-12" lowercase text of a GUID.
std::string guid_to_string(const Guid& guid);
// "VCEK", "VLEK", "ASK", "ARK", "CRL", or the GUID text for anything else.
std::string cert_type_name(const Guid& guid);

// Parses a table. An empty or all-zero buffer is an empty list. An entry pointing outside the
// buffer, into the entry array, or overlapping another entry, or a missing terminator, is Corrupt.
[[nodiscard]] Result<std::vector<CertEntry>> parse_cert_table(ByteView table);

// Builds a table: entries, the zero terminator, then the certificates back to back.
Bytes build_cert_table(const std::vector<CertEntry>& entries);

// Trustee's `cert_chain` value (virtee/sev CertTableEntry serde):
// [{"cert_type":"VCEK","data":[ints]}, ..., {"cert_type":{"OTHER":"<uuid>"},"data":[...]}].
nlohmann::json cert_chain_to_trustee_json(const std::vector<CertEntry>& entries);

// For `inspect`: [{"type":"VCEK","guid":"...","size":N,"sha256":"<hex>"}, ...].
nlohmann::json cert_table_to_json(const std::vector<CertEntry>& entries);

}  // namespace attest::snp
