// AMD SEV-SNP ATTESTATION_REPORT (1184 bytes): a pure parser and two JSON describers.
//
// Layout: AMD SEV-SNP ABI spec 56860, table "ATTESTATION_REPORT" (docs/tee-interfaces.md §5).
// The parser does no I/O and never reads out of bounds; a wrong size is Corrupt and an
// unknown report version is Unsupported.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::snp {

inline constexpr std::size_t kReportSize = 1184;        // 0x4A0
inline constexpr std::size_t kSignedSize = 0x2A0;       // the signature covers [0, 0x2A0)
inline constexpr std::size_t kReportDataOffset = 0x50;  // REPORT_DATA, 64 bytes
inline constexpr std::size_t kMeasurementOffset = 0x90;
inline constexpr std::size_t kChipIdOffset = 0x1A0;
inline constexpr std::size_t kSignatureOffset = 0x2A0;

// Which TCB_VERSION byte layout the report uses. Turin (CPU family 0x1A) adds an FMC byte and
// moves the others; Milan and Genoa share the original layout.
enum class TcbLayout { MilanGenoa, Turin };

// One decoded TCB_VERSION. `fmc` is set only in the Turin layout; `raw` keeps the original u64.
struct TcbVersion {
  std::optional<std::uint8_t> fmc;
  std::uint8_t bootloader = 0;
  std::uint8_t tee = 0;
  std::uint8_t snp = 0;
  std::uint8_t microcode = 0;
  std::uint64_t raw = 0;
};

// Decodes a raw TCB_VERSION with the given layout (spec 56860 "TCB_VERSION").
TcbVersion decode_tcb(std::uint64_t raw, TcbLayout layout);

// Firmware version triple (CURRENT_* / COMMITTED_* bytes: build, minor, major on the wire).
struct FirmwareVersion {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  std::uint8_t build = 0;
};

// R and S as stored: 72 bytes each, little-endian (only the low 48 bytes are used by P-384).
struct Signature {
  std::array<std::uint8_t, 72> r{};
  std::array<std::uint8_t, 72> s{};
};

struct AttestationReport {
  std::uint32_t version = 0;
  std::uint32_t guest_svn = 0;
  std::uint64_t policy = 0;
  std::array<std::uint8_t, 16> family_id{};
  std::array<std::uint8_t, 16> image_id{};
  std::uint32_t vmpl = 0;
  std::uint32_t sig_algo = 0;
  TcbVersion current_tcb;
  std::uint64_t plat_info = 0;
  std::uint32_t key_info = 0;
  std::array<std::uint8_t, 64> report_data{};
  std::array<std::uint8_t, 48> measurement{};
  std::array<std::uint8_t, 32> host_data{};
  std::array<std::uint8_t, 48> id_key_digest{};
  std::array<std::uint8_t, 48> author_key_digest{};
  std::array<std::uint8_t, 32> report_id{};
  std::array<std::uint8_t, 32> report_id_ma{};
  TcbVersion reported_tcb;
  std::optional<std::uint8_t> cpuid_fam_id;  // v3+ only
  std::optional<std::uint8_t> cpuid_mod_id;  // v3+ only
  std::optional<std::uint8_t> cpuid_step;    // v3+ only
  std::array<std::uint8_t, 64> chip_id{};
  TcbVersion committed_tcb;
  FirmwareVersion current;
  FirmwareVersion committed;
  TcbVersion launch_tcb;
  std::optional<std::uint64_t> launch_mit_vector;   // v5+ only
  std::optional<std::uint64_t> current_mit_vector;  // v5+ only
  Signature signature;
  TcbLayout tcb_layout = TcbLayout::MilanGenoa;  // how the four TCBs above were decoded
};

// Parses exactly kReportSize bytes. Versions 2..5 are accepted; others are Unsupported.
[[nodiscard]] Result<AttestationReport> parse_report(ByteView raw);

// KEY_INFO.SIGNING_KEY (bits 4:2): "VCEK", "VLEK", "none" or "reserved(<n>)".
std::string signing_key_name(std::uint32_t key_info);
// The product line implied by CPUID_FAM_ID/MOD_ID ("Milan", "Genoa", "Turin"), or empty when the
// report carries no CPUID (v2) or the pair is unknown.
std::string_view product_name(const AttestationReport& r);

// The exact serde JSON of virtee/sev's `AttestationReport`, which Trustee's snp verifier
// deserializes (kbs-protocol.md §6 'snp'): byte arrays are JSON arrays of ints.
nlohmann::json report_to_trustee_json(const AttestationReport& r);

// A readable description for `inspect`: hex strings, decoded policy/platform/key bits.
nlohmann::json report_to_json(const AttestationReport& r);

}  // namespace attest::snp
