// The event log TDX evidence carries in "cc_eventlog", assembled as guest-components' attester
// does (attestation-agent/attester/src/utils.rs read_eventlog(), guest-components @8246e5e0):
// the CCEL trimmed to its records, then the attestation agent's own log (AAEL, TCG2 records
// that agent/measure appends), then an 8 x 0xFF end marker. Trustee's parser
// (trustee deps/eventlog/src/lib.rs @78962cd4) reads records until 8 bytes of 0xFF or 0x00,
// and fails when the data ends without them, then replays RTMR0-3 against the quote: a log
// that leaves out what was extended into RTMR3 makes /attest fail. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/error.h"

namespace attest::eventlog {

// The AAEL is bounded so that evidence stays well inside Trustee's 2 MiB default request body
// (base64 grows it by a third): agent/measure refuses an extend past it, providers refuse to
// read a larger file.
inline constexpr std::size_t kMaxAaelSize = 1u << 20;

// What ends the records of an assembled log (utils.rs EL_END_FLAG).
inline constexpr std::size_t kEndMarkerSize = 8;

// The CCEL log area cut after its last record: at the first record that starts with 8 bytes of
// 0xFF or 0x00 (the unused tail), or at the end of the data. Corrupt when it is not a
// crypto-agile log (Spec ID Event03 header) or a record is malformed.
[[nodiscard]] Result<Bytes> trim_ccel(ByteView ccel);

// A crypto-agile log header (TCG_PCR_EVENT with "Spec ID Event03", PFP §10.4.5.1) declaring
// one digest algorithm (TCG id, e.g. SHA-384 0x000C), for AAEL records that have no CCEL in
// front of them. upstream's fixed 69-byte header (utils.rs EL_HEADER) carries an all-zero
// signature that TCG parsers reject; Trustee reads only its algorithm table, which sits at the
// same offset here, so this header replays the same way there and parses everywhere.
Bytes spec_id_header(HashAlg alg);

// trimmed CCEL (or, without a CCEL, spec_id_header(header_alg)) + AAEL + end marker; nullopt when
// there is neither (the evidence then carries null). With a CCEL and no AAEL it is the trimmed
// CCEL + end marker, as upstream sends it.
[[nodiscard]] Result<std::optional<Bytes>> assemble_cc_eventlog(const std::optional<Bytes>& ccel,
                                                                const std::optional<Bytes>& aael,
                                                                HashAlg header_alg);

}  // namespace attest::eventlog
