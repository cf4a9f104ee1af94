// TDX measurement registers through the kernel's TSM measurement-register sysfs (tsm-mr,
// Linux 6.16): /sys/devices/virtual/misc/tdx_guest/measurements/ with binary attributes
// "mrconfigid" (RO, 48 bytes) and "rtmr0:sha384".."rtmr3:sha384" (RW, 48 bytes: a read gives
// the register, one 48-byte write() at offset 0 extends it, RTMR := SHA-384(RTMR || data)).
// torvalds/linux Documentation/ABI/testing/sysfs-devices-virtual-misc-tdx_guest,
// drivers/virt/coco/guest/tsm-mr.c; docs/tee-interfaces.md §1.
#pragma once

#include <cstdint>

#include "providers/provider.h"

namespace attest::tdx {

inline constexpr std::size_t kRegisterSize = 48;  // SHA-384

// The CC measurement register index (1..4 = RTMR0..3) for a PCR number, as guest-components
// maps it (attester/src/tdx/mod.rs pcr_to_ccmr, @8246e5e0; td-shim's TD event log spec):
// 1, 7 -> 1; 2..6 -> 2; 8..15 -> 3; anything else (the AAEL's default 17 too) -> 4.
std::uint32_t pcr_to_ccmr(unsigned pcr);

// True when the tsm-mr directory exists (the feature check upstream makes too).
bool tsm_mr_present(Os& os, const ProviderConfig& cfg);

// Extends RTMR `rtmr` (0..3) with exactly 48 bytes, in one write() as the ABI requires.
[[nodiscard]] Result<void> extend_rtmr(Os& os, const ProviderConfig& cfg, unsigned rtmr,
                                       ByteView data);
// The current value of RTMR `rtmr` (0..3); Corrupt unless 48 bytes.
[[nodiscard]] Result<Bytes> read_rtmr(Os& os, const ProviderConfig& cfg, unsigned rtmr);
// MRCONFIGID (48 bytes), where the host puts the init-data digest at launch.
[[nodiscard]] Result<Bytes> read_mrconfigid(Os& os, const ProviderConfig& cfg);

}  // namespace attest::tdx
