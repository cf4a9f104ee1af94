// Azure confidential-VM HCL report (vTPM NV index 0x01400001): a pure parser and describer.
// Layout: docs/tee-interfaces.md §6 (kinvolk/azure-cvm-tooling az-cvm-vtpm/src/hcl/mod.rs).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "providers/tdx/tdreport.h"

namespace attest::azure {

inline constexpr std::uint32_t kHclSignature = 0x414C4348;  // "HCLA" little-endian
inline constexpr std::size_t kHwReportOffset = 32;
inline constexpr std::size_t kHwReportSlot = 1184;
inline constexpr std::size_t kIgvmOffset = 1216;
inline constexpr std::size_t kVarDataOffset = 1236;
// A TDX HCL report's slot holds a TDREPORT_STRUCT: its layout is tdx/tdreport.h's.
inline constexpr std::size_t kTdReportSize = tdx::kTdReportSize;

inline constexpr std::uint32_t kIgvmReportTypeSnp = 2;
inline constexpr std::uint32_t kIgvmReportTypeTdx = 4;

enum class HclTee { Snp, Tdx };

// IGVM_REQUEST_DATA that follows the hardware report.
struct IgvmRequestData {
  std::uint32_t data_size = 0;  // 20 + var_data_size
  std::uint32_t version = 0;
  std::uint32_t report_type = 0;  // 2 SNP, 4 TDX
  std::uint32_t hash_type = 0;    // 1 SHA-256, 2 SHA-384, 3 SHA-512
  std::uint32_t var_data_size = 0;
  Bytes var_data;  // UTF-8 JSON text
};

struct HclReport {
  std::uint32_t signature = 0;
  std::uint32_t version = 0;
  std::uint32_t report_size = 0;  // meaningful length: header + slot + IGVM data
  std::uint32_t request_type = 0;
  std::uint32_t status = 0;
  Bytes hw_report;  // 1184-byte SNP ATTESTATION_REPORT or 1024-byte TDREPORT
  IgvmRequestData igvm;
};

// Parses an HCL report (the NV index contents; zero padding after report_size is ignored).
// Truncated or inconsistent sizes are Corrupt; a report_type other than SNP/TDX is Unsupported.
[[nodiscard]] Result<HclReport> parse_hcl_report(ByteView raw);

HclTee hcl_tee(const HclReport& r);

// The hardware report's 64-byte REPORT_DATA (SNP @0x50, TDREPORT @128).
std::array<std::uint8_t, 64> hcl_hw_report_data(const HclReport& r);

// Whether REPORT_DATA starts with hash(var_data) for the IGVM hash type (SHA-256 -> [0:32]).
// An unknown hash type is Unsupported.
[[nodiscard]] Result<bool> hcl_binding_ok(const HclReport& r);

// For `inspect`: header fields, IGVM data, var_data as JSON (or text), the decoded hardware report.
nlohmann::json hcl_report_to_json(const HclReport& r);

}  // namespace attest::azure
