// attest-cli get-report / get-evidence end to end over the fake kernel ABI.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "tests/fakes/fake_evidence.h"
#include "tests/fakes/fake_guest_devices.h"
#include "tests/fakes/fake_tsm.h"

namespace attest {
namespace {

using testing::FakeOs;
using testing::FakeSevGuestDevice;
using testing::FakeTdxGuestDevice;
using testing::FakeTsm;
using testing::TsmProvider;

const std::string kHex = "0102030405060708";
const Bytes kPadded = [] {
  Bytes b(64, 0);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(i + 1);
  return b;
}();

class CliEvidenceTest : public ::testing::Test {
 protected:
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), "attest-cli");
    cli::Context ctx{os_, out_, err_, {}};
    const int rc = cli::run(args, ctx);
    EXPECT_EQ(os_.open_handles(), 0);
    return rc;
  }
  Bytes out_bytes() const {
    const std::string s = out_.str();
    return Bytes(s.begin(), s.end());
  }

  FakeOs os_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliEvidenceTest, GetReportSnpPrintsTheRawReport) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  ASSERT_EQ(run({"get-report", "--tee", "snp", "--report-data", kHex}), cli::kExitOk) << err_.str();
  const Bytes raw = out_bytes();
  ASSERT_EQ(raw.size(), testing::kSnpReportSize);
  EXPECT_TRUE(
      std::ranges::equal(ByteView(raw).subspan(testing::kSnpReportDataOffset, 64), kPadded));
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(CliEvidenceTest, GetReportSnpOverTheDevice) {
  auto dev = FakeSevGuestDevice::install(os_);
  ASSERT_EQ(run({"get-report", "--tee", "snp", "--report-data", kHex, "--format", "hex"}),
            cli::kExitOk)
      << err_.str();
  const std::string text = out_.str();
  ASSERT_EQ(text.size(), 2 * testing::kSnpReportSize + 1);
  EXPECT_EQ(text.substr(2 * testing::kSnpReportDataOffset, 128), hex_encode(kPadded));
  EXPECT_EQ(dev->calls(), 1);
}

TEST_F(CliEvidenceTest, GetReportAutoDetectsTdx) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  ASSERT_EQ(run({"get-report", "--report-data", kHex}), cli::kExitOk) << err_.str();
  const Bytes quote = out_bytes();
  ASSERT_GT(quote.size(), testing::kQuoteSignedSize);
  EXPECT_TRUE(
      std::ranges::equal(ByteView(quote).subspan(testing::kQuoteReportDataOffset, 64), kPadded));
}

TEST_F(CliEvidenceTest, GetEvidenceTdxJsonShape) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  ASSERT_EQ(run({"get-evidence", "--tee", "tdx", "--report-data", kHex}), cli::kExitOk)
      << err_.str();
  auto j = nlohmann::json::parse(out_.str(), nullptr, false);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 2u);
  ASSERT_TRUE(j.contains("cc_eventlog"));
  EXPECT_TRUE(j["cc_eventlog"].is_null());
  ASSERT_TRUE(j["quote"].is_string());
  auto quote = base64_decode(j["quote"].get<std::string>(), Base64::Standard, Padding::Required);
  ASSERT_TRUE(quote) << quote.error().message;
  EXPECT_TRUE(
      std::ranges::equal(ByteView(*quote).subspan(testing::kQuoteReportDataOffset, 64), kPadded));
}

TEST_F(CliEvidenceTest, GetEvidenceSnpJsonShape) {
  FakeTsm tsm(os_, TsmProvider::SevGuest);
  ASSERT_EQ(run({"get-evidence", "--tee", "snp", "--report-data", kHex}), cli::kExitOk)
      << err_.str();
  auto j = nlohmann::json::parse(out_.str(), nullptr, false);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 2u);
  const auto& report = j["attestation_report"];
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["version"], 3);
  EXPECT_EQ(report["vmpl"], 0);
  ASSERT_TRUE(report["report_data"].is_array());
  ASSERT_EQ(report["report_data"].size(), 64u);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(report["report_data"][i], kPadded[i]);
  const auto& chain = j["cert_chain"];
  ASSERT_TRUE(chain.is_array());
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0]["cert_type"], "VCEK");
  EXPECT_TRUE(chain[0]["data"].is_array());
}

TEST_F(CliEvidenceTest, GetEvidenceCcaJsonShape) {
  FakeTsm tsm(os_, TsmProvider::ArmCcaGuest);
  ASSERT_EQ(run({"get-evidence", "--report-data", kHex}), cli::kExitOk) << err_.str();
  auto j = nlohmann::json::parse(out_.str(), nullptr, false);
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j["token"].is_array());
  EXPECT_EQ(j["token"].size(), testing::make_cca_token(kPadded).size());
}

TEST_F(CliEvidenceTest, NoTeeFailsClosedWithDeviceExitCode) {
  EXPECT_EQ(run({"get-evidence", "--report-data", kHex}), cli::kExitDevice);
  EXPECT_NE(err_.str().find("no TEE found"), std::string::npos);
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(CliEvidenceTest, TdxWithoutConfigfsExplainsWhyThereIsNoQuote) {
  FakeTdxGuestDevice::install(os_);
  EXPECT_EQ(run({"get-evidence", "--tee", "tdx", "--report-data", kHex}), cli::kExitDevice);
  EXPECT_NE(err_.str().find("no quote available"), std::string::npos);
}

TEST_F(CliEvidenceTest, VmpckWipedIsADeviceError) {
  auto dev = FakeSevGuestDevice::install(os_);
  dev->firmware_error_on_call(1, 0x27);
  EXPECT_EQ(run({"get-report", "--tee", "snp", "--report-data", kHex}), cli::kExitDevice);
  EXPECT_NE(err_.str().find("reboot required"), std::string::npos);
}

}  // namespace
}  // namespace attest
