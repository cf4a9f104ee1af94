// The configfs-tsm protocol (providers/tsm/tsm_report.h) against the fake report directory.
#include "providers/tsm/tsm_report.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "tests/fakes/fake_evidence.h"
#include "tests/fakes/fake_tsm.h"

namespace attest {
namespace {

using testing::FakeOs;
using testing::FakeTsm;
using testing::TsmOp;
using testing::TsmProvider;
using namespace std::chrono_literals;

Bytes report_data(std::uint8_t seed) {
  Bytes rd(64);
  for (std::size_t i = 0; i < rd.size(); ++i) rd[i] = static_cast<std::uint8_t>(seed + i);
  return rd;
}

ByteView quote_report_data(const Bytes& quote) {
  return ByteView(quote).subspan(testing::kQuoteReportDataOffset, 64);
}

class TsmReportTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // Whatever happened, no configfs entry and no file handle is left behind.
    EXPECT_EQ(os_.open_handles(), 0);
  }
  FakeOs os_;
  ProviderConfig cfg_;
};

TEST_F(TsmReportTest, QuoteCarriesTheInblobWritten) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  const Bytes rd = report_data(1);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", rd, std::nullopt);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->provider, "tdx_guest");
  EXPECT_EQ(tsm.last_inblob(), rd);
  EXPECT_TRUE(std::ranges::equal(quote_report_data(out->outblob), rd));
  EXPECT_TRUE(out->auxblob.empty());  // tdx_guest shows no auxblob
  EXPECT_EQ(tsm.entries_created(), 1u);
  EXPECT_EQ(tsm.live_entries(), 0u);
  EXPECT_EQ(tsm.count(TsmOp::WritePrivlevel), 0);
}

TEST_F(TsmReportTest, SevWritesPrivlevelAsAsciiAndReadsAuxblob) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  const Bytes rd = report_data(7);
  auto out = tsm_get_report(os_, cfg_, "sev_guest", rd, 2u);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(tsm.last_privlevel(), 2u);
  ASSERT_EQ(out->outblob.size(), testing::kSnpReportSize);
  EXPECT_EQ(load_le32(out->outblob.data() + testing::kSnpVmplOffset), 2u);
  EXPECT_TRUE(
      std::ranges::equal(ByteView(out->outblob).subspan(testing::kSnpReportDataOffset, 64), rd));
  EXPECT_EQ(out->auxblob, testing::fake_vcek_cert_table());
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, PrivlevelBelowFloorIsInvalidArgument) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.set_privlevel_floor(1);
  auto out = tsm_get_report(os_, cfg_, "sev_guest", report_data(0), 0u);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::InvalidArgument);
  EXPECT_EQ(out.error().os_errno, EINVAL);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, NoProviderRegisteredIsNotFound) {
  FakeTsm tsm(os_, std::nullopt);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", report_data(0), std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::NotFound);
  EXPECT_NE(out.error().message.find("no configfs-tsm provider registered"), std::string::npos);
}

TEST_F(TsmReportTest, MissingReportDirectoryIsNotFound) {
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", report_data(0), std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::NotFound);
  EXPECT_EQ(out.error().os_errno, ENOENT);
}

TEST_F(TsmReportTest, OtherProviderIsNotFoundAndRemoved) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", report_data(0), std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::NotFound);
  EXPECT_NE(out.error().message.find("'sev_guest', expected 'tdx_guest'"), std::string::npos);
  EXPECT_EQ(tsm.count(TsmOp::WriteInblob), 0);
  EXPECT_EQ(tsm.entries_created(), 1u);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, RacingWriterRestartsOnAFreshEntry) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  tsm.race_after_outblob_read(1);
  const Bytes rd = report_data(3);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", rd, std::nullopt);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(std::ranges::equal(quote_report_data(out->outblob), rd));
  EXPECT_EQ(tsm.entries_created(), 2u);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, RacingWriterEveryTimeIsUnavailable) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  for (int i = 1; i <= kTsmRaceAttempts; ++i) tsm.race_after_outblob_read(i);
  auto out = tsm_get_report(os_, cfg_, "sev_guest", report_data(3), 0u);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::Unavailable);
  EXPECT_NE(out.error().message.find("gave up after 3 attempts"), std::string::npos);
  EXPECT_NE(out.error().message.find("generation is 3, expected 2"), std::string::npos);
  EXPECT_EQ(tsm.entries_created(), 3u);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, BusyCommitIsRetriedWithBackoff) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  tsm.fail_on(TsmOp::CommitInblob, 1, EBUSY);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", report_data(5), std::nullopt);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(tsm.count(TsmOp::CommitInblob), 2);
  EXPECT_EQ(os_.slept(), 100ms);
  EXPECT_EQ(tsm.entries_created(), 1u);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, BusyWriteAndOutblobReadAreRetried) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.fail_on(TsmOp::WritePrivlevel, 1, EBUSY);
  tsm.fail_on(TsmOp::WriteInblob, 1, EBUSY);
  tsm.fail_on(TsmOp::ReadOutblob, 1, EBUSY);
  tsm.fail_on(TsmOp::ReadOutblob, 2, EBUSY);
  auto out = tsm_get_report(os_, cfg_, "sev_guest", report_data(5), 0u);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(tsm.count(TsmOp::ReadOutblob), 3);
  EXPECT_EQ(os_.slept(), 100ms + 100ms + 100ms + 200ms);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, BusyForeverIsUnavailable) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  for (int i = 1; i <= kTsmBusyAttempts; ++i) tsm.fail_on(TsmOp::CommitInblob, i, EBUSY);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", report_data(5), std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::Unavailable);
  EXPECT_EQ(out.error().os_errno, EBUSY);
  EXPECT_EQ(os_.slept(), 100ms + 200ms + 400ms + 800ms);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, EmptyOutblobIsUnavailable) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  tsm.empty_outblob_on(1);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", report_data(5), std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::Unavailable);
  EXPECT_NE(out.error().message.find("outblob is empty"), std::string::npos);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, OutblobIoErrorIsReportedNotRetried) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  tsm.fail_on(TsmOp::ReadOutblob, 1, EIO);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", report_data(5), std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::Internal);
  EXPECT_EQ(out.error().os_errno, EIO);
  EXPECT_EQ(tsm.count(TsmOp::ReadOutblob), 1);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, AuxblobFirmwareErrorIsNotMistakenForAbsent) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  tsm.fail_on(TsmOp::ReadAuxblob, 1, ENXIO);
  auto out = tsm_get_report(os_, cfg_, "sev_guest", report_data(5), 0u);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::Internal);
  EXPECT_EQ(out.error().os_errno, ENXIO);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, InblobOverSixtyFourBytesIsRefused) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  const Bytes big(65, 1);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", big, std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::InvalidArgument);
  EXPECT_EQ(tsm.count(TsmOp::WriteInblob), 0);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, ShortInblobFailsAtOutblobReadAsTheKernelDoes) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  const Bytes shorter(32, 1);
  auto out = tsm_get_report(os_, cfg_, "tdx_guest", shorter, std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Code::InvalidArgument);
  EXPECT_EQ(out.error().os_errno, EINVAL);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, ProbeReportsTheProviderAndRemovesItsEntry) {
  FakeTsm tsm(os_, TsmProvider::ArmCcaGuest);
  auto p = tsm_probe_provider(os_, cfg_);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(*p, std::optional<std::string>("arm_cca_guest"));
  EXPECT_EQ(tsm.entries_created(), 1u);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(TsmReportTest, ProbeWithoutConfigfsOrProviderIsEmpty) {
  auto absent = tsm_probe_provider(os_, cfg_);
  ASSERT_TRUE(absent);
  EXPECT_EQ(*absent, std::nullopt);
  FakeTsm tsm(os_, std::nullopt);
  auto none = tsm_probe_provider(os_, cfg_);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, std::nullopt);
}

TEST_F(TsmReportTest, ProbePermissionDeniedIsAnError) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  tsm.fail_on(TsmOp::Mkdir, 1, EACCES);
  auto p = tsm_probe_provider(os_, cfg_);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Code::PermissionDenied);
}

TEST_F(TsmReportTest, EntryOwnerRemovesItsDirectory) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  std::filesystem::path where;
  {
    auto entry = TsmReport::create(os_, cfg_.tsm_report_dir);
    ASSERT_TRUE(entry) << entry.error().message;
    where = entry->path();
    EXPECT_TRUE(os_.is_dir(where));
    EXPECT_EQ(where.parent_path(), cfg_.tsm_report_dir);
    auto moved = std::move(*entry);
    EXPECT_EQ(tsm.live_entries(), 1u);
  }
  EXPECT_FALSE(os_.exists(where));
  EXPECT_EQ(tsm.live_entries(), 0u);
}

// The fake is as strict as report.c: these pin the behaviour the tests above rely on.
TEST_F(TsmReportTest, FakeRejectsARawPrivlevelByteAndOversizedInblob) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  auto entry = TsmReport::create(os_, cfg_.tsm_report_dir);
  ASSERT_TRUE(entry);
  const std::uint8_t raw_zero[1] = {0};
  auto raw = write_file_once(os_, entry->path() / "privlevel", raw_zero);
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().os_errno, EINVAL);
  auto too_big = write_file_once(os_, entry->path() / "inblob", Bytes(65, 0));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().os_errno, EFBIG);
  auto gen = entry->generation();
  ASSERT_TRUE(gen);
  EXPECT_EQ(*gen, 0u);
  auto never_written = entry->read_outblob();
  ASSERT_FALSE(never_written);
  EXPECT_EQ(never_written.error().os_errno, EINVAL);
  auto read_inblob = os_.open(entry->path() / "inblob", O_RDONLY);
  ASSERT_FALSE(read_inblob);
  EXPECT_EQ(read_inblob.error().code, Code::PermissionDenied);
}

}  // namespace
}  // namespace attest
