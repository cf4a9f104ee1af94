// The /dev/tdx_guest ioctl ABI, mirrored from torvalds/linux include/uapi/linux/tdx-guest.h
// (driver drivers/virt/coco/tdx-guest/tdx-guest.c, since v6.2). Defined here because distros
// with pre-6.2 linux-libc-dev (e.g. Debian 12) lack <linux/tdx-guest.h>.
#pragma once

#include <linux/ioctl.h>

#include <cstddef>
#include <cstdint>

namespace attest::tdx {

inline constexpr std::size_t kReportDataLen = 64;        // TDX_REPORTDATA_LEN
inline constexpr std::size_t kTdReportLen = 1024;        // TDX_REPORT_LEN
inline constexpr std::size_t kTdReportDataOffset = 128;  // REPORTDATA inside TDREPORT_STRUCT

// struct tdx_report_req: REPORTDATA in, TDREPORT_STRUCT out.
struct TdxReportReq {
  std::uint8_t reportdata[kReportDataLen];
  std::uint8_t tdreport[kTdReportLen];
};
static_assert(sizeof(TdxReportReq) == 1088);
static_assert(offsetof(TdxReportReq, tdreport) == 64);

// TDX_CMD_GET_REPORT0 = _IOWR('T', 1, struct tdx_report_req)
inline constexpr unsigned long kTdxCmdGetReport0 = _IOWR('T', 1, TdxReportReq);
static_assert(kTdxCmdGetReport0 == 0xC4405401ul);

}  // namespace attest::tdx
