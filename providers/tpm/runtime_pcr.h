// Runtime measurements on a (v)TPM, shared by the tpm and Azure vTPM providers: the SHA-256 PCR
// bank, as guest-components' tpm and az-*-vtpm attesters extend it (attester/src/tpm/utils.rs
// extend_pcr, az_snp_vtpm/mod.rs extend_pcr_sync @8246e5e0: 32-byte digests, PCRs 0-23, the
// log records the PCR number itself), and the agent's event log in the evidence.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "providers/provider.h"

namespace attest::tpm {

// {pcr, SHA-256}; InvalidArgument for a PCR above 23.
[[nodiscard]] Result<RuntimeRegister> sha256_pcr_register(unsigned pcr);
// The SHA-256 PCR's current value, through `tcti`.
[[nodiscard]] Result<Bytes> read_sha256_pcr(const std::string& tcti, unsigned pcr);

// When cfg.aael_path exists, sets evidence["aa_eventlog"] to the standard base64 of a
// crypto-agile log: a Spec ID header declaring SHA-256, the AAEL records, 8 x 0xFF (the same
// shape as TDX's cc_eventlog, so one parser reads both). Trustee's tpm and Azure verifiers
// ignore members they do not know (no deny_unknown_fields, trustee deps/verifier @78962cd4)
// and read the PCRs from the quote; the log is there to explain PCR 17 to a policy or a person.
[[nodiscard]] Result<void> attach_aael(Os& os, const ProviderConfig& cfg, nlohmann::json& evidence);

}  // namespace attest::tpm
