// TDREPORT_STRUCT (1024 bytes, the output of TDG.MR.REPORT via /dev/tdx_guest): a pure parser
// and a JSON view. Layout: docs/tee-interfaces.md §2 (Linux tdx-guest.c TDREPORT_* offsets).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "providers/tdx/td_fields.h"

namespace attest::tdx {

inline constexpr std::size_t kTdReportSize = 1024;
inline constexpr std::uint8_t kReportTypeTdx = 0x81;

struct TdReport {
  // REPORTMACSTRUCT
  std::array<std::uint8_t, 4> report_type{};  // type 0x81, subtype, version (1: TDX 1.5), reserved
  Svn16 cpusvn{};
  Mr48 tee_tcb_info_hash{};  // SHA-384 of tee_tcb_info_raw
  Mr48 tee_info_hash{};      // SHA-384 of td_info_raw
  Data64 report_data{};
  std::array<std::uint8_t, 32> mac{};
  // TEE_TCB_INFO
  Bits64 tee_tcb_valid{};
  Svn16 tee_tcb_svn{};
  Mr48 mr_seam{};
  Mr48 mr_signer_seam{};
  Bits64 seam_attributes{};
  Svn16 tee_tcb_svn2{};  // TDX 1.5; zero in 1.0
  // TDINFO
  Bits64 td_attributes{};
  Bits64 xfam{};
  Mr48 mr_td{};
  Mr48 mr_config_id{};
  Mr48 mr_owner{};
  Mr48 mr_owner_config{};
  std::array<Mr48, 4> rtmr{};
  Mr48 servtd_hash{};  // TDX 1.5; zero in 1.0
  // The hashed regions, so a caller can recompute the two hashes above.
  std::array<std::uint8_t, 239> tee_tcb_info_raw{};
  std::array<std::uint8_t, 512> td_info_raw{};
};

// Exactly 1024 bytes with REPORTTYPE.type 0x81, else Corrupt.
[[nodiscard]] Result<TdReport> parse_tdreport(ByteView in);

// Hex strings for byte fields (report_type, cpusvn, report_data, mr_td, rtmr0..3, ...), plus
// "tee_tcb_info_hash_ok" / "tee_info_hash_ok": whether the SHA-384 hashes match the regions.
nlohmann::json tdreport_to_json(const TdReport& r);

}  // namespace attest::tdx
