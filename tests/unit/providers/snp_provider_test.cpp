// SEV-SNP evidence through the fake configfs-tsm and the fake /dev/sev-guest, parsed back with
// the report and certificate table parsers and verified with the VCEK the evidence carries.
#include "providers/snp/snp_provider.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "providers/snp/cert_table.h"
#include "providers/snp/report.h"
#include "providers/snp/verify.h"
#include "tests/fakes/fake_evidence.h"
#include "tests/fakes/fake_guest_devices.h"
#include "tests/fakes/fake_tsm.h"
#include "tests/fakes/test_keys.h"

namespace attest {
namespace {

using testing::FakeOs;
using testing::FakeSevGuestDevice;
using testing::FakeTsm;
using testing::TsmOp;
using testing::TsmProvider;

Bytes report_data() {
  Bytes rd(64);
  for (std::size_t i = 0; i < rd.size(); ++i) rd[i] = static_cast<std::uint8_t>(0x80 + i);
  return rd;
}

class SnpProviderTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(os_.open_handles(), 0); }

  Result<Evidence> get_evidence(ByteView rd) {
    auto provider = make_provider(TeeKind::Snp, os_, cfg_);
    if (!provider) return std::unexpected(provider.error());
    return (*provider)->get_evidence(rd);
  }

  // The report parses, carries `rd` and `vmpl`, and verifies with the VCEK in the evidence.
  void expect_verified(const Evidence& ev, ByteView rd, std::uint32_t vmpl) {
    EXPECT_EQ(ev.tee, TeeKind::Snp);
    auto report = snp::parse_report(ev.raw);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(std::ranges::equal(report->report_data, rd));
    EXPECT_EQ(report->vmpl, vmpl);
    auto certs = snp::parse_cert_table(ev.aux);
    ASSERT_TRUE(certs) << certs.error().message;
    ASSERT_FALSE(certs->empty());
    EXPECT_EQ((*certs)[0].guid, snp::kVcekGuid);
    EXPECT_EQ((*certs)[0].der, testing::fake_tee_keys().vcek_der);
    auto verified = snp::verify_report_signature(*report, ev.raw, (*certs)[0].der);
    EXPECT_TRUE(verified) << verified.error().message;
    // Trustee's SnpEvidence shape.
    ASSERT_TRUE(ev.json.is_object());
    EXPECT_EQ(ev.json.size(), 2u);
    EXPECT_EQ(ev.json.at("attestation_report"), snp::report_to_trustee_json(*report));
    EXPECT_EQ(ev.json.at("cert_chain"), snp::cert_chain_to_trustee_json(*certs));
  }

  FakeOs os_;
  ProviderConfig cfg_;
};

TEST_F(SnpProviderTest, ConfigfsReportVerifiesWithTheAuxblobVcek) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  expect_verified(*ev, report_data(), 0);
  EXPECT_EQ(tsm.last_privlevel(), 0u);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(SnpProviderTest, ConfigfsUsesConfiguredVmplAsPrivlevel) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.set_privlevel_floor(1);
  cfg_.snp_vmpl = 2;
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  expect_verified(*ev, report_data(), 2);
  EXPECT_EQ(tsm.last_privlevel(), 2u);
}

TEST_F(SnpProviderTest, ShortReportDataIsZeroPadded) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  const Bytes rd = {1, 2, 3};
  auto ev = get_evidence(rd);
  ASSERT_TRUE(ev) << ev.error().message;
  Bytes want(64, 0);
  std::copy(rd.begin(), rd.end(), want.begin());
  EXPECT_EQ(tsm.last_inblob(), want);
  expect_verified(*ev, want, 0);
}

TEST_F(SnpProviderTest, NoCertificatesGiveNullCertChain) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.set_aux_certs({});
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->json.at("cert_chain").is_null());
  EXPECT_TRUE(ev->json.at("attestation_report").is_object());
  EXPECT_TRUE(ev->aux.empty());
}

TEST_F(SnpProviderTest, ConfigfsRaceAndBusyAreRetried) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.race_after_outblob_read(1);
  tsm.fail_on(TsmOp::CommitInblob, 2, EBUSY);
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  expect_verified(*ev, report_data(), 0);
  EXPECT_EQ(tsm.entries_created(), 2u);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(SnpProviderTest, ConfigfsFirmwareErrorIsReportedAndTheEntryRemoved) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.fail_on(TsmOp::ReadOutblob, 1, ENXIO);
  auto dev = FakeSevGuestDevice::install(os_);  // present, but configfs answered
  auto ev = get_evidence(report_data());
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Internal);
  EXPECT_EQ(ev.error().os_errno, ENXIO);
  EXPECT_EQ(dev->calls(), 0);  // not mistaken for "configfs-tsm unusable": no fallback
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(SnpProviderTest, IoctlPathWhenConfigfsIsAbsent) {
  auto dev = FakeSevGuestDevice::install(os_);
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  expect_verified(*ev, report_data(), 0);
  EXPECT_EQ(dev->calls(), 1);
  EXPECT_EQ(dev->certs_lens_seen(), std::vector<std::uint32_t>{4096});
  EXPECT_EQ(os_.log().back(), "ioctl 0xc0205302");
}

TEST_F(SnpProviderTest, IoctlPathWhenConfigfsServesAnotherProvider) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto dev = FakeSevGuestDevice::install(os_);
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(dev->calls(), 1);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(SnpProviderTest, IoctlPathWhenConfigfsIsNotPreferred) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  auto dev = FakeSevGuestDevice::install(os_);
  cfg_.prefer_configfs = false;
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(dev->calls(), 1);
  EXPECT_EQ(tsm.entries_created(), 0u);
}

TEST_F(SnpProviderTest, IoctlGrowsTheCertificateBufferOnInvalidLen) {
  auto dev = FakeSevGuestDevice::install(os_);
  // VCEK plus a 5000-byte ASK: more than one page, so the driver asks for two.
  const Bytes table = testing::make_cert_table(
      {{snp::kVcekGuid, testing::fake_tee_keys().vcek_der}, {snp::kAskGuid, Bytes(5000, 0xA5)}});
  dev->set_certs(table);
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(dev->certs_lens_seen(), (std::vector<std::uint32_t>{4096, 8192}));
  EXPECT_FALSE(dev->vmpck_wiped());
  expect_verified(*ev, report_data(), 0);
  auto certs = snp::parse_cert_table(ev->aux);
  ASSERT_TRUE(certs);
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[1].guid, snp::kAskGuid);
  EXPECT_EQ((*certs)[1].der, Bytes(5000, 0xA5));
}

TEST_F(SnpProviderTest, IoctlWithoutHostCertificatesGivesNullCertChain) {
  auto dev = FakeSevGuestDevice::install(os_);
  dev->set_certs({});
  auto ev = get_evidence(report_data());
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->json.at("cert_chain").is_null());
  EXPECT_TRUE(ev->aux.empty());
}

TEST_F(SnpProviderTest, FirmwareErrorWipesTheVmpckAndThenRebootIsRequired) {
  auto dev = FakeSevGuestDevice::install(os_);
  dev->firmware_error_on_call(1, 0x16);
  auto first = get_evidence(report_data());
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, Code::FailedPrecondition);
  EXPECT_EQ(first.error().os_errno, EIO);
  EXPECT_NE(first.error().message.find("firmware error 0x16"), std::string::npos);
  EXPECT_TRUE(dev->vmpck_wiped());

  auto second = get_evidence(report_data());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Code::FailedPrecondition);
  EXPECT_EQ(second.error().os_errno, ENOTTY);
  EXPECT_NE(second.error().message.find("VMPCK is disabled"), std::string::npos);
  EXPECT_NE(second.error().message.find("reboot required"), std::string::npos);
  EXPECT_EQ(dev->calls(), 2);
}

TEST_F(SnpProviderTest, FirmwareStatusInvalidParamIsInvalidArgument) {
  auto dev = FakeSevGuestDevice::install(os_);
  dev->set_vmpl_floor(1);  // the guest runs at VMPL1: a VMPL0 report is refused
  auto ev = get_evidence(report_data());
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::InvalidArgument);
  EXPECT_NE(ev.error().message.find("status 0x16"), std::string::npos);
  EXPECT_FALSE(dev->vmpck_wiped());
}

TEST_F(SnpProviderTest, SysfsOnlyIsNotEnoughForEvidence) {
  os_.add_dir(cfg_.sev_guest_sysfs);
  auto ev = get_evidence(report_data());
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::NotFound);
}

TEST_F(SnpProviderTest, MismatchedReportDataIsRejected) {
  auto ev = snp::make_evidence(testing::make_snp_report(Bytes(64, 1), 0), {}, Bytes(64, 2));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Internal);
}

TEST_F(SnpProviderTest, TruncatedReportIsCorrupt) {
  Bytes report = testing::make_snp_report(Bytes(64, 1), 0);
  report.resize(1000);
  auto ev = snp::make_evidence(report, {}, Bytes(64, 1));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Corrupt);
}

}  // namespace
}  // namespace attest
