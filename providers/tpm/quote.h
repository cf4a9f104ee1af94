// TPM2_Quote with a persistent AK, and a decoder for the quoted TPMS_ATTEST.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>

#include "common/bytes.h"
#include "providers/tpm/esys.h"
#include "providers/tpm/pcr.h"

namespace attest::tpm {

// TPM2B_DATA holds sizeof(TPMT_HA) = 66 bytes; tss-esapi (and so Trustee) caps it at 64.
inline constexpr std::size_t kMaxQualifyingData = 64;

struct TpmQuote {
  Bytes message;        // marshalled TPMS_ATTEST (TPM2B_ATTEST's attestationData)
  Bytes signature;      // marshalled TPMT_SIGNATURE (sigAlg, hash, then the scheme's fields)
  Bytes rsa_signature;  // the bare RSASSA/RSAPSS signature bytes; empty for ECDSA
};

// A persistent AK opened once for several commands (one ReadPublic, no repeated lookups).
struct Ak {
  TPM2_HANDLE handle = 0;
  TrHandle tr;
  TPMT_PUBLIC pub{};
};
// A missing AK is NotFound naming the handle and how to provision one.
[[nodiscard]] Result<Ak> open_ak(Esys& esys, TPM2_HANDLE handle);

// The scheme a quote is signed with, named explicitly rather than TPM2_ALG_NULL ("the key's
// own"): an RSA AK made without a scheme would fail with TPM_RC_SCHEME, and an RSAPSS one would
// sign quotes Trustee refuses. RSA: RSASSA-SHA256 (Trustee's tpm and Azure verifiers accept
// only RSASSA; guest-components' tpm attester quotes with it). ECC P-256: ECDSA-SHA256, for
// verifiers that take it (tpm2-tools' tpm2_checkquote, Keylime), not Trustee. A key bound to
// another scheme or hash is Unsupported naming it.
[[nodiscard]] Result<TPMT_SIG_SCHEME> quote_scheme(const Ak& ak);

// Quotes `sel` with `ak` under quote_scheme(), nonce = qualifying_data (at most 64 bytes).
[[nodiscard]] Result<TpmQuote> quote(Esys& esys, const Ak& ak, ByteView qualifying_data,
                                     const PcrSelection& sel);
// The same with the AK at persistent handle `ak`.
[[nodiscard]] Result<TpmQuote> quote(Esys& esys, TPM2_HANDLE ak, ByteView qualifying_data,
                                     const PcrSelection& sel);

// The fields of a quote's TPMS_ATTEST a verifier checks (TPM 2.0 Part 2 §10.12.8, §10.12.12).
struct QuoteInfo {
  Bytes qualified_signer;  // TPM2B_NAME
  Bytes extra_data;        // the nonce
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  std::uint64_t firmware_version = 0;
  PcrSelection selection;
  Bytes pcr_digest;  // hash of the selected PCR values, in selection order
};

// Pure: decodes a marshalled TPMS_ATTEST; not magic TPM_GENERATED_VALUE / type ATTEST_QUOTE,
// truncation or trailing bytes are Corrupt.
[[nodiscard]] Result<QuoteInfo> parse_quote_message(ByteView message);
// For `inspect`: hex strings for the byte fields, the selection as "sha256:0,1,...".
nlohmann::json quote_info_to_json(const QuoteInfo& q);

// A SHA-256 PCR 0-23 quote together with the 24 PCR values it covers, as Trustee's tpm and
// Azure verifiers want them. The PCRs are read after the quote; if one changed in between
// (the quote's pcrDigest no longer matches SHA-256 of the values), both are taken again, up to
// three times, then Unavailable.
struct QuoteWithPcrs {
  TpmQuote quote;
  std::vector<Bytes> pcrs;  // SHA-256 PCRs 0..23
};
[[nodiscard]] Result<QuoteWithPcrs> quote_sha256_pcrs(Esys& esys, const Ak& ak,
                                                      ByteView qualifying_data);
[[nodiscard]] Result<QuoteWithPcrs> quote_sha256_pcrs(Esys& esys, TPM2_HANDLE ak,
                                                      ByteView qualifying_data);

}  // namespace attest::tpm
