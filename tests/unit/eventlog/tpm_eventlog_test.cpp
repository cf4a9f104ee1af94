// TCG PC-Client crypto-agile logs: parse, replay, and compare with tpm2_eventlog's final PCRs.
#include <gtest/gtest.h>

#include <sstream>

#include "providers/eventlog/eventlog.h"
#include "tests/fakes/fixture_data.h"

namespace attest::eventlog {
namespace {

using attest::testing::fixture_bytes;
using attest::testing::fixture_text;
using Banks = std::map<std::uint16_t, std::map<std::uint32_t, std::string>>;

std::uint16_t alg_id_of(const std::string& name) {
  auto alg = parse_hash_alg(name);
  if (!alg) ADD_FAILURE() << "test error: unknown bank " << name;
  return alg ? tcg_id(*alg) : 0;
}

// The `pcrs:` section of tpm2_eventlog's YAML: "  sha256:" then "    7  : 0x<hex>" lines.
Banks yaml_pcrs(const std::string& yaml) {
  Banks out;
  std::istringstream in(yaml);
  std::string line;
  bool in_pcrs = false;
  std::uint16_t bank = 0;
  while (std::getline(in, line)) {
    if (line == "pcrs:") {
      in_pcrs = true;
      continue;
    }
    if (!in_pcrs) continue;
    if (line.rfind("    ", 0) == 0) {
      const auto colon = line.find(':');
      const auto hex = line.find("0x");
      if (colon == std::string::npos || hex == std::string::npos) continue;
      out[bank][static_cast<std::uint32_t>(std::stoul(line.substr(0, colon)))] =
          line.substr(hex + 2);
    } else if (line.rfind("  ", 0) == 0 && line.back() == ':') {
      bank = alg_id_of(line.substr(2, line.size() - 3));
    }
  }
  return out;
}

Banks hex_banks(const std::map<std::uint16_t, std::map<std::uint32_t, Bytes>>& banks) {
  Banks out;
  for (const auto& [alg, regs] : banks)
    for (const auto& [index, value] : regs) out[alg][index] = hex_encode(value);
  return out;
}

EventLog parse_fixture(const std::string& rel) {
  auto log = parse_eventlog(fixture_bytes(rel));
  if (!log) {
    ADD_FAILURE() << rel << ": " << log.error().to_string();
    return {};
  }
  return *log;
}

TEST(TpmEventLog, GceUbuntu2104AllBanksMatchTpm2Tools) {
  const EventLog log = parse_fixture("tpm/eventlog_gce_ubuntu2104.bin");
  EXPECT_EQ(log.events.size(), 111u);
  EXPECT_EQ(log.used_size, 33824u);
  ASSERT_EQ(log.spec.algorithms.size(), 3u);
  EXPECT_EQ(log.spec.algorithms[0].id, tcg_id(HashAlg::Sha1));
  EXPECT_EQ(log.spec.algorithms[1].id, tcg_id(HashAlg::Sha256));
  EXPECT_EQ(log.spec.algorithms[2].id, tcg_id(HashAlg::Sha384));
  EXPECT_EQ(log.spec.algorithms[2].digest_size, 48);
  EXPECT_FALSE(log.startup_locality.has_value());

  const Banks expected = yaml_pcrs(fixture_text("tpm/eventlog_gce_ubuntu2104.expected.yaml"));
  ASSERT_EQ(expected.size(), 3u);
  ASSERT_EQ(expected.at(tcg_id(HashAlg::Sha256)).size(), 11u);
  EXPECT_EQ(hex_banks(replay(log)), expected);
  // The values SOURCES.md quotes, independent of the YAML reader above.
  const Banks got = hex_banks(replay(log));
  EXPECT_EQ(got.at(tcg_id(HashAlg::Sha256)).at(0),
            "24af52a4f429b71a3184a6d64cddad17e54ea030e2aa6576bf3a5a3d8bd3328f");
  EXPECT_EQ(got.at(tcg_id(HashAlg::Sha256)).at(7),
            "ca37324eeffabd318d30a20f15bf27ce25dc33e2c9856279ff6c2ced58b02efa");
  EXPECT_EQ(got.at(tcg_id(HashAlg::Sha256)).at(14),
            "8351c65483c5419079e8c96758dd2130bee075d71fea226f68ec4eb5bfc71983");
}

TEST(TpmEventLog, SystemdBootFedora37Sha256) {
  const EventLog log = parse_fixture("tpm/eventlog_sdboot_fedora37.bin");
  EXPECT_EQ(log.events.size(), 27u);
  ASSERT_EQ(log.spec.algorithms.size(), 1u);
  EXPECT_EQ(log.spec.algorithms[0].id, tcg_id(HashAlg::Sha256));
  const Banks expected = yaml_pcrs(fixture_text("tpm/eventlog_sdboot_fedora37.expected.yaml"));
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(expected.at(tcg_id(HashAlg::Sha256)).count(12), 1u);
  const Banks got = hex_banks(replay(log));
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got.at(tcg_id(HashAlg::Sha256)).at(0),
            "464a812afa3f88d8a5f1fe7e71df41951435ebd05edb742db8c2c0d67d62c0d1");
}

TEST(TpmEventLog, SpecIdWithVendorData) {
  const EventLog log = parse_fixture("tpm/specid_vendordata.bin");
  EXPECT_EQ(log.spec.index, 0u);
  EXPECT_EQ(log.spec.platform_class, 0u);
  EXPECT_EQ(log.spec.version_major, 2);
  EXPECT_EQ(log.spec.version_minor, 0);
  EXPECT_EQ(log.spec.errata, 0);
  EXPECT_EQ(log.spec.uintn_size, 2);
  ASSERT_EQ(log.spec.algorithms.size(), 2u);
  EXPECT_EQ(log.spec.algorithms[0].id, tcg_id(HashAlg::Sha1));
  EXPECT_EQ(log.spec.algorithms[0].digest_size, 20);
  EXPECT_EQ(log.spec.algorithms[1].id, tcg_id(HashAlg::Sha256));
  EXPECT_EQ(log.spec.algorithms[1].digest_size, 32);
  EXPECT_EQ(hex_encode(log.spec.vendor_info), "deadbeef");
  EXPECT_TRUE(log.events.empty());
  EXPECT_EQ(log.used_size, 73u);
  EXPECT_TRUE(replay(log).empty());
}

// A TCG 1.2-format log (no Spec ID Event03): SHA-1 records, replayed like tpm2_eventlog does.
TEST(TpmEventLog, LegacySha1LogMatchesTpm2Tools) {
  const EventLog log = parse_fixture("tpm/eventlog_sha1_only.bin");
  EXPECT_EQ(log.format, Format::LegacySha1);
  EXPECT_EQ(log.events.size(), 17u);
  EXPECT_EQ(log.used_size, 9870u);
  ASSERT_EQ(log.spec.algorithms.size(), 1u);
  EXPECT_EQ(log.spec.algorithms[0].id, tcg_id(HashAlg::Sha1));
  ASSERT_FALSE(log.events.empty());
  EXPECT_EQ(log.events[0].type, 0x8u);  // EV_S_CRTM_VERSION
  EXPECT_EQ(hex_encode(log.events[0].digests[0].value), "c42fedad268200cb1d15f97841c344e79dae3320");
  const Banks expected = yaml_pcrs(fixture_text("tpm/eventlog_sha1_only.expected.yaml"));
  ASSERT_EQ(expected.size(), 1u);
  ASSERT_EQ(expected.at(tcg_id(HashAlg::Sha1)).size(), 8u);
  const Banks got = hex_banks(replay(log));
  EXPECT_EQ(got, expected);
  EXPECT_EQ(got.at(tcg_id(HashAlg::Sha1)).at(0), "3dcaea25dc86554d94b94aa5bc8f735a49212af8");
  EXPECT_EQ(eventlog_to_json(log, false)["format"], "tcg1.2-sha1");
}

TEST(TpmEventLog, Cos101AmdSevThreeBanks) {
  const EventLog log = parse_fixture("extra/tpm/eventlog_cos101_amd_sev.bin");
  EXPECT_EQ(log.events.size(), 48u);
  EXPECT_EQ(log.used_size, 23050u);
  ASSERT_EQ(log.spec.algorithms.size(), 3u);
  const auto banks = replay(log);
  ASSERT_EQ(banks.size(), 3u);
  for (const auto& [alg, regs] : banks) {
    EXPECT_EQ(regs.count(0), 1u) << alg;
    for (const auto& [index, value] : regs)
      EXPECT_EQ(value.size(), digest_size(*hash_alg_from_tcg(alg)));
  }
  for (const auto& e : log.events) EXPECT_EQ(e.digests.size(), 3u);
}

TEST(TpmEventLog, JsonNamesPcrsAndEventTypes) {
  const EventLog log = parse_fixture("tpm/eventlog_sdboot_fedora37.bin");
  const nlohmann::json j = eventlog_to_json(log, /*ccel=*/false);
  EXPECT_EQ(j["format"], "tcg2");
  EXPECT_EQ(j["event_count"], 27);
  EXPECT_EQ(j["spec_id"]["spec_version"], "2.0");
  EXPECT_EQ(j["spec_id"]["algorithms"][0]["name"], "sha256");
  EXPECT_EQ(j["replayed"]["sha256"]["pcr0"],
            "464a812afa3f88d8a5f1fe7e71df41951435ebd05edb742db8c2c0d67d62c0d1");
  ASSERT_EQ(j["events"].size(), 27u);
  const auto& first = j["events"][0];
  EXPECT_EQ(first["register"], "pcr" + std::to_string(log.events[0].index));
  EXPECT_EQ(first["type"], log.events[0].type);
  EXPECT_EQ(first["type_name"], std::string(event_type_name(log.events[0].type)));
  EXPECT_EQ(first["data_size"], log.events[0].data.size());
  EXPECT_EQ(first["digests"]["sha256"], hex_encode(log.events[0].digests[0].value));
}

TEST(TpmEventLog, Names) {
  EXPECT_EQ(hash_alg_name(*hash_alg_from_tcg(0x0004)), "sha1");
  EXPECT_EQ(hash_alg_name(*hash_alg_from_tcg(0x000B)), "sha256");
  EXPECT_EQ(hash_alg_name(*hash_alg_from_tcg(0x000C)), "sha384");
  EXPECT_EQ(hash_alg_name(*hash_alg_from_tcg(0x000D)), "sha512");
  EXPECT_EQ(hash_alg_name(*hash_alg_from_tcg(0x0012)), "sm3_256");
  EXPECT_FALSE(hash_alg_from_tcg(0x99).has_value());
  EXPECT_EQ(event_type_name(0x3), "EV_NO_ACTION");
  EXPECT_EQ(event_type_name(0x4), "EV_SEPARATOR");
  EXPECT_EQ(event_type_name(0xD), "EV_IPL");
  EXPECT_EQ(event_type_name(0x80000001), "EV_EFI_VARIABLE_DRIVER_CONFIG");
  EXPECT_EQ(event_type_name(0x80000007), "EV_EFI_ACTION");
  EXPECT_EQ(event_type_name(0x800000E0), "EV_EFI_VARIABLE_AUTHORITY");
  EXPECT_EQ(event_type_name(0x7777), "");
  EXPECT_EQ(register_name(7, false), "pcr7");
  EXPECT_EQ(register_name(0, true), "mrtd");
  EXPECT_EQ(register_name(1, true), "rtmr0");
  EXPECT_EQ(register_name(4, true), "rtmr3");
}

}  // namespace
}  // namespace attest::eventlog
