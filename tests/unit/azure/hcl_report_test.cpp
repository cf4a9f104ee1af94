#include "providers/azure/hcl_report.h"

#include <random>

#include <gtest/gtest.h>

#include "providers/snp/report.h"
#include "providers/snp/verify.h"
#include "tests/unit/snp/fixture_io.h"

namespace attest::azure {
namespace {

using attest::testing::hex;
using attest::testing::read_fixture;
using nlohmann::json;

// Expected values: shared/fixtures/SOURCES.md "azure/".
struct HclCase {
  const char* file;
  std::size_t file_size;
  HclTee tee;
  std::uint32_t version;
  std::uint32_t report_size;
  std::uint32_t var_data_size;
  const char* report_data_head;  // REPORTDATA[0:32]; [32:64] is zero
};

const HclCase kCases[] = {
    {"azure/snp-vtpm/hcl_report.bin", 2600, HclTee::Snp, 1, 2346, 1110,
     "b3fbad6514c83caeb0380882145e49f794229ef37c421b91fc47ff93556bafac"},
    {"azure/tdx-vtpm/hcl_report.bin", 2600, HclTee::Tdx, 2, 2437, 1201,
     "9734504f161d104c74e3165c15f779b06a9bb40dfa71937817d7eee68e593839"},
    {"azure/cvm-tooling/hcl_report_snp.bin", 2048, HclTee::Snp, 1, 1819, 583,
     "1d0a466a9eed975e88f889f7aed4abc1c97e87c4f43e5e3478c9a4a5853cbd7d"},
    {"azure/cvm-tooling/hcl_report_tdx.bin", 2600, HclTee::Tdx, 2, 2438, 1202,
     "e8f0796193ba21d6d43d2ea4bb6e4081ce4920729b348f39099cd2f65ecb6170"},
};

HclReport parse_ok(const Bytes& raw) {
  auto r = parse_hcl_report(raw);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : HclReport{};
}

TEST(HclReport, AllFixturesParseWithBinding) {
  for (const HclCase& c : kCases) {
    SCOPED_TRACE(c.file);
    const Bytes raw = read_fixture(c.file);
    ASSERT_EQ(raw.size(), c.file_size);
    const HclReport r = parse_ok(raw);
    EXPECT_EQ(r.signature, kHclSignature);
    EXPECT_EQ(r.version, c.version);
    EXPECT_EQ(r.report_size, c.report_size);
    EXPECT_EQ(r.request_type, 2u);
    EXPECT_EQ(r.status, 0u);
    EXPECT_EQ(hcl_tee(r), c.tee);
    EXPECT_EQ(r.igvm.version, 1u);
    EXPECT_EQ(r.igvm.report_type, c.tee == HclTee::Snp ? 2u : 4u);
    EXPECT_EQ(r.igvm.hash_type, 1u);
    EXPECT_EQ(r.igvm.var_data_size, c.var_data_size);
    EXPECT_EQ(r.igvm.data_size, c.var_data_size + 20);
    EXPECT_EQ(r.igvm.var_data.size(), c.var_data_size);
    EXPECT_EQ(r.igvm.var_data.front(), '{');
    EXPECT_EQ(r.hw_report.size(), c.tee == HclTee::Snp ? 1184u : 1024u);

    Bytes expected = hex(c.report_data_head);
    expected.resize(64, 0);
    const auto rd = hcl_hw_report_data(r);
    EXPECT_EQ(Bytes(rd.begin(), rd.end()), expected);

    auto bound = hcl_binding_ok(r);
    ASSERT_TRUE(bound);
    EXPECT_TRUE(*bound);
  }
}

TEST(HclReport, EmbeddedSnpReportMatchesSources) {
  const HclReport r = parse_ok(read_fixture("azure/snp-vtpm/hcl_report.bin"));
  auto snp_report = snp::parse_report(r.hw_report);
  ASSERT_TRUE(snp_report);
  EXPECT_EQ(snp_report->version, 2u);
  EXPECT_EQ(snp_report->vmpl, 0u);
  EXPECT_EQ(snp_report->reported_tcb.bootloader, 3);
  EXPECT_EQ(snp_report->reported_tcb.tee, 0);
  EXPECT_EQ(snp_report->reported_tcb.snp, 8);
  EXPECT_EQ(snp_report->reported_tcb.microcode, 115);
  EXPECT_EQ(Bytes(snp_report->measurement.begin(), snp_report->measurement.end()),
            hex("9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22"
                "944eb386d17c315"));
  // The report is signed by the first certificate of the IMDS-style bundle.
  const auto chain = attest::testing::pem_fixture_to_der("azure/snp-vtpm/vcek_and_chain.pem");
  ASSERT_EQ(chain.size(), 3u);
  auto ok = snp::verify_report_signature(*snp_report, r.hw_report, chain[0]);
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
}

TEST(HclReport, TdReportFieldsInJson) {
  const HclReport r = parse_ok(read_fixture("azure/tdx-vtpm/hcl_report.bin"));
  EXPECT_EQ(hex_encode(ByteView(r.hw_report).first(4)), "81000000");  // TDREPORT type: TDX
  const json j = hcl_report_to_json(r);
  EXPECT_EQ(j.at("igvm").at("report_type_name"), "tdx");
  EXPECT_EQ(j.at("tdx_report").at("mrtd"),
            "024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469d"
            "c8c1ba7ab7b");
  EXPECT_EQ(
      j.at("tdx_report").at("report_data"),
      "9734504f161d104c74e3165c15f779b06a9bb40dfa71937817d7eee68e593839" + std::string(64, '0'));
  EXPECT_EQ(j.at("tdx_report").at("tdreport").get<std::string>().size(), 2048u);
  EXPECT_FALSE(j.contains("snp_report"));
  EXPECT_EQ(j.at("binding_ok"), true);

  const json old =
      hcl_report_to_json(parse_ok(read_fixture("azure/cvm-tooling/hcl_report_tdx.bin")));
  EXPECT_EQ(old.at("tdx_report").at("mrtd"),
            "75f3acc2e1dfc3acf404d7eaa69a2eefcd0475a0dd6516ef5ba3cb83399c61b4aa1c638e3622bb650a514"
            "bfc6e858886");
}

TEST(HclReport, SnpJsonAndVarData) {
  const json j = hcl_report_to_json(parse_ok(read_fixture("azure/snp-vtpm/hcl_report.bin")));
  EXPECT_EQ(j.at("signature"), "HCLA");
  EXPECT_EQ(j.at("version"), 1);
  EXPECT_EQ(j.at("report_size"), 2346);
  EXPECT_EQ(j.at("igvm").at("report_type"), 2);
  EXPECT_EQ(j.at("igvm").at("report_type_name"), "snp");
  EXPECT_EQ(j.at("igvm").at("hash_type_name"), "sha256");
  EXPECT_EQ(j.at("binding_ok"), true);
  const json& keys = j.at("var_data").at("keys");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].at("kid"), "HCLAkPub");
  EXPECT_EQ(keys[0].at("key_ops"), json({"sign"}));
  EXPECT_EQ(keys[1].at("kid"), "HCLEkPub");
  EXPECT_EQ(j.at("var_data").at("user-data"), std::string(128, '0'));
  EXPECT_EQ(j.at("snp_report").at("vmpl"), 0);
  EXPECT_EQ(j.at("snp_report").at("measurement"),
            "9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944e"
            "b386d17c315");
  EXPECT_FALSE(j.contains("tdx_report"));

  // The older HCL build: only HCLAkPub, with key_ops ["encrypt"], and no user-data.
  const json old =
      hcl_report_to_json(parse_ok(read_fixture("azure/cvm-tooling/hcl_report_snp.bin")));
  ASSERT_EQ(old.at("var_data").at("keys").size(), 1u);
  EXPECT_EQ(old.at("var_data").at("keys")[0].at("key_ops"), json({"encrypt"}));
  EXPECT_FALSE(old.at("var_data").contains("user-data"));
}

TEST(HclReport, NonJsonVarDataIsShownAsTextOrHex) {
  HclReport r = parse_ok(read_fixture("azure/cvm-tooling/hcl_report_snp.bin"));
  r.igvm.var_data = Bytes{'n', 'o', 't', ' ', 'j', 's', 'o', 'n'};
  json j = hcl_report_to_json(r);
  EXPECT_EQ(j.at("var_data_text"), "not json");
  EXPECT_EQ(j.at("binding_ok"), false);
  r.igvm.var_data = Bytes{0xff, 0xfe, 0x00};
  j = hcl_report_to_json(r);
  EXPECT_EQ(j.at("var_data_hex"), "fffe00");
  EXPECT_FALSE(j.dump().empty());
}

TEST(HclReport, BindingDetectsChangesAndUnknownHash) {
  HclReport r = parse_ok(read_fixture("azure/snp-vtpm/hcl_report.bin"));
  r.igvm.var_data.back() ^= 1;
  auto changed = hcl_binding_ok(r);
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
  r.igvm.hash_type = 9;
  auto unknown = hcl_binding_ok(r);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Code::Unsupported);
}

TEST(HclReport, HeaderErrors) {
  const Bytes good = read_fixture("azure/snp-vtpm/hcl_report.bin");
  auto expect_error = [](Bytes raw, Code code, std::string_view needle) {
    auto r = parse_hcl_report(raw);
    ASSERT_FALSE(r) << needle;
    EXPECT_EQ(r.error().code, code);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  Bytes bad_magic = good;
  bad_magic[0] = 'X';
  expect_error(bad_magic, Code::Corrupt, "signature");
  Bytes big_size = good;
  store_le32(big_size.data() + 8, 2601);
  expect_error(big_size, Code::Corrupt, "report_size");
  Bytes small_size = good;
  store_le32(small_size.data() + 8, 1235);
  expect_error(small_size, Code::Corrupt, "report_size");
  Bytes big_data = good;
  store_le32(big_data.data() + 1216, 1131);  // one past report_size - 1216
  expect_error(big_data, Code::Corrupt, "data_size");
  Bytes big_var = good;
  store_le32(big_var.data() + 1232, 1111);
  expect_error(big_var, Code::Corrupt, "variable_data_size");
  Bytes huge_var = good;
  store_le32(huge_var.data() + 1232, 0xffffffffu);
  expect_error(huge_var, Code::Corrupt, "variable_data_size");
  Bytes type3 = good;
  store_le32(type3.data() + 1224, 3);
  expect_error(type3, Code::Unsupported, "report_type 3");
}

// Everything up to report_size is meaningful; the NV index's zero padding after it is not.
TEST(HclRobustness, EveryTruncationIsCorrupt) {
  for (const HclCase& c : kCases) {
    SCOPED_TRACE(c.file);
    const Bytes full = read_fixture(c.file);
    for (std::size_t n = 0; n < c.report_size; ++n) {
      auto r = parse_hcl_report(ByteView(full).first(n));
      ASSERT_FALSE(r) << n;
      ASSERT_EQ(r.error().code, Code::Corrupt) << n;
    }
    for (std::size_t n = c.report_size; n <= full.size(); ++n)
      ASSERT_TRUE(parse_hcl_report(ByteView(full).first(n))) << n;
  }
}

TEST(HclRobustness, RandomFlipsNeverCrash) {
  std::mt19937 rng(1216);
  int parsed = 0, rejected = 0;
  for (const HclCase& c : kCases) {
    const Bytes full = read_fixture(c.file);
    // Half the flips land in the header and IGVM fields, half anywhere.
    std::uniform_int_distribution<std::size_t> anywhere(0, full.size() - 1);
    std::uniform_int_distribution<std::size_t> header(0, 31), igvm(kIgvmOffset, kVarDataOffset - 1);
    std::uniform_int_distribution<int> value(0, 255), pick(0, 2);
    for (int round = 0; round < 1000; ++round) {
      Bytes bad = full;
      for (int k = 0; k < 2; ++k) {
        const int where = pick(rng);
        const std::size_t at = where == 0 ? header(rng) : where == 1 ? igvm(rng) : anywhere(rng);
        bad[at] = static_cast<std::uint8_t>(value(rng));
      }
      auto r = parse_hcl_report(bad);
      if (!r) {
        ++rejected;
        ASSERT_TRUE(r.error().code == Code::Corrupt || r.error().code == Code::Unsupported);
        continue;
      }
      ++parsed;
      (void)hcl_binding_ok(*r);
      (void)hcl_hw_report_data(*r);
      EXPECT_FALSE(hcl_report_to_json(*r).dump().empty());
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace attest::azure
