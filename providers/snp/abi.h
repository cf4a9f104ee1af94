// The /dev/sev-guest ioctl ABI, mirrored from torvalds/linux include/uapi/linux/sev-guest.h
// (driver drivers/virt/coco/sev-guest/sev-guest.c, since v5.19) so that the layout is ours
// and checked here rather than whatever header the build machine has.
#pragma once

#include <linux/ioctl.h>

#include <cstddef>
#include <cstdint>

namespace attest::snp {

// struct snp_guest_request_ioctl. exitinfo2: bits [31:0] firmware error (SEV_RET_* from
// psp-sev.h), bits [63:32] VMM error.
struct SnpGuestRequestIoctl {
  std::uint8_t msg_version;  // must be non-zero
  std::uint64_t req_data;    // user pointer to the request struct
  std::uint64_t resp_data;   // user pointer to the response struct
  std::uint64_t exitinfo2;
};
static_assert(sizeof(SnpGuestRequestIoctl) == 32);
static_assert(offsetof(SnpGuestRequestIoctl, req_data) == 8);
static_assert(offsetof(SnpGuestRequestIoctl, resp_data) == 16);
static_assert(offsetof(SnpGuestRequestIoctl, exitinfo2) == 24);

// struct snp_report_req
struct SnpReportReq {
  std::uint8_t user_data[64];
  std::uint32_t vmpl;
  std::uint8_t rsvd[28];  // must be zero
};
static_assert(sizeof(SnpReportReq) == 96);
static_assert(offsetof(SnpReportReq, vmpl) == 64);

// struct snp_ext_report_req
struct SnpExtReportReq {
  SnpReportReq data;
  std::uint64_t certs_address;
  std::uint32_t certs_len;  // a multiple of 4096, at most kSevFwBlobMaxSize
};
static_assert(sizeof(SnpExtReportReq) == 112);
static_assert(offsetof(SnpExtReportReq, certs_address) == 96);
static_assert(offsetof(SnpExtReportReq, certs_len) == 104);

// struct snp_report_resp: the firmware's MSG_REPORT_RSP.
struct SnpReportResp {
  std::uint8_t data[4000];
};
static_assert(sizeof(SnpReportResp) == 4000);

// Layout of MSG_REPORT_RSP inside SnpReportResp::data (SEV-SNP ABI spec 56860).
inline constexpr std::size_t kRespStatusOffset = 0;
inline constexpr std::size_t kRespReportSizeOffset = 4;
inline constexpr std::size_t kRespReportOffset = 0x20;

inline constexpr unsigned long kSnpGetReport = _IOWR('S', 0x0, SnpGuestRequestIoctl);
inline constexpr unsigned long kSnpGetExtReport = _IOWR('S', 0x2, SnpGuestRequestIoctl);
static_assert(kSnpGetReport == 0xC0205300ul);
static_assert(kSnpGetExtReport == 0xC0205302ul);

inline constexpr std::uint8_t kMsgVersion = 1;
inline constexpr std::uint32_t kPageSize = 4096;
// SEV_FW_BLOB_MAX_SIZE: the driver refuses certs_len above this (and non page multiples).
inline constexpr std::uint32_t kSevFwBlobMaxSize = 0x4000;
// exitinfo2 VMM errors (SNP_GUEST_VMM_ERR_*), shifted into bits [63:32].
inline constexpr std::uint64_t kVmmErrInvalidLen = std::uint64_t{1} << 32;
inline constexpr std::uint64_t kVmmErrBusy = std::uint64_t{2} << 32;
// MSG_REPORT_RSP status values (SEV_RET_* in psp-sev.h).
inline constexpr std::uint32_t kStatusInvalidParam = 0x16;
inline constexpr std::uint32_t kStatusInvalidKey = 0x27;

}  // namespace attest::snp
