#include <set>
#include <string>

#include <gtest/gtest.h>

#include "providers/snp/report.h"
#include "tests/unit/snp/fixture_io.h"

namespace attest::snp {
namespace {

using attest::testing::read_fixture;
using nlohmann::json;

AttestationReport load(const std::string& rel) {
  auto r = parse_report(read_fixture(rel));
  EXPECT_TRUE(r) << rel;
  return r ? *r : AttestationReport{};
}

void expect_byte_array(const json& j, const char* key, std::size_t len) {
  ASSERT_TRUE(j.contains(key)) << key;
  const json& a = j.at(key);
  ASSERT_TRUE(a.is_array()) << key;
  EXPECT_EQ(a.size(), len) << key;
  for (const json& v : a) {
    ASSERT_TRUE(v.is_number_unsigned()) << key;
    EXPECT_LE(v.get<unsigned>(), 255u) << key;
  }
}

void expect_tcb_shape(const json& t, bool turin) {
  std::set<std::string> keys;
  for (const auto& [k, v] : t.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"fmc", "bootloader", "tee", "snp", "microcode"}));
  EXPECT_EQ(t.at("fmc").is_null(), !turin);
}

// The member names of virtee/sev AttestationReport (src/firmware/guest/types/snp.rs, v6.3.0).
const std::set<std::string> kTrusteeKeys = {"version",
                                            "guest_svn",
                                            "policy",
                                            "family_id",
                                            "image_id",
                                            "vmpl",
                                            "sig_algo",
                                            "current_tcb",
                                            "plat_info",
                                            "key_info",
                                            "report_data",
                                            "measurement",
                                            "host_data",
                                            "id_key_digest",
                                            "author_key_digest",
                                            "report_id",
                                            "report_id_ma",
                                            "reported_tcb",
                                            "cpuid_fam_id",
                                            "cpuid_mod_id",
                                            "cpuid_step",
                                            "chip_id",
                                            "committed_tcb",
                                            "current",
                                            "committed",
                                            "launch_tcb",
                                            "launch_mit_vector",
                                            "current_mit_vector",
                                            "signature"};

TEST(SnpTrusteeJson, ShapeOfAV2Report) {
  const json j = report_to_trustee_json(load("sev-snp/trustee_vcek_report.bin"));
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  EXPECT_EQ(keys, kTrusteeKeys);
  expect_byte_array(j, "family_id", 16);
  expect_byte_array(j, "image_id", 16);
  expect_byte_array(j, "report_data", 64);
  expect_byte_array(j, "measurement", 48);
  expect_byte_array(j, "host_data", 32);
  expect_byte_array(j, "id_key_digest", 48);
  expect_byte_array(j, "author_key_digest", 48);
  expect_byte_array(j, "report_id", 32);
  expect_byte_array(j, "report_id_ma", 32);
  expect_byte_array(j, "chip_id", 64);
  expect_byte_array(j.at("signature"), "r", 72);
  expect_byte_array(j.at("signature"), "s", 72);
  EXPECT_EQ(j.at("signature").size(), 2u);
  for (const char* k : {"current_tcb", "reported_tcb", "committed_tcb", "launch_tcb"})
    expect_tcb_shape(j.at(k), false);

  EXPECT_EQ(j.at("version"), 2);
  EXPECT_EQ(j.at("guest_svn"), 4);
  EXPECT_EQ(j.at("policy"), 0x3001f);  // a plain number, not an object
  EXPECT_EQ(j.at("plat_info"), 1);
  EXPECT_EQ(j.at("key_info"), 0);
  EXPECT_EQ(j.at("family_id").at(0), 1);
  EXPECT_EQ(j.at("image_id").at(0), 2);
  EXPECT_EQ(j.at("report_data").at(0), 0xec);
  EXPECT_EQ(j.at("measurement").at(47), 0x8c);
  EXPECT_EQ(
      j.at("reported_tcb"),
      json({{"fmc", nullptr}, {"bootloader", 3}, {"tee", 0}, {"snp", 8}, {"microcode", 115}}));
  EXPECT_EQ(j.at("current"), json({{"major", 1}, {"minor", 52}, {"build", 4}}));
  EXPECT_EQ(j.at("committed"), json({{"major", 1}, {"minor", 52}, {"build", 4}}));
  EXPECT_TRUE(j.at("cpuid_fam_id").is_null());
  EXPECT_TRUE(j.at("cpuid_mod_id").is_null());
  EXPECT_TRUE(j.at("cpuid_step").is_null());
  EXPECT_TRUE(j.at("launch_mit_vector").is_null());
  EXPECT_TRUE(j.at("current_mit_vector").is_null());
}

TEST(SnpTrusteeJson, V3CpuidAndV5Turin) {
  const json vlek = report_to_trustee_json(load("sev-snp/trustee_vlek_report.bin"));
  EXPECT_EQ(vlek.at("cpuid_fam_id"), 0x19);
  EXPECT_EQ(vlek.at("cpuid_mod_id"), 1);
  EXPECT_EQ(vlek.at("cpuid_step"), 1);
  EXPECT_EQ(vlek.at("key_info"), 4);
  EXPECT_EQ(vlek.at("vmpl"), 1);
  EXPECT_TRUE(vlek.at("launch_mit_vector").is_null());

  const json turin = report_to_trustee_json(load("extra/sev-snp/turin_v5_report.bin"));
  for (const char* k : {"current_tcb", "reported_tcb", "committed_tcb", "launch_tcb"})
    expect_tcb_shape(turin.at(k), true);
  EXPECT_EQ(turin.at("reported_tcb"),
            json({{"fmc", 1}, {"bootloader", 3}, {"tee", 2}, {"snp", 5}, {"microcode", 0x61}}));
  EXPECT_EQ(turin.at("launch_mit_vector"), 0x3f);
  EXPECT_EQ(turin.at("current_mit_vector"), 0x3f);
  EXPECT_EQ(turin.at("cpuid_fam_id"), 0x1a);
  EXPECT_EQ(turin.at("current"), json({{"major", 1}, {"minor", 58}, {"build", 3}}));
}

TEST(SnpTrusteeJson, ByteArraysMatchTheRawReport) {
  const Bytes raw = read_fixture("sev-snp/gosevguest_report.bin");
  auto r = parse_report(raw);
  ASSERT_TRUE(r);
  const json j = report_to_trustee_json(*r);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(j.at("report_data").at(i), raw[0x50 + i]);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(j.at("chip_id").at(i), raw[0x1A0 + i]);
  for (std::size_t i = 0; i < 72; ++i) EXPECT_EQ(j.at("signature").at("r").at(i), raw[0x2A0 + i]);
  for (std::size_t i = 0; i < 72; ++i) EXPECT_EQ(j.at("signature").at("s").at(i), raw[0x2E8 + i]);
}

TEST(SnpReportJson, HumanViewDecodesBits) {
  const json j = report_to_json(load("sev-snp/gosevguest_report.bin"));
  EXPECT_EQ(j.at("version"), 2);
  EXPECT_EQ(j.at("policy").at("raw"), "0x00000000000b0000");
  EXPECT_EQ(j.at("policy").at("abi_major"), 0);
  EXPECT_EQ(j.at("policy").at("abi_minor"), 0);
  EXPECT_EQ(j.at("policy").at("smt"), true);
  EXPECT_EQ(j.at("policy").at("debug"), true);
  EXPECT_EQ(j.at("policy").at("migrate_ma"), false);
  EXPECT_EQ(j.at("policy").at("single_socket"), false);
  EXPECT_EQ(j.at("platform_info").at("smt_enabled"), true);
  EXPECT_EQ(j.at("platform_info").at("tsme_enabled"), false);
  EXPECT_EQ(j.at("key_info").at("signing_key"), "VCEK");
  EXPECT_EQ(j.at("report_data"), "0102030405" + std::string(118, '0'));
  EXPECT_EQ(j.at("measurement"),
            "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb"
            "0cf2e4872b01");
  EXPECT_EQ(j.at("reported_tcb").at("raw"), "0x4405000000000002");
  EXPECT_EQ(j.at("reported_tcb").at("snp"), 5);
  EXPECT_EQ(j.at("reported_tcb").at("microcode"), 68);
  EXPECT_FALSE(j.at("reported_tcb").contains("fmc"));
  EXPECT_EQ(j.at("current_version"), "1.49.3");
  EXPECT_EQ(j.at("tcb_layout"), "Milan/Genoa");
  EXPECT_TRUE(j.at("cpuid").is_null());
  EXPECT_TRUE(j.at("product").is_null());
  EXPECT_EQ(j.at("kds_hwid").get<std::string>().size(), 128u);
  EXPECT_EQ(j.at("sig_algo_name"), "ECDSA P-384 with SHA-384");

  const json p = report_to_json(load("sev-snp/trustee_vcek_report.bin"));
  EXPECT_EQ(p.at("policy").at("abi_minor"), 31);
  EXPECT_EQ(p.at("policy").at("debug"), false);
  EXPECT_EQ(p.at("family_id"), "01" + std::string(30, '0'));
}

TEST(SnpReportJson, HumanViewTurinAndVlek) {
  const json t = report_to_json(load("extra/sev-snp/turin_v5_report.bin"));
  EXPECT_EQ(t.at("tcb_layout"), "Turin");
  EXPECT_EQ(t.at("product"), "Turin");
  EXPECT_EQ(t.at("reported_tcb").at("fmc"), 1);
  EXPECT_EQ(t.at("kds_hwid"), "0910b4f884ff4ba9");
  EXPECT_EQ(t.at("cpuid"), json({{"family", 0x1a}, {"model", 2}, {"stepping", 1}}));
  EXPECT_EQ(t.at("launch_mit_vector"), "0x000000000000003f");
  EXPECT_EQ(t.at("platform_info").at("alias_check_complete"), true);
  EXPECT_EQ(t.at("platform_info").at("sev_tio_enabled"), false);

  const json v = report_to_json(load("sev-snp/trustee_vlek_report.bin"));
  EXPECT_EQ(v.at("key_info").at("signing_key"), "VLEK");
  EXPECT_EQ(v.at("platform_info").at("ecc_enabled"), true);
  EXPECT_EQ(v.at("product"), "Milan");
  EXPECT_TRUE(v.at("launch_mit_vector").is_null());
}

}  // namespace
}  // namespace attest::snp
