// Which register runtime measurements extend, chosen and checked once at agent start.
//
// Default per TEE. tdx (and any TEE without PCRs): 17, guest-components' DEFAULT_PCR_INDEX
// (attestation-agent/src/config/mod.rs @8246e5e0), which its pcr_to_ccmr maps to RTMR3, the
// register Trustee's TDX verifier replays the AAEL against. tpm, az-snp-vtpm, az-tdx-vtpm: 23.
// Trustee's tpm and Azure vTPM verifiers replay no AAEL at all: they check the quote and PCR 8
// and hand a policy the PCRs as claims pcr00..pcr23 (deps/verifier/src/tpm/mod.rs,
// az_snp_vtpm/mod.rs @78962cd4), so any PCR works for them. guest-components' tpm attester
// extends PCR 17 there too (attester/src/tpm/mod.rs extend_runtime_measurement), which a
// PC-Client TPM refuses at locality 0 (TPM_RC_LOCALITY: PCRs 17-22 belong to DRTM localities
// 2-4), swtpm included; we found no platform where that default works, so we do not copy it.
// PCR 23 is the PC-Client "application support" PCR and the only one locality 0 may extend that
// firmware and the boot chain leave alone; its weakness (locality 0 may also reset it) is
// logged at every start. An operator who controls the boot chain can pick one of 0-15 instead.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "providers/provider.h"

namespace attest::measure {

// The PCR measurements extend on `tee` when [agent] measurement_pcr is not set.
unsigned default_measurement_pcr(TeeKind tee) noexcept;

// "0-15, 23": a sorted PCR list as ranges, for messages.
std::string pcr_ranges(const std::vector<unsigned>& pcrs);

// At start, before any measurement: can this process extend `pcr`, and should it? On tpm and
// az-*-vtpm the TPM behind `tcti` (ProviderConfig::tcti, the provider's) says what locality 0
// may do; other TEEs have no such rule (runtime_register() already refuses what they cannot
// extend).
// - Unsupported: this TEE cannot extend runtime measurements at all (the provider's message);
//   POST /v1/measurements then answers 501 as before.
// - FailedPrecondition: the TPM does not let locality 0 extend `pcr`; the message names the PCR
//   and lists the PCRs that locality 0 may extend and not reset.
// - A warning (set) when locality 0 may reset `pcr`: anyone with access to the TPM can wipe the
//   history the event log records, and a verifier could not tell.
[[nodiscard]] Result<std::optional<std::string>> check_measurement_register(
    const EvidenceProvider& provider, unsigned pcr, const std::string& tcti);

}  // namespace attest::measure
