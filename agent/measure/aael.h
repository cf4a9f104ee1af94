// Attestation Agent Event Log (AAEL) records, byte for byte as guest-components writes them
// (attestation-agent/attestation-agent/src/eventlog/{mod.rs,tcg2.rs} @8246e5e0) and Trustee
// parses them (deps/eventlog/src/ccel/event_tag.rs @78962cd4; spec
// kbs/docs/confidential-containers-eventlog.md):
//
//   event text  = "<domain> <operation> <content>"
//   tagged data = TCG_PCClientTaggedEvent { u32le taggedEventID = 0x4141454c ("AAEL");
//                                           u32le size; text }
//   digest      = H(tagged data), H = the register's hash (TDX SHA-384, TPM SHA-256)
//   record      = TCG_PCR_EVENT2 { u32le register (TDX: CC MR index, TPM: PCR);
//                                  u32le EV_EVENT_TAG (6); u32le 1; u16le alg; digest;
//                                  u32le size; tagged data }
//
// The register is extended with `digest`.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "providers/provider.h"

namespace attest::measure {

inline constexpr std::uint32_t kEvEventTag = 0x6;
inline constexpr std::uint32_t kAaelTaggedEventId = 0x4141454c;

// Bounds on what a caller may log: one record stays small, and the log (eventlog::kMaxAaelSize)
// holds thousands of them.
inline constexpr std::size_t kMaxDomainSize = 256;
inline constexpr std::size_t kMaxOperationSize = 256;
inline constexpr std::size_t kMaxContentSize = 16u << 10;

// The AAEL spec's rules, which Trustee's parser depends on: domain and operation are non-empty
// printable ASCII without white space (the parser splits the text at the first two spaces);
// content is non-empty valid UTF-8 without control characters (no LF: the spec's line rule;
// Trustee refuses the whole log when an event is not UTF-8). guest-components itself only
// rejects a LF in content; everything it accepts beyond this would break a verifier.
// InvalidArgument naming the field and the offending byte offset.
[[nodiscard]] Result<void> validate_event(std::string_view domain, std::string_view operation,
                                          std::string_view content);

struct AaelRecord {
  Bytes digest;  // what the register is extended with
  Bytes bytes;   // the TCG_PCR_EVENT2 record appended to the log
};

// Validates the event and encodes its record for `reg`. Unsupported for a hash we cannot compute.
[[nodiscard]] Result<AaelRecord> encode_record(const RuntimeRegister& reg, std::string_view domain,
                                               std::string_view operation,
                                               std::string_view content);

}  // namespace attest::measure
