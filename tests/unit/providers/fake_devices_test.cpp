// The fakes refuse what the kernel refuses; the provider tests rely on that strictness.
#include <fcntl.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "providers/snp/abi.h"
#include "providers/tdx/abi.h"
#include "tests/fakes/fake_evidence.h"
#include "tests/fakes/fake_guest_devices.h"
#include "tests/fakes/fake_tsm.h"

namespace attest {
namespace {

using testing::FakeOs;
using testing::FakeSevGuestDevice;
using testing::FakeTdxGuestDevice;
using testing::FakeTsm;
using testing::TsmOp;
using testing::TsmProvider;

struct SevCall {
  snp::SnpExtReportReq req{};
  snp::SnpReportResp resp{};
  snp::SnpGuestRequestIoctl io{};
  Bytes certs;
  explicit SevCall(std::uint32_t certs_len) : certs(certs_len) {
    req.certs_address = reinterpret_cast<std::uintptr_t>(certs.data());
    req.certs_len = certs_len;
    io.msg_version = 1;
    io.req_data = reinterpret_cast<std::uintptr_t>(&req);
    io.resp_data = reinterpret_cast<std::uintptr_t>(&resp);
  }
};

class FakeDevicesTest : public ::testing::Test {
 protected:
  Result<int> sev_ioctl(unsigned long request, SevCall& call) {
    auto fd = os_.open("/dev/sev-guest", O_RDWR);
    if (!fd) return std::unexpected(fd.error());
    return os_.ioctl(*fd, request, &call.io);
  }
  FakeOs os_;
};

TEST_F(FakeDevicesTest, SevRefusesZeroMsgVersionAndBadCertLengths) {
  auto dev = FakeSevGuestDevice::install(os_);
  SevCall zero_version(4096);
  zero_version.io.msg_version = 0;
  auto r = sev_ioctl(snp::kSnpGetExtReport, zero_version);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().os_errno, EINVAL);
  for (std::uint32_t len : {100u, 4097u, 0x5000u}) {
    SevCall bad(len);
    auto b = sev_ioctl(snp::kSnpGetExtReport, bad);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().os_errno, EINVAL) << len;
  }
  EXPECT_FALSE(dev->vmpck_wiped());
}

TEST_F(FakeDevicesTest, SevRefusesUnknownRequests) {
  FakeSevGuestDevice::install(os_);
  SevCall call(4096);
  auto derived_key = sev_ioctl(0xC0205301ul, call);  // SNP_GET_DERIVED_KEY: not faked
  ASSERT_FALSE(derived_key);
  EXPECT_EQ(derived_key.error().os_errno, ENOTTY);
}

TEST_F(FakeDevicesTest, SevPlainReportHasStatusSizeAndReportAt0x20) {
  FakeSevGuestDevice::install(os_);
  SevCall call(0);
  call.req.data.user_data[0] = 0x42;
  auto r = sev_ioctl(snp::kSnpGetReport, call);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(load_le32(call.resp.data), 0u);
  EXPECT_EQ(load_le32(call.resp.data + 4), testing::kSnpReportSize);
  EXPECT_EQ(call.resp.data[0x20 + testing::kSnpReportDataOffset], 0x42);
}

TEST_F(FakeDevicesTest, SevInvalidLenWritesTheNeededSizeBack) {
  auto dev = FakeSevGuestDevice::install(os_);
  dev->set_certs(Bytes(4097, 1));
  SevCall call(4096);
  auto r = sev_ioctl(snp::kSnpGetExtReport, call);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().os_errno, EIO);
  EXPECT_EQ(call.io.exitinfo2, snp::kVmmErrInvalidLen);
  EXPECT_EQ(call.req.certs_len, 8192u);
  EXPECT_FALSE(dev->vmpck_wiped());
}

TEST_F(FakeDevicesTest, TdxChecksTheExactRequestNumber) {
  auto dev = FakeTdxGuestDevice::install(os_);
  auto fd = os_.open("/dev/tdx_guest", O_RDWR);
  ASSERT_TRUE(fd);
  tdx::TdxReportReq req{};
  auto wrong_size = os_.ioctl(*fd, 0xC4005401ul, &req);  // _IOWR('T', 1, 1024 bytes)
  ASSERT_FALSE(wrong_size);
  EXPECT_EQ(wrong_size.error().os_errno, ENOTTY);
  auto null_arg = os_.ioctl(*fd, tdx::kTdxCmdGetReport0, nullptr);
  ASSERT_FALSE(null_arg);
  EXPECT_EQ(null_arg.error().os_errno, EFAULT);
  req.reportdata[63] = 0x99;
  auto ok = os_.ioctl(*fd, tdx::kTdxCmdGetReport0, &req);
  ASSERT_TRUE(ok);
  EXPECT_EQ(req.tdreport[testing::kTdReportDataOffset + 63], 0x99);
  EXPECT_EQ(dev->calls(), 3);
}

TEST_F(FakeDevicesTest, UnusedScriptsFailTheTest) {
  EXPECT_NONFATAL_FAILURE(
      {
        FakeOs os;
        FakeTsm tsm(os, TsmProvider::TdxGuest);
        tsm.fail_on(TsmOp::ReadOutblob, 1, EIO);
      },
      "never fired");
  EXPECT_NONFATAL_FAILURE(
      {
        FakeOs os;
        auto dev = FakeSevGuestDevice::install(os);
        dev->firmware_error_on_call(1, 0x16);
        dev->expect_all_used();
      },
      "never fired");
  EXPECT_NONFATAL_FAILURE(
      {
        FakeOs os;
        auto dev = FakeTdxGuestDevice::install(os);
        dev->fail_call(2, EIO);
        dev->expect_all_used();
      },
      "never fired");
}

}  // namespace
}  // namespace attest
