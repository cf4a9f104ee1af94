// The provider registry: one entry per TEE, in the fixed auto-detection order documented in
// the README ("Detection order"). Sample is last and never detected.
#include <array>

#include "providers/azure/az_vtpm_provider.h"
#include "providers/cca/cca_provider.h"
#include "providers/provider.h"
#include "providers/sample/sample_provider.h"
#include "providers/snp/snp_provider.h"
#include "providers/tdx/tdx_provider.h"
#include "providers/tpm/tpm_provider.h"
#include "providers/tsm/tsm_detect.h"

namespace attest {
namespace {

struct TeeName {
  TeeKind kind;
  std::string_view wire;
};
constexpr std::array<TeeName, 7> kTeeNames{{
    {TeeKind::Tdx, "tdx"},
    {TeeKind::Snp, "snp"},
    {TeeKind::Cca, "cca"},
    {TeeKind::AzSnpVtpm, "az-snp-vtpm"},
    {TeeKind::AzTdxVtpm, "az-tdx-vtpm"},
    {TeeKind::Tpm, "tpm"},
    {TeeKind::Sample, "sample"},
}};
constexpr std::array<TeeKind, 7> kAllTees{TeeKind::Tdx,       TeeKind::Snp,       TeeKind::Cca,
                                          TeeKind::AzSnpVtpm, TeeKind::AzTdxVtpm, TeeKind::Tpm,
                                          TeeKind::Sample};

std::vector<ProviderInfo> build_registry() {
  std::vector<ProviderInfo> r;
  // Detection order: hardware TEEs with direct guest interfaces first, then the Azure vTPM
  // (recognised by its HCL NV index, so it wins over bare tpm), then plain tpm.
  //   1. tdx: /dev/tdx_guest exists, or configfs-tsm is served by tdx_guest
  //   2. snp: /dev/sev-guest or /sys/devices/platform/sev-guest exists, or configfs-tsm is
  //      served by sev_guest
  //   3. cca: configfs-tsm is served by arm_cca_guest
  //   4. az-snp-vtpm / az-tdx-vtpm: the TPM holds the HCL report NV index 0x01400001; its
  //      report type tells SNP from TDX
  //   5. tpm: the TPM device exists
  // Each checks its device paths first; configfs-tsm is probed (a mkdir/rmdir) at most once
  // per detect_tee() pass, see providers/tsm/tsm_detect.h.
  r.push_back(tdx_provider_info());
  r.push_back(snp_provider_info());
  r.push_back(cca_provider_info());
  r.push_back(azure::az_snp_vtpm_provider_info());
  r.push_back(azure::az_tdx_vtpm_provider_info());
  r.push_back(tpm::tpm_provider_info());
  r.push_back(sample_provider_info());
  return r;
}

}  // namespace

std::string_view tee_wire_name(TeeKind t) {
  for (const auto& n : kTeeNames)
    if (n.kind == t) return n.wire;
  return "unknown";
}

Result<TeeKind> parse_tee(std::string_view name) {
  for (const auto& n : kTeeNames)
    if (n.wire == name) return n.kind;
  std::string known;
  for (const auto& n : kTeeNames) known += (known.empty() ? "" : ", ") + std::string(n.wire);
  return fail(Code::InvalidArgument,
              "unknown TEE '" + std::string(name) + "' (known: " + known + ")");
}

std::span<const TeeKind> all_tees() { return kAllTees; }

std::span<const ProviderInfo> provider_registry() {
  static const std::vector<ProviderInfo> registry = build_registry();
  return registry;
}

Result<TeeKind> detect_tee(Os& os, const ProviderConfig& cfg) {
  const TsmProbeScope probe_once;  // tdx, snp and cca share one configfs-tsm probe
  std::string probed;
  for (const auto& info : provider_registry()) {
    if (info.kind == TeeKind::Sample) continue;
    auto present = info.detect(os, cfg);
    if (!present)
      return std::unexpected(
          std::move(present.error())
              .with_context("detecting " + std::string(tee_wire_name(info.kind))));
    if (*present) return info.kind;
    probed += (probed.empty() ? "" : ", ") + std::string(tee_wire_name(info.kind));
  }
  return fail(Code::NotFound, "no TEE found (probed: " + (probed.empty() ? "nothing" : probed) +
                                  "); choose one with --tee, or --tee sample for testing");
}

Result<std::unique_ptr<EvidenceProvider>> make_provider(TeeKind kind, Os& os,
                                                        const ProviderConfig& cfg) {
  for (const auto& info : provider_registry())
    if (info.kind == kind) return info.create(os, cfg);
  return fail(Code::Unsupported,
              "TEE '" + std::string(tee_wire_name(kind)) + "' is not supported by this build");
}

Result<std::array<std::uint8_t, 64>> pad_report_data(ByteView report_data) {
  if (report_data.size() > kMaxReportData)
    return fail(Code::InvalidArgument, "report data is " + std::to_string(report_data.size()) +
                                           " bytes; the maximum is 64");
  std::array<std::uint8_t, 64> out{};
  std::copy(report_data.begin(), report_data.end(), out.begin());
  return out;
}

}  // namespace attest
