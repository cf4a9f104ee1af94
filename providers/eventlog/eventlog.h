// TCG PC-Client crypto-agile event logs (/sys/kernel/security/tpm0/binary_bios_measurements)
// and the TDX CC event log (CCEL, /sys/firmware/acpi/tables/data/CCEL), which share one format:
// a legacy TCG_PCR_EVENT carrying "Spec ID Event03", then TCG_PCR_EVENT2 records
// (TCG PC Client Platform Firmware Profile §10; docs/tee-interfaces.md §7). Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/error.h"

namespace attest::eventlog {

inline constexpr std::uint32_t kEvNoAction = 0x3;
inline constexpr std::uint32_t kEvEfiHcrtmEvent = 0x80000010;

struct Digest {
  std::uint16_t alg = 0;
  Bytes value;
};

struct Event {
  std::uint32_t index = 0;  // PCR index; in a CCEL the CC MR index (0 MRTD, 1..4 RTMR0..3)
  std::uint32_t type = 0;
  std::vector<Digest> digests;
  Bytes data;
  std::size_t offset = 0;  // where the record starts in the log
};

struct AlgorithmSize {
  std::uint16_t id = 0;
  std::uint16_t digest_size = 0;
};

// TCG_EfiSpecIDEvent from the first record.
struct SpecId {
  std::uint32_t index = 0;  // the first record's PCR index: 0 for TPM logs, 1 for CCEL
  std::uint32_t platform_class = 0;
  std::uint8_t version_minor = 0;
  std::uint8_t version_major = 0;
  std::uint8_t errata = 0;
  std::uint8_t uintn_size = 0;  // 1: UINTN is 32-bit, 2: 64-bit
  std::vector<AlgorithmSize> algorithms;
  Bytes vendor_info;
};

enum class Format {
  CryptoAgile,  // Spec ID Event03 header, TCG_PCR_EVENT2 records (TPM 2.0 firmware, CCEL)
  LegacySha1,   // TCG 1.2 TCG_PCR_EVENT records, SHA-1 only, no Spec ID Event03
};

struct EventLog {
  Format format = Format::CryptoAgile;
  SpecId spec;                // for LegacySha1: zero except algorithms = {sha1, 20}
  std::vector<Event> events;  // after the Spec ID record
  // From a "StartupLocality" EV_NO_ACTION event on PCR 0 (TCG PFP §10.4.5.3).
  std::optional<std::uint8_t> startup_locality;
  std::size_t used_size = 0;  // bytes up to EOF or the padding that ends a CCEL
};

// Parses a crypto-agile log, or a legacy SHA-1 log when the first record is not a Spec ID
// Event03 header. Ends at EOF or at a record whose first 8 bytes are all 0xFF or all 0x00 (the
// unused tail of a CCEL log area). Corrupt with the offset for empty input, truncated records,
// digests of an algorithm missing from the Spec ID table, or inconsistent sizes.
[[nodiscard]] Result<EventLog> parse_eventlog(ByteView in);

// Replays the log: per bank and index, register := H(register || digest) for every event except
// EV_NO_ACTION. Registers start at zero, except PCR 0 whose last byte starts as the startup
// locality (or 4 when an H-CRTM event is logged). Banks whose algorithm OpenSSL cannot compute
// are left out.
std::map<std::uint16_t, std::map<std::uint32_t, Bytes>> replay(const EventLog& log);

// "EV_SEPARATOR", "EV_EFI_ACTION", ...; "" for a type we do not know.
std::string_view event_type_name(std::uint32_t type);

// {"format", "spec_id": {...}, "event_count", "used_size", "events": [{offset, index, register,
// type, type_name, digests
// {alg: hex}, data_size, data_text?}], "replayed": {alg: {register: hex}}}. Registers are
// "pcr<N>", or for ccel=true the CC MR names (0 "mrtd", 1..4 "rtmr0".."rtmr3").
nlohmann::json eventlog_to_json(const EventLog& log, bool ccel);

// The register name used by eventlog_to_json.
std::string register_name(std::uint32_t index, bool ccel);

}  // namespace attest::eventlog
