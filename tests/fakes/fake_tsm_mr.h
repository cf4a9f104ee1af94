// The kernel's TDX measurement registers in sysfs (tsm-mr, Linux 6.16) inside a FakeOs, kept the
// way drivers/virt/coco/guest/tsm-mr.c and tdx-guest.c keep them
// (Documentation/ABI/testing/sysfs-devices-virtual-misc-tdx_guest):
// - mrconfigid, mrowner, mrownerconfig, mrtd:sha384: read-only, 48 bytes;
// - rtmr0:sha384 .. rtmr3:sha384: a read gives the register; a write must be exactly 48 bytes at
//   offset 0 in one write() (anything else is EINVAL) and extends: RTMR := SHA-384(RTMR || data).
#pragma once

#include <array>
#include <filesystem>
#include <memory>

#include "tests/fakes/fake_os.h"

namespace attest::testing {

class FakeTsmMr {
 public:
  static constexpr const char* kDefaultDir = "/sys/devices/virtual/misc/tdx_guest/measurements";

  explicit FakeTsmMr(FakeOs& os, Bytes mrconfigid = Bytes(48, 0),
                     std::filesystem::path dir = kDefaultDir);

  Bytes rtmr(unsigned index) const;   // current value
  int extends(unsigned index) const;  // successful extends so far
  int refused_writes() const;         // writes answered EINVAL

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace attest::testing
