// Auto-detection over the registry: fixed order, one configfs-tsm probe per pass, fail closed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>

#include "providers/provider.h"
#include "providers/tsm/tsm_detect.h"
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

class DetectTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(os_.open_handles(), 0); }
  int mkdirs() const {
    return static_cast<int>(std::ranges::count_if(
        os_.log(), [](const std::string& l) { return l.starts_with("mkdir "); }));
  }
  FakeOs os_;
  ProviderConfig cfg_;
};

TEST_F(DetectTest, RegistryOrderIsTdxSnpCcaAndSampleLast) {
  std::vector<TeeKind> kinds;
  for (const auto& info : provider_registry()) kinds.push_back(info.kind);
  ASSERT_GE(kinds.size(), 4u);
  EXPECT_EQ(kinds[0], TeeKind::Tdx);
  EXPECT_EQ(kinds[1], TeeKind::Snp);
  EXPECT_EQ(kinds[2], TeeKind::Cca);
  EXPECT_EQ(kinds.back(), TeeKind::Sample);
}

TEST_F(DetectTest, NoTeeIsNotFoundNeverSample) {
  auto kind = detect_tee(os_, cfg_);
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().code, Code::NotFound);
  EXPECT_NE(kind.error().message.find("probed: tdx, snp, cca"), std::string::npos);
  EXPECT_EQ(mkdirs(), 0);  // configfs-tsm absent: nothing to probe
}

TEST_F(DetectTest, ConfigfsWithoutProviderIsNoTee) {
  FakeTsm tsm(os_, std::nullopt);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().code, Code::NotFound);
  EXPECT_EQ(mkdirs(), 1);
}

TEST_F(DetectTest, TdxByConfigfsProvider) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::Tdx);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(DetectTest, CcaByConfigfsProbesOnlyOnce) {
  FakeTsm tsm(os_, TsmProvider::ArmCcaGuest);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::Cca);
  EXPECT_EQ(mkdirs(), 1);  // tdx, snp and cca shared one probe
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(DetectTest, SnpByConfigfsProvider) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::Snp);
  EXPECT_EQ(mkdirs(), 1);
}

TEST_F(DetectTest, DevicesAreCheckedWithoutProbing) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  FakeTdxGuestDevice::install(os_);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::Tdx);
  EXPECT_EQ(mkdirs(), 0);
}

TEST_F(DetectTest, SnpByDeviceOrSysfs) {
  FakeSevGuestDevice::install(os_);
  auto by_device = detect_tee(os_, cfg_);
  ASSERT_TRUE(by_device) << by_device.error().message;
  EXPECT_EQ(*by_device, TeeKind::Snp);

  FakeOs sysfs_only;
  sysfs_only.add_dir(cfg_.sev_guest_sysfs);
  auto by_sysfs = detect_tee(sysfs_only, cfg_);
  ASSERT_TRUE(by_sysfs) << by_sysfs.error().message;
  EXPECT_EQ(*by_sysfs, TeeKind::Snp);
}

TEST_F(DetectTest, TdxWinsOverSnpWhenBothArePresent) {
  FakeSevGuestDevice::install(os_);
  FakeTdxGuestDevice::install(os_);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::Tdx);
}

TEST_F(DetectTest, ProbeFailureIsReportedNotSwallowed) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.fail_on(TsmOp::Mkdir, 1, EACCES);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().code, Code::PermissionDenied);
  EXPECT_NE(kind.error().message.find("detecting tdx"), std::string::npos);
  EXPECT_EQ(mkdirs(), 1);
}

TEST_F(DetectTest, OutsideADetectionPassEveryCallProbes) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  for (int i = 0; i < 2; ++i) {
    auto p = tsm_detected_provider(os_, cfg_);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(*p, std::optional<std::string>("sev_guest"));
  }
  EXPECT_EQ(mkdirs(), 2);
  {
    const TsmProbeScope scope;
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(tsm_detected_provider(os_, cfg_));
  }
  EXPECT_EQ(mkdirs(), 3);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(DetectTest, DetectedKindMakesAWorkingProvider) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind);
  auto provider = make_provider(*kind, os_, cfg_);
  ASSERT_TRUE(provider) << provider.error().message;
  auto ev = (*provider)->get_evidence(Bytes(64, 9));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->tee, TeeKind::Snp);
}

}  // namespace
}  // namespace attest
