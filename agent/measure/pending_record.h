// The write-ahead record of a runtime measurement in flight: written durably before the register
// is extended, removed once the event log holds the record. After a crash (or a failed append)
// it says which record may be missing and what the register held before it, so that recovery
// can tell from the register alone whether the extend happened (runtime_measurer.h).
//
// guest-components keeps the same kind of record (attestation-agent/src/eventlog/mod.rs
// WalCache, @8246e5e0: log offset, the register value expected after the extend, the event
// text); ours also keeps the value before, so that a register matching neither is refused
// instead of re-extended, and the whole encoded record, so that recovery appends exactly the
// bytes that were extended. The file is private to the agent and not an upstream format:
//
//   "AAELWAL1" | u64le log offset | u8 n | register before (n) | u8 d | digest (d)
//   | u32le m | record (m)
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::measure {

struct PendingRecord {
  std::uint64_t log_offset = 0;  // the log's size before the record is appended
  Bytes register_before;         // the register's value while the log was log_offset bytes
  Bytes digest;                  // what the register is extended with
  Bytes record;                  // the TCG_PCR_EVENT2 record to append
};

Bytes encode_pending(const PendingRecord& p);
// Corrupt naming what is wrong (magic, a length, trailing bytes).
[[nodiscard]] Result<PendingRecord> decode_pending(ByteView in);

}  // namespace attest::measure
