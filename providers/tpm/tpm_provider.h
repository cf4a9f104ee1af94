// The generic TPM 2.0 provider (Trustee tee "tpm"): a quote of SHA-256 PCRs 0-23 by a persistent
// AK, nonce = the first 32 bytes of the report data (Trustee's tpm verifier compares the quote's
// extraData with regularize(report_data, 32); guest-components' attester does the same).
#pragma once

#include <array>
#include <memory>
#include <optional>

#include "providers/provider.h"

namespace attest::tpm {

// Evidence JSON (Trustee deps/verifier/src/tpm/mod.rs `Evidence`):
//   {"ak_public": "<std base64 DER SubjectPublicKeyInfo>",
//    "tpm_quote": {"signature": "<std base64 marshalled TPMT_SIGNATURE>",
//                  "message": "<std base64 marshalled TPMS_ATTEST>",
//                  "pcrs": ["<hex SHA-256 PCR0>", ..., "<hex PCR23>"]}}
// Trustee accepts only RSASSA signatures there, so use an RSA AK for Trustee; an ECC AK's quote
// is still produced (ECDSA) for other verifiers.
// With the agent's runtime-measurement log present, also "aa_eventlog" (tpm/runtime_pcr.h).
// Evidence::raw = the TPMS_ATTEST bytes; Evidence::aux = the TCG event log (empty when absent).
class TpmProvider final : public EvidenceProvider {
 public:
  TpmProvider(Os& os, ProviderConfig cfg) : os_(os), cfg_(std::move(cfg)) {}

  TeeKind kind() const override { return TeeKind::Tpm; }
  [[nodiscard]] Result<Evidence> get_evidence(ByteView report_data) override;
  // SHA-256 PCR extend: PCR[pcr] := SHA-256(PCR[pcr] || digest); digest is 32 bytes.
  [[nodiscard]] Result<void> extend(unsigned pcr, ByteView digest) override;
  [[nodiscard]] Result<RuntimeRegister> runtime_register(unsigned pcr) const override;
  [[nodiscard]] Result<Bytes> read_register(unsigned pcr) override;

  // Why the last get_evidence carried no event log (the log is optional; reading it is not
  // allowed to fail the evidence), or nullopt when it had one.
  const std::optional<Error>& eventlog_note() const { return eventlog_note_; }

 private:
  Os& os_;
  ProviderConfig cfg_;
  std::optional<Error> eventlog_note_;
};

// Registry entry: detected when cfg.tpm_device exists; the TPM is reached through cfg.tcti.
ProviderInfo tpm_provider_info();

// Trustee's nonce placement for tee "tpm": zero-pad or truncate to 32 bytes.
std::array<std::uint8_t, 32> tpm_nonce(ByteView report_data);

}  // namespace attest::tpm
