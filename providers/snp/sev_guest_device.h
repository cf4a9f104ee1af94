// SNP_GET_EXT_REPORT on /dev/sev-guest: the legacy path where configfs-tsm is absent
// (docs/tee-interfaces.md §4). Speaks only the uapi structs of providers/snp/abi.h through Os.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>

#include "common/bytes.h"
#include "common/error.h"
#include "common/os/os.h"

namespace attest::snp {

struct DeviceReport {
  Bytes report;      // the ATTESTATION_REPORT (report_size bytes from MSG_REPORT_RSP @0x20)
  Bytes cert_table;  // the certificate buffer as the driver filled it (all zero: no certs)
};

// One extended report. The certificate buffer starts at one page; on EIO with exitinfo2 ==
// INVALID_LEN the driver has written the size it needs back into certs_len, and the request is
// repeated once with that size (a page multiple, at most 16 KiB, as the driver demands).
// Errors: ENOTTY or any firmware/VMM error -> FailedPrecondition (the driver wipes the VMPCK
// after such an error, so nothing works until reboot); firmware status INVALID_PARAM in the
// response -> InvalidArgument (e.g. vmpl below the guest's own VMPL).
[[nodiscard]] Result<DeviceReport> sev_guest_ext_report(Os& os, const std::filesystem::path& device,
                                                        const std::array<std::uint8_t, 64>& data,
                                                        std::uint32_t vmpl);

}  // namespace attest::snp
