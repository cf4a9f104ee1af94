#include "providers/inspect.h"

#include <array>

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

}  // namespace

std::string_view report_type_name(ReportType t) {
  for (const auto& n : kTypeNames)
    if (n.type == t) return n.name;
  return "unknown";
}

Result<ReportType> parse_report_type(std::string_view name) {
  for (const auto& n : kTypeNames)
    if (n.name == name) return n.type;
  return fail(Code::InvalidArgument, "unknown report type '" + std::string(name) + "'");
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
  (void)data;
  return fail(Code::Corrupt, "cannot tell what kind of report this is; pass --type");
}

Result<nlohmann::json> inspect_report(ReportType type, ByteView data) {
  (void)data;
  return fail(Code::Unsupported,
              "inspecting " + std::string(report_type_name(type)) + " is not implemented yet");
}

}  // namespace attest
