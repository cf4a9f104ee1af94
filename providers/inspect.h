// Decoding of reports, quotes and event logs into JSON for `attest-cli inspect` and
// `get-report --format json`. The parsers themselves live beside their TEE (providers/<tee>/).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "providers/provider.h"

namespace attest {

enum class ReportType {
  Auto,
  TdxQuote,   // Intel DCAP quote v4/v5
  TdReport,   // 1024-byte TDREPORT_STRUCT
  SnpReport,  // 1184-byte SEV-SNP ATTESTATION_REPORT
  HclReport,  // Azure paravisor HCL report
  EventLog,   // TCG PC-Client crypto-agile event log
  Ccel,       // TDX CC event log (same format, CC MR indices)
  TpmAttest,  // marshalled TPMS_ATTEST (TPM2_Quote output)
  CcaToken,   // Arm CCA attestation token (CBOR), shown as size + hex
};

std::string_view report_type_name(ReportType t);
[[nodiscard]] Result<ReportType> parse_report_type(std::string_view name);
// Guesses the type from the content (magic numbers, sizes); Corrupt if nothing fits.
[[nodiscard]] Result<ReportType> sniff_report_type(ByteView data);
// The decoded fields; Corrupt with the offset on malformed input.
[[nodiscard]] Result<nlohmann::json> inspect_report(ReportType type, ByteView data);
// The report type a provider's raw evidence has (for get-report --format json).
ReportType report_type_for(TeeKind tee);

}  // namespace attest
