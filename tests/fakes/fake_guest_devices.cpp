#include "tests/fakes/fake_guest_devices.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "tests/fakes/fake_evidence.h"

namespace attest::testing {
namespace {

// The request numbers spelled out, not taken from providers/*/abi.h (see the header).
constexpr unsigned long kTdxGetReport0 = 0xC4405401ul;
constexpr unsigned long kSnpGetReport = 0xC0205300ul;
constexpr unsigned long kSnpGetExtReport = 0xC0205302ul;
constexpr std::uint32_t kPage = 4096;
constexpr std::uint32_t kBlobMax = 0x4000;  // SEV_FW_BLOB_MAX_SIZE
constexpr std::uint32_t kInvalidParam = 0x16;

std::uint8_t* user_ptr(std::uint64_t addr) {
  return reinterpret_cast<std::uint8_t*>(static_cast<std::uintptr_t>(addr));
}

// Takes the scripted entry for call n, if any.
template <class V>
bool take(std::vector<std::pair<int, V>>& faults, int n, V& out) {
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if (it->first == n) {
      out = it->second;
      faults.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace

// --- /dev/tdx_guest ---

std::shared_ptr<FakeTdxGuestDevice> FakeTdxGuestDevice::install(FakeOs& os,
                                                                std::filesystem::path p) {
  auto dev = std::make_shared<FakeTdxGuestDevice>();
  os.add_node(p, dev);
  return dev;
}

FakeTdxGuestDevice::~FakeTdxGuestDevice() { expect_all_used(); }

void FakeTdxGuestDevice::fail_call(int nth, int err) { faults_.emplace_back(nth, err); }

void FakeTdxGuestDevice::expect_all_used() {
  for (const auto& [nth, err] : faults_)
    ADD_FAILURE() << "fake /dev/tdx_guest: scripted errno " << err << " on call #" << nth
                  << " never fired";
  faults_.clear();
}

Result<int> FakeTdxGuestDevice::ioctl(OpenFile&, unsigned long request, void* arg) {
  ++calls_;
  if (request != kTdxGetReport0) return os_error(ENOTTY, "ioctl");
  if (arg == nullptr) return os_error(EFAULT, "ioctl");
  int err = 0;
  if (take(faults_, calls_, err)) return os_error(err, "ioctl");
  auto* req = static_cast<std::uint8_t*>(arg);  // reportdata[64] then tdreport[1024]
  const Bytes report = make_tdreport(ByteView(req, 64));
  std::memcpy(req + 64, report.data(), report.size());
  return 0;
}

// --- /dev/sev-guest ---

std::shared_ptr<FakeSevGuestDevice> FakeSevGuestDevice::install(FakeOs& os,
                                                                std::filesystem::path p) {
  auto dev = std::make_shared<FakeSevGuestDevice>();
  os.add_node(p, dev);
  return dev;
}

FakeSevGuestDevice::FakeSevGuestDevice() : certs_(fake_vcek_cert_table()) {}

FakeSevGuestDevice::~FakeSevGuestDevice() { expect_all_used(); }

void FakeSevGuestDevice::firmware_error_on_call(int nth, std::uint32_t fw_error) {
  fw_errors_.emplace_back(nth, fw_error);
}

void FakeSevGuestDevice::expect_all_used() {
  for (const auto& [nth, fw] : fw_errors_)
    ADD_FAILURE() << "fake /dev/sev-guest: scripted firmware error " << fw << " on call #" << nth
                  << " never fired";
  fw_errors_.clear();
}

Result<int> FakeSevGuestDevice::ioctl(OpenFile&, unsigned long request, void* arg) {
  ++calls_;
  if (arg == nullptr) return os_error(EFAULT, "ioctl");
  // struct snp_guest_request_ioctl: msg_version @0, req_data @8, resp_data @16, exitinfo2 @24.
  auto* io = static_cast<std::uint8_t*>(arg);
  const std::uint8_t msg_version = io[0];
  const std::uint64_t req_data = load_le64(io + 8);
  const std::uint64_t resp_data = load_le64(io + 16);
  auto set_exitinfo2 = [io](std::uint64_t v) { store_le64(io + 24, v); };
  if (msg_version == 0) return os_error(EINVAL, "ioctl");
  if (vmpck_wiped_) return os_error(ENOTTY, "ioctl (VMPCK is disabled)");
  if (request != kSnpGetReport && request != kSnpGetExtReport) return os_error(ENOTTY, "ioctl");
  if (req_data == 0 || resp_data == 0) return os_error(EFAULT, "ioctl");
  std::uint8_t* req = user_ptr(req_data);  // struct snp_report_req first in both requests

  if (request == kSnpGetExtReport) {
    // struct snp_ext_report_req: certs_address @96, certs_len @104.
    const std::uint64_t certs_address = load_le64(req + 96);
    const std::uint32_t certs_len = load_le32(req + 104);
    certs_lens_.push_back(certs_len);
    if (certs_len > kBlobMax || certs_len % kPage != 0) {
      set_exitinfo2(0xff);
      return os_error(EINVAL, "ioctl (certs_len)");
    }
    if (certs_len != 0 && certs_address != 0) {
      const auto need = static_cast<std::uint32_t>((certs_.size() + kPage - 1) / kPage * kPage);
      if (need > certs_len) {
        store_le32(req + 104, need);
        set_exitinfo2(std::uint64_t{1} << 32);  // SNP_GUEST_VMM_ERR_INVALID_LEN
        return os_error(EIO, "ioctl");
      }
      std::memset(user_ptr(certs_address), 0, certs_len);
      if (!certs_.empty()) std::memcpy(user_ptr(certs_address), certs_.data(), certs_.size());
    }
  }

  std::uint32_t fw_error = 0;
  if (take(fw_errors_, calls_, fw_error)) {
    // The driver wipes the VMPCK after any failed guest request (AES-GCM IV reuse hazard).
    vmpck_wiped_ = true;
    set_exitinfo2(fw_error);
    return os_error(EIO, "ioctl");
  }

  // MSG_REPORT_REQ: user_data[64], vmpl u32 @64, reserved[28] (must be zero).
  const std::uint32_t vmpl = load_le32(req + 64);
  bool reserved_clear = true;
  for (int i = 68; i < 96; ++i) reserved_clear = reserved_clear && req[i] == 0;
  std::uint8_t* resp = user_ptr(resp_data);
  std::memset(resp, 0, 4000);
  if (vmpl < vmpl_floor_ || vmpl > 3 || !reserved_clear) {
    store_le32(resp, kInvalidParam);
    return 0;
  }
  const Bytes report = make_snp_report(ByteView(req, 64), vmpl);
  store_le32(resp, 0);
  store_le32(resp + 4, static_cast<std::uint32_t>(report.size()));
  std::memcpy(resp + 0x20, report.data(), report.size());
  return 0;
}

}  // namespace attest::testing
