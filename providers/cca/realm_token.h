// Claims read from an Arm CCA attestation token (what configfs-tsm's arm_cca_guest returns): a
// CBOR tag 399 map holding the platform token (key 44234) and the realm token (key 44241), the
// latter a COSE_Sign1 (tag 18: [protected, unprotected, payload, signature]) whose payload is the
// realm claims map (Arm CCA RMM spec A7.2.3.1; draft-ffm-rats-cca-token §4.2). Read, not
// verified: the guest trusts its own RMM, the verifier checks the signatures.
#pragma once

#include "common/bytes.h"
#include "common/error.h"

namespace attest::cca {

inline constexpr std::uint64_t kRealmTokenKey = 44241;
inline constexpr std::uint64_t kRealmPersonalizationValueKey = 44235;  // bstr .size 64
inline constexpr std::size_t kRpvSize = 64;

// The realm personalisation value (cca-realm-personalization-value): the 64 bytes the host
// fixed at realm creation, which Trustee's CCA verifier compares with the init-data digest.
// Corrupt naming the step that failed (framing, a missing claim, a wrong size). Definite-length
// CBOR only (the RMM encodes no other), nesting at most 16 deep.
[[nodiscard]] Result<Bytes> realm_personalization_value(ByteView token);

}  // namespace attest::cca
