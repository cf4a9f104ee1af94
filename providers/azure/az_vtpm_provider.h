// Azure confidential VMs (Trustee tees "az-snp-vtpm" and "az-tdx-vtpm"): the paravisor (HCL)
// publishes a hardware report bound to the vTPM in NV index 0x01400001; the guest binds its
// report data by writing it to NV 0x01400002, and quotes PCRs with the vTPM AK 0x81000003.
// docs/tee-interfaces.md §6; kinvolk/azure-cvm-tooling az-cvm-vtpm/src/vtpm/mod.rs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "providers/azure/hcl_report.h"
#include "providers/provider.h"

namespace attest::azure {

inline constexpr std::uint32_t kHclReportIndex = 0x01400001;
inline constexpr std::uint32_t kReportDataIndex = 0x01400002;
inline constexpr std::uint32_t kVtpmAkHandle = 0x81000003;
inline constexpr std::size_t kReportTypeOffset = 1224;  // IGVM request data: report_type

// The Azure Instance Metadata Service (169.254.169.254), behind an interface: this module has
// no HTTP code. The agent plugs in its HTTP client; tests plug in fixtures.
class Imds {
 public:
  virtual ~Imds() = default;
  // GET /metadata/THIM/amd/certification (header Metadata: true): the VCEK as DER.
  [[nodiscard]] virtual Result<Bytes> vcek_der() = 0;
  // POST /acc/tdquote {"report": base64url(TDREPORT)}: the TD quote bytes.
  [[nodiscard]] virtual Result<Bytes> td_quote(ByteView td_report) = 0;
};

struct AzVtpmOptions {
  std::shared_ptr<Imds> imds;  // null: VCEK / TD quote are Unavailable
  // The VCEK DER from the SEV-SNP certificate table when the platform exposes one (nullopt
  // when it has none); tried before IMDS.
  std::function<Result<std::optional<Bytes>>()> vcek_from_cert_table;
  // The HCL regenerates 0x01400001 after 0x01400002 is written; azure-cvm-tooling waits 3 s.
  std::chrono::milliseconds report_settle{3000};
  std::uint32_t ak_handle = kVtpmAkHandle;
};

// SNP or TDX from the HCL report's IGVM report_type at offset 1224 (2 = SNP, 4 = TDX).
// Shorter than 1228 bytes is Corrupt; another type is Unsupported. Only this field is read
// (not parse_hcl_report()): detection and evidence collection need nothing else, and the
// verifier, not the guest, is the one to judge the rest of the report.
[[nodiscard]] Result<HclTee> hcl_report_tee(ByteView hcl_report);

// Evidence JSON (version 2, guest-components attester/src/az_{snp,tdx}_vtpm):
//   {"version":2,
//    "tpm_quote":{"signature":"<hex RSASSA signature>","message":"<hex TPMS_ATTEST>",
//                 "pcrs":["<hex SHA-256 PCR0>", ... x24]},
//    "hcl_report":"<base64url, padded>",
//    "vcek":"<base64url, padded, VCEK DER>"}           (az-snp-vtpm)
//    "td_quote":"<base64url, padded, TD quote>"}         (az-tdx-vtpm)
// The quote's nonce is the report data exactly as given (1..64 bytes), which Trustee checks
// against its raw digest. Evidence::raw = the HCL report; aux = the VCEK DER or the TD quote.
[[nodiscard]] Result<std::unique_ptr<EvidenceProvider>> make_az_vtpm_provider(
    TeeKind kind, Os& os, const ProviderConfig& cfg, AzVtpmOptions options);

// Registry entries: present when cfg.tpm_device exists, the vTPM (cfg.tcti) has NV 0x01400001,
// and its report_type is SNP (resp. TDX). Created with default options (no IMDS client).
ProviderInfo az_snp_vtpm_provider_info();
ProviderInfo az_tdx_vtpm_provider_info();

}  // namespace attest::azure
