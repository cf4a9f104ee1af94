#include "providers/snp/sev_guest_device.h"

#include <fcntl.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "providers/snp/abi.h"

namespace attest::snp {
namespace {

constexpr std::size_t kMinReportSize = 1184;  // ATTESTATION_REPORT (§5)

std::string hex_number(std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  (void)ec;
  return "0x" + std::string(buf, end);
}

// The driver's errors, given the meaning sev-guest.c gives them.
std::unexpected<Error> request_error(const Error& e, std::uint64_t exitinfo2) {
  if (e.os_errno == ENOTTY)
    return fail(Code::FailedPrecondition,
                "snp: SNP_GET_EXT_REPORT: the VMPCK is disabled (the driver wiped it after an "
                "earlier firmware error): reboot required",
                e.os_errno);
  if (e.os_errno == EIO)
    return fail(Code::FailedPrecondition,
                "snp: SNP_GET_EXT_REPORT: firmware error " + hex_number(exitinfo2 & 0xffffffffu) +
                    ", VMM error " + hex_number(exitinfo2 >> 32) +
                    "; the driver disables the VMPCK after this: reboot required",
                e.os_errno);
  return std::unexpected(Error(e).with_context("snp: SNP_GET_EXT_REPORT"));
}

// MSG_REPORT_RSP: a firmware rejection is a status in the response, not an ioctl error.
Result<Bytes> report_from_response(const SnpReportResp& resp) {
  const std::uint32_t status = load_le32(resp.data + kRespStatusOffset);
  if (status == kStatusInvalidParam)
    return fail(Code::InvalidArgument,
                "snp: firmware rejected the report request: status 0x16 (INVALID_PARAM; is the "
                "requested VMPL below the guest's own?)");
  if (status != 0)
    return fail(Code::Internal,
                "snp: firmware rejected the report request: status " + hex_number(status));
  const std::uint32_t size = load_le32(resp.data + kRespReportSizeOffset);
  if (size < kMinReportSize || size > sizeof resp.data - kRespReportOffset)
    return fail(Code::Corrupt, "snp: MSG_REPORT_RSP report_size " + std::to_string(size) +
                                   " at offset 4 is out of range");
  const std::uint8_t* begin = resp.data + kRespReportOffset;
  return Bytes(begin, begin + size);
}

}  // namespace

Result<DeviceReport> sev_guest_ext_report(Os& os, const std::filesystem::path& device,
                                          const std::array<std::uint8_t, 64>& data,
                                          std::uint32_t vmpl) {
  auto fd = os.open(device, O_RDWR);
  if (!fd) return std::unexpected(std::move(fd.error()).with_context("snp"));
  Bytes certs(kPageSize, 0);
  for (int attempt = 1;; ++attempt) {
    SnpExtReportReq req{};
    std::memcpy(req.data.user_data, data.data(), data.size());
    req.data.vmpl = vmpl;
    req.certs_address = reinterpret_cast<std::uintptr_t>(certs.data());
    req.certs_len = static_cast<std::uint32_t>(certs.size());
    auto resp = std::make_unique<SnpReportResp>();
    SnpGuestRequestIoctl io{};
    io.msg_version = kMsgVersion;
    io.req_data = reinterpret_cast<std::uintptr_t>(&req);
    io.resp_data = reinterpret_cast<std::uintptr_t>(resp.get());
    auto rc = os.ioctl(*fd, kSnpGetExtReport, &io);
    if (rc) {
      auto report = report_from_response(*resp);
      if (!report) return std::unexpected(std::move(report.error()));
      ATTEST_TRY(with_context(os.close(std::move(*fd)), "snp: close"));
      return DeviceReport{std::move(*report), std::move(certs)};
    }
    if (rc.error().os_errno == EIO && io.exitinfo2 == kVmmErrInvalidLen) {
      // The host has more certificates than fit: the driver wrote the size it needs back.
      const std::uint32_t need = req.certs_len;
      if (attempt > 1 || need <= certs.size() || need % kPageSize != 0 || need > kSevFwBlobMaxSize)
        return fail(Code::Internal, "snp: SNP_GET_EXT_REPORT: the driver asked for a " +
                                        std::to_string(need) +
                                        "-byte certificate buffer after we offered " +
                                        std::to_string(certs.size()));
      certs.assign(need, 0);
      continue;
    }
    return request_error(rc.error(), io.exitinfo2);
  }
}

}  // namespace attest::snp
