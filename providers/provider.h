// The one small interface every TEE provider implements, and the registry that picks one.
// agent/ and cli/ include only this header (plus the parsers they display).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/error.h"
#include "common/os/os.h"

namespace attest {

namespace azure {
class Imds;  // providers/azure/az_vtpm_provider.h; implemented in agent/azure (HTTP lives there)
}

// TEE kinds, spelled on the wire exactly as Trustee's kbs-types `Tee` (protocol 0.4.0).
enum class TeeKind { Tdx, Snp, Cca, AzSnpVtpm, AzTdxVtpm, Tpm, Sample };

std::string_view tee_wire_name(TeeKind t);
[[nodiscard]] Result<TeeKind> parse_tee(std::string_view name);
// Every kind, in the documented auto-detection order (sample last: never auto-detected).
std::span<const TeeKind> all_tees();

// Report data as the caller has it: at most 64 bytes. Each provider places it where its
// hardware expects it (tdx/snp/cca zero-pad to 64; tpm takes the first 32; Azure vTPM uses the
// bytes as they are for the TPM quote nonce; sample base64-encodes them). This is why the type
// is not a fixed 64-byte span: Trustee checks Azure's quote nonce against the raw digest.
inline constexpr std::size_t kMaxReportData = 64;

// The register runtime measurements extend on this TEE, as the event log names it.
struct RuntimeRegister {
  std::uint32_t log_index = 0;    // TDX: CC MR index (1..4 = RTMR0..3); TPM: the PCR number
  HashAlg alg = HashAlg::Sha256;  // the register's hash, also the log's digests
};

struct Evidence {
  TeeKind tee = TeeKind::Sample;
  Bytes raw;            // the raw hardware report, quote or token
  Bytes aux;            // supplemental data (SNP certificate table), may be empty
  nlohmann::json json;  // the evidence JSON Trustee's verifier for `tee` expects
};

// Where the providers look. Every path is configurable so that tests and unusual systems can
// point elsewhere; the defaults are the Linux ABI locations.
struct ProviderConfig {
  std::filesystem::path tsm_report_dir = "/sys/kernel/config/tsm/report";
  std::filesystem::path tdx_guest_device = "/dev/tdx_guest";
  std::filesystem::path sev_guest_device = "/dev/sev-guest";
  std::filesystem::path sev_guest_sysfs = "/sys/devices/platform/sev-guest";
  std::filesystem::path ccel_data = "/sys/firmware/acpi/tables/data/CCEL";
  // The kernel's TSM measurement registers (tsm-mr, Linux 6.16): RTMR extend and MRCONFIGID.
  std::filesystem::path tdx_measurements_dir = "/sys/devices/virtual/misc/tdx_guest/measurements";
  // The agent's runtime-measurement event log (AAEL: TCG2 records, agent/measure writes it).
  // tdx evidence carries it after the CCEL, tpm evidence as "aa_eventlog"; absent is fine.
  std::filesystem::path aael_path = "/run/attest-agent/eventlog";
  std::filesystem::path tpm_device = "/dev/tpmrm0";
  std::filesystem::path tpm_eventlog = "/sys/kernel/security/tpm0/binary_bios_measurements";
  std::string tcti = "device:/dev/tpmrm0";
  std::uint32_t tpm_ak_handle = 0x81010002;
  std::uint32_t snp_vmpl = 0;
  // configfs-tsm first; the legacy ioctl path only where configfs-tsm is absent.
  bool prefer_configfs = true;
  // The Azure IMDS (VCEK, TD quote) for the az-*-vtpm providers the registry creates. This
  // layer has no HTTP code: the CLI or daemon installs agent/azure's client; null means the
  // VCEK / TD quote are Unavailable.
  std::shared_ptr<azure::Imds> azure_imds;
};

class EvidenceProvider {
 public:
  virtual ~EvidenceProvider() = default;
  virtual TeeKind kind() const = 0;
  std::string_view name() const { return tee_wire_name(kind()); }

  // The raw hardware report/quote for report data (<= 64 bytes).
  [[nodiscard]] virtual Result<Evidence> get_evidence(ByteView report_data) = 0;

  // Optional capabilities: by default they answer "not here" (Unsupported); they never abort.
  // `pcr` is a PCR number as guest-components' attesters take it (default 17, the AAEL's
  // register); a TEE without PCRs maps it (TDX: 1,7 -> RTMR0; 2-6 -> RTMR1; 8-15 -> RTMR2;
  // others -> RTMR3).

  // Extends the register `pcr` maps to with a digest of runtime_register(pcr).alg's size.
  [[nodiscard]] virtual Result<void> extend(unsigned pcr, ByteView digest) {
    (void)pcr;
    (void)digest;
    return unsupported("cannot extend runtime measurements");
  }
  // Which register extend(pcr) changes and which hash it takes.
  [[nodiscard]] virtual Result<RuntimeRegister> runtime_register(unsigned pcr) const {
    (void)pcr;
    return unsupported("cannot extend runtime measurements");
  }
  // The current value of that register.
  [[nodiscard]] virtual Result<Bytes> read_register(unsigned pcr) {
    (void)pcr;
    return unsupported("cannot read runtime measurement registers");
  }
  // The init-data digest the hardware fixed at launch, as Trustee compares it: TDX MRCONFIGID
  // (48 bytes), SNP HOST_DATA (32). TEEs that bind init-data into PCR 8 instead (tpm, Azure
  // vTPM) answer Unsupported here.
  [[nodiscard]] virtual Result<Bytes> initdata_slot() {
    return unsupported("carries no launch-time init-data field");
  }

 protected:
  std::unexpected<Error> unsupported(std::string_view what) const {
    return fail(Code::Unsupported, std::string(name()) + " " + std::string(what));
  }
};

// Registry entry: one per provider module (providers/<tee>/), in detection order.
struct ProviderInfo {
  TeeKind kind;
  std::string_view description;
  // True if this TEE is present. Errors other than "absent" are reported, not swallowed.
  Result<bool> (*detect)(Os& os, const ProviderConfig& cfg);
  Result<std::unique_ptr<EvidenceProvider>> (*create)(Os& os, const ProviderConfig& cfg);
};

std::span<const ProviderInfo> provider_registry();

// Probes the registry in its fixed order and returns the first TEE present. With none it is
// an error (NotFound) naming what was probed: it never falls back to `sample`.
[[nodiscard]] Result<TeeKind> detect_tee(Os& os, const ProviderConfig& cfg);
[[nodiscard]] Result<std::unique_ptr<EvidenceProvider>> make_provider(TeeKind kind, Os& os,
                                                                      const ProviderConfig& cfg);

// Zero-pads report data to 64 bytes; longer input is InvalidArgument.
[[nodiscard]] Result<std::array<std::uint8_t, 64>> pad_report_data(ByteView report_data);

}  // namespace attest
