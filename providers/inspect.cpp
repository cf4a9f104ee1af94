#include "providers/inspect.h"

#include <array>
#include <cstring>

#include "providers/azure/hcl_report.h"
#include "providers/eventlog/eventlog.h"
#include "providers/snp/report.h"
#include "providers/tdx/quote.h"
#include "providers/tdx/tdreport.h"
#include "providers/tpm/quote.h"

namespace attest {
namespace {

struct TypeName {
  ReportType type;
  std::string_view name;
};
constexpr std::array<TypeName, 9> kTypeNames{{
    {ReportType::Auto, "auto"},
    {ReportType::TdxQuote, "tdx-quote"},
    {ReportType::TdReport, "tdreport"},
    {ReportType::SnpReport, "snp-report"},
    {ReportType::HclReport, "hcl-report"},
    {ReportType::EventLog, "eventlog"},
    {ReportType::Ccel, "ccel"},
    {ReportType::TpmAttest, "tpm-quote"},
    {ReportType::CcaToken, "cca-token"},
}};

constexpr std::string_view kSpecIdSignature{"Spec ID Event03\0", 16};
constexpr std::uint32_t kTpmGeneratedValue = 0xFF544347;  // TPM 2.0 Part 2 §6.2
constexpr std::uint32_t kEvNoAction = 3;

std::uint32_t load_be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

// An Arm CCA attestation token is a CBOR tag 399 collection (0xD9 0x01 0x8F); we show its
// framing and bytes, leaving claim decoding to the verifier.
Result<nlohmann::json> inspect_cca_token(ByteView data) {
  if (data.size() < 3 || data[0] != 0xD9 || data[1] != 0x01 || data[2] != 0x8F)
    return fail(Code::Corrupt, "cca token: not a CBOR tag 399 (CCA token collection)");
  return nlohmann::json{{"cbor_tag", 399}, {"size", data.size()}, {"hex", hex_encode(data)}};
}

template <class Parsed, class Parse, class Describe>
Result<nlohmann::json> parse_then(ByteView data, Parse parse, Describe describe) {
  Result<Parsed> parsed = parse(data);
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  return describe(*parsed);
}

}  // namespace

std::string_view report_type_name(ReportType t) {
  for (const auto& n : kTypeNames)
    if (n.type == t) return n.name;
  return "unknown";
}

Result<ReportType> parse_report_type(std::string_view name) {
  for (const auto& n : kTypeNames)
    if (n.name == name) return n.type;
  std::string known;
  for (const auto& n : kTypeNames) known += (known.empty() ? "" : ", ") + std::string(n.name);
  return fail(Code::InvalidArgument,
              "unknown report type '" + std::string(name) + "' (known: " + known + ")");
}

ReportType report_type_for(TeeKind tee) {
  switch (tee) {
    case TeeKind::Tdx:
      return ReportType::TdxQuote;
    case TeeKind::Snp:
      return ReportType::SnpReport;
    case TeeKind::Cca:
      return ReportType::CcaToken;
    case TeeKind::AzSnpVtpm:
    case TeeKind::AzTdxVtpm:
      return ReportType::HclReport;
    case TeeKind::Tpm:
      return ReportType::TpmAttest;
    case TeeKind::Sample:
    default:
      return ReportType::Auto;
  }
}

Result<ReportType> sniff_report_type(ByteView data) {
  const std::uint8_t* p = data.data();
  if (data.size() >= 4 && load_le32(p) == azure::kHclSignature) return ReportType::HclReport;
  if (data.size() >= 4 && load_be32(p) == kTpmGeneratedValue) return ReportType::TpmAttest;
  if (data.size() >= 3 && p[0] == 0xD9 && p[1] == 0x01 && p[2] == 0x8F) return ReportType::CcaToken;
  // TDX quote header: version 4/5, TEE type 0x81 at offset 4.
  if (data.size() >= 48 && (load_le16(p) == 4 || load_le16(p) == 5) && load_le32(p + 4) == 0x81)
    return ReportType::TdxQuote;
  // Event logs start with a legacy TCG_PCR_EVENT carrying the Spec ID Event03 (EV_NO_ACTION).
  // A CCEL logs it against CC MR index 1, a TPM log against PCR 0.
  if (data.size() >= 48 && load_le32(p + 4) == kEvNoAction &&
      std::memcmp(p + 32, kSpecIdSignature.data(), kSpecIdSignature.size()) == 0)
    return load_le32(p) == 1 ? ReportType::Ccel : ReportType::EventLog;
  if (data.size() == snp::kReportSize && load_le32(p) >= 2 && load_le32(p) <= 5)
    return ReportType::SnpReport;
  if (data.size() == 1024 && p[0] == 0x81) return ReportType::TdReport;
  return fail(Code::Corrupt, "cannot tell what kind of report this is (" +
                                 std::to_string(data.size()) + " bytes); pass --type");
}

Result<nlohmann::json> inspect_report(ReportType type, ByteView data) {
  switch (type) {
    case ReportType::TdxQuote:
      return parse_then<tdx::Quote>(data, tdx::parse_quote, tdx::quote_to_json);
    case ReportType::TdReport:
      return parse_then<tdx::TdReport>(data, tdx::parse_tdreport, tdx::tdreport_to_json);
    case ReportType::SnpReport:
      return parse_then<snp::AttestationReport>(data, snp::parse_report, snp::report_to_json);
    case ReportType::HclReport:
      return parse_then<azure::HclReport>(data, azure::parse_hcl_report, azure::hcl_report_to_json);
    case ReportType::EventLog:
    case ReportType::Ccel: {
      const bool ccel = type == ReportType::Ccel;
      return parse_then<eventlog::EventLog>(
          data, eventlog::parse_eventlog,
          [ccel](const eventlog::EventLog& log) { return eventlog::eventlog_to_json(log, ccel); });
    }
    case ReportType::TpmAttest:
      return parse_then<tpm::QuoteInfo>(data, tpm::parse_quote_message, tpm::quote_info_to_json);
    case ReportType::CcaToken:
      return inspect_cca_token(data);
    case ReportType::Auto:
    default: {
      auto sniffed = sniff_report_type(data);
      if (!sniffed) return std::unexpected(std::move(sniffed.error()));
      return inspect_report(*sniffed, data);
    }
  }
}

}  // namespace attest
