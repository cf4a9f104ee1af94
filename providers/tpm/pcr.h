// PCR selection, reading and extending (TPM 2.0 Part 3 §22).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "providers/tpm/esys.h"

namespace attest::tpm {

inline constexpr unsigned kPcrCount = 24;  // PCRs 0-23 per bank (PC Client platform)

// One bank and the PCR indices wanted from it, ascending and unique.
struct PcrBank {
  TPMI_ALG_HASH alg = TPM2_ALG_SHA256;
  std::vector<unsigned> indices;
};
using PcrSelection = std::vector<PcrBank>;

struct PcrValue {
  unsigned index = 0;
  Bytes digest;
};
struct PcrBankValues {
  TPMI_ALG_HASH alg = TPM2_ALG_SHA256;
  std::vector<PcrValue> values;  // in the order of the bank's indices
};

// A PCR bank by its hash's name (common/digest.h: "sha1", "sha256", ...); InvalidArgument
// otherwise.
[[nodiscard]] Result<TPMI_ALG_HASH> parse_bank(std::string_view name);
// "sha256", or "alg-0x...." for a bank not in the table.
std::string bank_name(TPMI_ALG_HASH alg);

// tpm2-tools' syntax: "sha256:0,1,7", "sha256:all", several banks joined by '+'
// ("sha1:0+sha256:all"). Indices are 0-23.
[[nodiscard]] Result<PcrSelection> parse_pcr_selection(std::string_view spec);
// "sha256:0,1,7+sha1:all" form of a selection (all = 0-23).
std::string pcr_selection_string(const PcrSelection& sel);
// SHA-256 PCRs 0-23: what Trustee's tpm and Azure verifiers expect a quote to cover.
PcrSelection sha256_all_pcrs();

// The PCR_Select bitmaps the TPM takes (3 bytes each, PCR n = byte n/8, bit n%8).
[[nodiscard]] Result<TPML_PCR_SELECTION> to_tpml(const PcrSelection& sel);

// The banks the TPM has allocated, with their selected PCRs (TPM2_CAP_PCRS).
[[nodiscard]] Result<PcrSelection> allocated_pcr_banks(Esys& esys);

// Reads every selected PCR. A TPML_DIGEST holds at most 8 digests, so this calls
// TPM2_PCR_Read until the TPM has returned all of them; a bank the TPM does not have is NotFound.
[[nodiscard]] Result<std::vector<PcrBankValues>> pcr_read(Esys& esys, const PcrSelection& sel);

// Which PCRs locality 0 (where the OS and the agent run) may extend and which it may reset, as
// the TPM reports them: TPM2_GetCapability(TPM_CAP_PCR_PROPERTIES) TPM_PT_PCR_EXTEND_L0 and
// TPM_PT_PCR_RESET_L0 (TPM 2.0 Part 2 §6.13, Part 3 §30.2). A PC-Client TPM gives locality 0
// PCRs 0-16 and 23 to extend and 16 and 23 to reset; 17-22 belong to the DRTM localities. A TPM
// that implements no other locality omits TPM_PT_PCR_EXTEND_L0: then every PCR is extendable.
struct PcrLocalityAccess {
  std::vector<unsigned> extendable;  // ascending
  std::vector<unsigned> resettable;  // ascending
};
[[nodiscard]] Result<PcrLocalityAccess> pcr_locality0_access(Esys& esys);
// The same through a TPM transport (attest-agent at start, for measurement_pcr).
[[nodiscard]] Result<PcrLocalityAccess> pcr_locality0_access(const std::string& tcti);

// Extends SHA-256 PCR `index` (0-23) with a 32-byte digest: PCR := SHA-256(PCR || digest).
[[nodiscard]] Result<void> pcr_extend(Esys& esys, unsigned index, ByteView sha256_digest);

}  // namespace attest::tpm
