// /dev/tdx_guest and /dev/sev-guest as FakeOs nodes that speak the ioctl ABI of
// include/uapi/linux/tdx-guest.h and include/uapi/linux/sev-guest.h, at least as strictly as
// the drivers (drivers/virt/coco/tdx-guest/tdx-guest.c, drivers/virt/coco/sev-guest/sev-guest.c).
// They read the caller's structs by byte offset, not through our providers' ABI headers, so a
// layout mistake there shows up as a failed test.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "tests/fakes/fake_os.h"

namespace attest::testing {

// TDX_CMD_GET_REPORT0 (exactly 0xC4405401, i.e. a 1088-byte struct tdx_report_req) fills the
// TDREPORT (report data at 128). Any other request: ENOTTY.
class FakeTdxGuestDevice : public Node {
 public:
  static std::shared_ptr<FakeTdxGuestDevice> install(FakeOs& os,
                                                     std::filesystem::path p = "/dev/tdx_guest");
  ~FakeTdxGuestDevice() override;
  bool writable() const override { return true; }
  Result<int> ioctl(OpenFile& f, unsigned long request, void* arg) override;

  void fail_call(int nth, int err);  // the nth ioctl fails with err (e.g. EIO: TDCALL failed)
  void expect_all_used();
  int calls() const { return calls_; }

 private:
  int calls_ = 0;
  std::vector<std::pair<int, int>> faults_;  // (nth, errno)
};

// SNP_GET_REPORT (0xC0205300) and SNP_GET_EXT_REPORT (0xC0205302) with the driver's rules:
// msg_version must be non-zero (EINVAL); certs_len must be a page multiple <= 16 KiB (EINVAL);
// a too small certificate buffer fails EIO with exitinfo2 = 1<<32 and the needed size written
// back into certs_len; a scripted firmware error fails EIO with exitinfo2 = the error and wipes
// the VMPCK, after which every request fails ENOTTY. The response holds status @0,
// report_size @4 and the signed report @0x20; the firmware answers INVALID_PARAM (0x16) in
// status for a VMPL outside floor..3 or non-zero reserved request bytes.
class FakeSevGuestDevice : public Node {
 public:
  static std::shared_ptr<FakeSevGuestDevice> install(FakeOs& os,
                                                     std::filesystem::path p = "/dev/sev-guest");
  FakeSevGuestDevice();
  ~FakeSevGuestDevice() override;
  bool writable() const override { return true; }
  Result<int> ioctl(OpenFile& f, unsigned long request, void* arg) override;

  // The host's certificate table (default: the test VCEK table); empty: the host has none.
  void set_certs(Bytes table) { certs_ = std::move(table); }
  void set_vmpl_floor(unsigned floor) { vmpl_floor_ = floor; }
  // The nth ioctl reaches the firmware and fails with this SEV_RET_* code.
  void firmware_error_on_call(int nth, std::uint32_t fw_error);
  void expect_all_used();

  int calls() const { return calls_; }
  bool vmpck_wiped() const { return vmpck_wiped_; }
  const std::vector<std::uint32_t>& certs_lens_seen() const { return certs_lens_; }

 private:
  Bytes certs_;
  unsigned vmpl_floor_ = 0;
  int calls_ = 0;
  bool vmpck_wiped_ = false;
  std::vector<std::pair<int, std::uint32_t>> fw_errors_;  // (nth, SEV_RET_*)
  std::vector<std::uint32_t> certs_lens_;
};

}  // namespace attest::testing
