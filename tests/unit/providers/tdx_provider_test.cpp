// TDX evidence through the fake configfs-tsm (quote) and the fake /dev/tdx_guest (TDREPORT).
#include "providers/tdx/tdx_provider.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "tests/fakes/fake_evidence.h"
#include "tests/fakes/fake_guest_devices.h"
#include "tests/fakes/fake_tsm.h"
#include "tests/fakes/fixture_data.h"
#include "tests/fakes/test_keys.h"

namespace attest {
namespace {

using testing::FakeOs;
using testing::FakeTdxGuestDevice;
using testing::FakeTsm;
using testing::TsmProvider;

const Bytes kReportData = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02};

Bytes padded(const Bytes& rd) {
  Bytes out(64, 0);
  std::copy(rd.begin(), rd.end(), out.begin());
  return out;
}

class TdxProviderTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(os_.open_handles(), 0); }

  Result<Evidence> get_evidence(ByteView rd) {
    auto provider = make_provider(TeeKind::Tdx, os_, cfg_);
    if (!provider) return std::unexpected(provider.error());
    EXPECT_EQ((*provider)->kind(), TeeKind::Tdx);
    EXPECT_EQ((*provider)->name(), "tdx");
    return (*provider)->get_evidence(rd);
  }

  FakeOs os_;
  ProviderConfig cfg_;
};

TEST_F(TdxProviderTest, QuoteViaConfigfsCarriesPaddedReportDataAndVerifies) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto ev = get_evidence(kReportData);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->tee, TeeKind::Tdx);
  const Bytes& q = ev->raw;
  ASSERT_GT(q.size(), 0x27Cu + 128);
  EXPECT_EQ(load_le16(q.data()), 4);  // quote v4
  EXPECT_TRUE(std::ranges::equal(ByteView(q).subspan(testing::kQuoteReportDataOffset, 64),
                                 padded(kReportData)));
  // Signature data: r||s, then the attestation key, big-endian.
  const ByteView sig = ByteView(q).subspan(0x27C, 64);
  const ByteView att_key = ByteView(q).subspan(0x27C + 64, 64);
  const auto& keys = testing::fake_tee_keys();
  EXPECT_TRUE(std::ranges::equal(att_key, keys.tdx_attestation.public_xy()));
  EXPECT_TRUE(testing::verify_with_key(keys.tdx_attestation,
                                       ByteView(q).first(testing::kQuoteSignedSize), sig.first(32),
                                       sig.subspan(32)));
  Bytes tampered = q;
  tampered[testing::kQuoteReportDataOffset] ^= 1;
  EXPECT_FALSE(testing::verify_with_key(keys.tdx_attestation,
                                        ByteView(tampered).first(testing::kQuoteSignedSize),
                                        sig.first(32), sig.subspan(32)));
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TdxProviderTest, QuoteQeReportBindsTheAttestationKeyAndVerifiesWithThePck) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto ev = get_evidence(kReportData);
  ASSERT_TRUE(ev) << ev.error().message;
  const ByteView q = ev->raw;
  const std::size_t sig_data = 0x27C;
  ASSERT_EQ(load_le32(q.data() + 0x278), q.size() - sig_data);
  ASSERT_EQ(load_le16(q.data() + sig_data + 128), 6);  // QE report certification data
  const std::size_t qe = sig_data + 134;
  const ByteView qe_report = q.subspan(qe, 384);
  const ByteView qe_sig = q.subspan(qe + 384, 64);
  const std::uint16_t auth_size = load_le16(q.data() + qe + 448);
  Bytes binding(q.begin() + sig_data + 64, q.begin() + sig_data + 128);  // attestation key
  binding.insert(binding.end(), q.begin() + qe + 450, q.begin() + qe + 450 + auth_size);
  EXPECT_TRUE(std::ranges::equal(qe_report.subspan(320, 32), testing::sha256(binding)));
  EXPECT_TRUE(testing::verify_with_key(testing::fake_tee_keys().tdx_pck, qe_report,
                                       qe_sig.first(32), qe_sig.subspan(32)));
  const std::size_t chain = qe + 450 + auth_size;
  EXPECT_EQ(load_le16(q.data() + chain), 5);  // PCK certificate chain
  const std::string pem(q.begin() + chain + 6, q.end());
  EXPECT_EQ(pem, testing::fake_tee_keys().pck_pem);
}

TEST_F(TdxProviderTest, EvidenceJsonHasQuoteAndTheCcelTrimmedToItsRecords) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  // The real 64 KiB OVMF log area: 2120 bytes of records, then the unused 0xFF tail, which is
  // not sent (issue 9: a 1 MiB area would be 1.4 MB of base64 against Trustee's 2 MiB limit).
  const Bytes area = testing::fixture_bytes("ccel/ccel_ovmf.bin");
  os_.add_file(cfg_.ccel_data, area);
  auto ev = get_evidence(kReportData);
  ASSERT_TRUE(ev) << ev.error().message;
  ASSERT_TRUE(ev->json.is_object());
  EXPECT_EQ(ev->json.size(), 2u);
  EXPECT_EQ(ev->json.at("quote"), base64_encode(ev->raw));
  Bytes want(area.begin(), area.begin() + 2120);
  want.insert(want.end(), 8, 0xFF);  // the end marker upstream appends
  EXPECT_EQ(ev->json.at("cc_eventlog"), base64_encode(want));
}

TEST_F(TdxProviderTest, MalformedCcelFailsTheEvidence) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  Bytes ccel = {0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00};  // a header cut short
  ccel.resize(64, 0xFF);
  os_.add_file(cfg_.ccel_data, ccel);
  auto ev = get_evidence(kReportData);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Corrupt);
  EXPECT_TRUE(ev.error().message.starts_with("tdx: event log: CCEL: ")) << ev.error().message;
}

TEST_F(TdxProviderTest, NoCcelGivesNullEventlog) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto ev = get_evidence(kReportData);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->json.at("cc_eventlog").is_null());
  EXPECT_TRUE(ev->json.at("quote").is_string());
}

TEST_F(TdxProviderTest, WithoutConfigfsThereIsNoQuote) {
  auto dev = FakeTdxGuestDevice::install(os_);
  auto ev = get_evidence(kReportData);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Unsupported);
  EXPECT_NE(ev.error().message.find("no quote available: configfs-tsm is absent"),
            std::string::npos);
  EXPECT_NE(ev.error().message.find("a TDREPORT cannot be verified remotely"), std::string::npos);
  EXPECT_EQ(dev->calls(), 0);
}

TEST_F(TdxProviderTest, NeitherInterfaceIsNotFound) {
  auto ev = get_evidence(kReportData);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::NotFound);
}

TEST_F(TdxProviderTest, ConfigfsWithoutProviderIsNotFound) {
  FakeTsm tsm(os_, std::nullopt);
  auto ev = get_evidence(kReportData);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::NotFound);
  EXPECT_NE(ev.error().message.find("tdx: tsm: no configfs-tsm provider registered"),
            std::string::npos);
}

TEST_F(TdxProviderTest, ReportDataOverSixtyFourBytesIsInvalid) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto ev = get_evidence(Bytes(65, 1));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::InvalidArgument);
  EXPECT_EQ(tsm.entries_created(), 0u);
}

TEST_F(TdxProviderTest, TdreportViaIoctlCarriesReportDataAt128) {
  auto dev = FakeTdxGuestDevice::install(os_);
  auto report = tdx::get_tdreport(os_, cfg_, kReportData);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->size(), 1024u);
  EXPECT_EQ((*report)[0], 0x81);  // REPORTTYPE TDX
  EXPECT_TRUE(std::ranges::equal(ByteView(*report).subspan(testing::kTdReportDataOffset, 64),
                                 padded(kReportData)));
  EXPECT_EQ(dev->calls(), 1);
  EXPECT_EQ(os_.log().back(), "ioctl 0xc4405401");
}

TEST_F(TdxProviderTest, TdreportIoctlFailureIsReported) {
  auto dev = FakeTdxGuestDevice::install(os_);
  dev->fail_call(1, EIO);
  auto report = tdx::get_tdreport(os_, cfg_, kReportData);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Code::Internal);
  EXPECT_EQ(report.error().os_errno, EIO);
  EXPECT_NE(report.error().message.find("TDX_CMD_GET_REPORT0"), std::string::npos);
}

TEST_F(TdxProviderTest, TdreportWithoutDeviceIsNotFound) {
  auto report = tdx::get_tdreport(os_, cfg_, kReportData);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Code::NotFound);
}

}  // namespace
}  // namespace attest
