// The runtime-measurement register chosen and checked at agent start: what a PC-Client TPM
// (swtpm) lets locality 0 extend and reset, the per-TEE default, and the start-up verdicts
// (refuse a PCR locality 0 cannot extend, warn about one it can reset).
#include "agent/measure/measurement_register.h"

#include <gtest/gtest.h>

#include "agent/measure/runtime_measurer.h"
#include "providers/tpm/pcr.h"
#include "providers/tpm/tpm_provider.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/swtpm.h"

namespace attest::measure {
namespace {

std::vector<unsigned> range(unsigned from, unsigned to) {
  std::vector<unsigned> v;
  for (unsigned p = from; p <= to; ++p) v.push_back(p);
  return v;
}

TEST(MeasurementRegister, DefaultsPerTee) {
  EXPECT_EQ(default_measurement_pcr(TeeKind::Tdx), 17u);  // RTMR3, guest-components' mapping
  EXPECT_EQ(default_measurement_pcr(TeeKind::Tpm), 23u);
  EXPECT_EQ(default_measurement_pcr(TeeKind::AzSnpVtpm), 23u);
  EXPECT_EQ(default_measurement_pcr(TeeKind::AzTdxVtpm), 23u);
}

TEST(MeasurementRegister, PcrRangesCollapseRuns) {
  EXPECT_EQ(pcr_ranges({}), "none");
  EXPECT_EQ(pcr_ranges({23}), "23");
  EXPECT_EQ(pcr_ranges({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 23}), "0-15, 23");
  EXPECT_EQ(pcr_ranges({1, 3, 4, 7}), "1, 3-4, 7");
}

// A TEE without runtime registers: nothing to check, and no error that would stop the start.
TEST(MeasurementRegister, ATeeThatCannotExtendIsUnsupported) {
  testing::FakeOs os;
  auto p = make_provider(TeeKind::Sample, os, {});
  ASSERT_TRUE(p) << p.error().message;
  auto r = check_measurement_register(**p, 17, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unsupported);
}

class TpmRegisterTest : public testing::SwtpmTest {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;
    cfg_.tcti = tcti();
    os_.add_file(cfg_.tpm_device, {});
    provider_ = std::make_unique<tpm::TpmProvider>(os_, cfg_);
  }
  testing::FakeOs os_;
  ProviderConfig cfg_;
  std::unique_ptr<tpm::TpmProvider> provider_;
};

// TPM2_GetCapability(TPM_CAP_PCR_PROPERTIES) on a PC-Client TPM (PTP spec, PCR attributes):
// locality 0 extends 0-16 and 23, resets 16 and 23.
TEST_F(TpmRegisterTest, TheTpmReportsWhatLocalityZeroMayExtendAndReset) {
  auto a = tpm::pcr_locality0_access(tcti());
  ASSERT_TRUE(a) << a.error().message;
  std::vector<unsigned> extendable = range(0, 16);
  extendable.push_back(23);
  EXPECT_EQ(a->extendable, extendable);
  EXPECT_EQ(a->resettable, (std::vector<unsigned>{16, 23}));
}

TEST_F(TpmRegisterTest, APcrOnlyDrtmMayExtendIsRefusedNamingTheUsableOnes) {
  for (unsigned pcr : {17u, 20u, 22u}) {
    auto r = check_measurement_register(*provider_, pcr, tcti());
    ASSERT_FALSE(r) << pcr;
    EXPECT_EQ(r.error().code, Code::FailedPrecondition);
    EXPECT_EQ(r.error().message,
              "tpm: PCR " + std::to_string(pcr) +
                  " cannot be extended at locality 0 (the TPM reserves it for other localities, "
                  "e.g. DRTM); PCRs extendable and not resettable at locality 0 are 0-15, "
                  "resettable ones 16, 23; set [agent] measurement_pcr");
  }
}

TEST_F(TpmRegisterTest, AResettablePcrIsAcceptedWithAWarning) {
  for (unsigned pcr : {16u, 23u}) {
    auto r = check_measurement_register(*provider_, pcr, tcti());
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(*r) << pcr;
    EXPECT_NE(r->value().find("PCR " + std::to_string(pcr) + " can be reset at locality 0"),
              std::string::npos)
        << r->value();
    EXPECT_NE(r->value().find("are 0-15"), std::string::npos) << r->value();
  }
}

TEST_F(TpmRegisterTest, ADurablePcrPassesSilently) {
  auto r = check_measurement_register(*provider_, 14, tcti());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);
}

TEST_F(TpmRegisterTest, APcrOutsideTheBankIsInvalid) {
  auto r = check_measurement_register(*provider_, 24, tcti());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
}

// The default the check accepts is also one the TPM really extends.
TEST_F(TpmRegisterTest, TheTpmDefaultPassesTheCheckAndExtends) {
  const unsigned pcr = default_measurement_pcr(TeeKind::Tpm);
  auto r = check_measurement_register(*provider_, pcr, tcti());
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(provider_->extend(pcr, Bytes(32, 0x5a)));
  auto v = provider_->read_register(pcr);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_NE(*v, Bytes(32, 0));
}

}  // namespace
}  // namespace attest::measure
