// attest-cli inspect on the real fixtures: type sniffing, exact field values in --json output,
// hex/base64 text input, and clear errors for garbage.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "common/os/posix_os.h"

namespace attest::cli {
namespace {

std::string fixture(const std::string& rel) { return std::string(ATTEST_FIXTURES_DIR) + "/" + rel; }

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun inspect(std::vector<std::string> args) {
  SystemClock clock;
  PosixOs os{clock};
  std::ostringstream out, err;
  Context ctx{os, out, err, {}};
  args.insert(args.begin(), {"attest-cli", "inspect"});
  const int code = run(args, ctx);
  return {code, out.str(), err.str()};
}

nlohmann::json inspect_json(const std::string& rel, const std::string& type = "auto") {
  CliRun r = inspect({"--json", "--type", type, fixture(rel)});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

TEST(InspectCli, TdxQuoteV4SprE4FieldsAreSniffedAndExact) {
  const auto j = inspect_json("tdx/quote_v4_spr_e4.dat");
  EXPECT_EQ(j["version"], 4);
  EXPECT_EQ(
      j["mr_td"],
      "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e11"
      "9d7215cbb");
  EXPECT_EQ(j["rtmr0"],
            "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b5177"
            "9c6593f32a");
  EXPECT_EQ(j["report_data"],
            "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a"
            "467dacead6f0c87a6d766c66f6f29f8acb281f1113");
  EXPECT_EQ(j["trailing_bytes"], 39);
}

TEST(InspectCli, TdxQuoteV5AndTdReport) {
  const auto q = inspect_json("tdx/trustee_quote_v5.dat");
  EXPECT_EQ(q["version"], 5);
  EXPECT_EQ(q["mr_servicetd"],
            "383c87d3bbb047b2d171eaca95312ede99f258088dc788f6ae2ccf8b6dd848fe8d47629e08b3f6cbd4a00d"
            "d47a5a033d");
  const auto r = inspect_json("tdx/tdreport_guest_components.bin");
  EXPECT_EQ(r["rtmr0"],
            "f4ec1a04670fe7926cd5de4aef9aaa7689ab4ceaa132d7c5242b47f67dfaaea64c372a17ad68fef9a6ac99"
            "aabbddabdc");
}

TEST(InspectCli, SnpReportFromBinaryAndFromHexText) {
  const auto j = inspect_json("sev-snp/gosevguest_report.bin");
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["measurement"],
            "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0c"
            "f2e4872b01");
  // virtee's fixture is the same kind of report stored as ASCII hex: inspect decodes it.
  const auto h = inspect_json("sev-snp/virtee_report_milan.hex");
  EXPECT_EQ(h["version"], 2);
  EXPECT_TRUE(h.contains("measurement"));
}

TEST(InspectCli, CcelReplayEqualsTheValuesTrusteeAsserts) {
  const auto j = inspect_json("ccel/ccel_ovmf.bin");
  EXPECT_EQ(j["format"], "ccel");
  EXPECT_EQ(j["event_count"], 20);
  EXPECT_EQ(j["replayed"]["sha384"]["rtmr0"],
            "8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9"
            "cc90abe193");
}

TEST(InspectCli, TpmEventLogReplay) {
  const auto j = inspect_json("tpm/eventlog_gce_ubuntu2104.bin");
  EXPECT_EQ(j["replayed"]["sha256"]["pcr7"],
            "ca37324eeffabd318d30a20f15bf27ce25dc33e2c9856279ff6c2ced58b02efa");
}

TEST(InspectCli, HclReport) {
  const auto j = inspect_json("azure/snp-vtpm/hcl_report.bin");
  EXPECT_EQ(j["binding_ok"], true);
  EXPECT_TRUE(j.contains("snp_report"));
}

TEST(InspectCli, HumanReadableOutputNamesTheType) {
  CliRun r = inspect({fixture("tdx/quote_v5_sample.dat")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("type: tdx-quote\n"), std::string::npos);
  EXPECT_NE(r.out.find("mr_td: 7348651a34b2d2d3"), std::string::npos);
}

TEST(InspectCli, GarbageTruncatedAndMissingInputsGiveClearErrors) {
  char dir[] = "/tmp/inspect-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string garbage = std::string(dir) + "/garbage.bin";
  std::ofstream(garbage) << "this is not a report at all";
  CliRun g = inspect({garbage});
  EXPECT_EQ(g.code, kExitBadInput);
  EXPECT_NE(g.err.find("cannot tell what kind of report"), std::string::npos) << g.err;

  // A truncated SNP report with its type given: Corrupt names the size.
  std::ifstream in(fixture("sev-snp/gosevguest_report.bin"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = std::string(dir) + "/cut.bin";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, 1000);
  CliRun t = inspect({"--type", "snp-report", cut});
  EXPECT_EQ(t.code, kExitBadInput);
  EXPECT_NE(t.err.find("1000"), std::string::npos) << t.err;

  CliRun m = inspect({std::string(dir) + "/absent.bin"});
  EXPECT_EQ(m.code, kExitUsage);
  EXPECT_NE(m.err.find("absent.bin"), std::string::npos) << m.err;

  CliRun u = inspect({"--type", "nonsense", garbage});
  EXPECT_EQ(u.code, kExitUsage);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace attest::cli
