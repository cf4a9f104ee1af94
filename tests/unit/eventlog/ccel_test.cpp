// TDX CC event logs: replay equals the RTMRs asserted upstream and the RTMRs of a quote taken
// in the same boot.
#include <gtest/gtest.h>

#include "providers/eventlog/eventlog.h"
#include "providers/tdx/quote.h"
#include "tests/fakes/fixture_data.h"

namespace attest::eventlog {
namespace {

using attest::testing::fixture_bytes;

EventLog parse_fixture(const std::string& rel) {
  auto log = parse_eventlog(fixture_bytes(rel));
  if (!log) {
    ADD_FAILURE() << rel << ": " << log.error().to_string();
    return {};
  }
  return *log;
}

// Replayed RTMR0..3 (CC MR indices 1..4) as hex; a register no event extended is zero.
std::array<std::string, 4> replayed_rtmrs(const EventLog& log) {
  std::array<std::string, 4> out;
  const auto banks = replay(log);
  const auto bank = banks.find(tcg_id(HashAlg::Sha384));
  for (std::uint32_t i = 0; i < 4; ++i) {
    out[i] = std::string(96, '0');
    if (bank == banks.end()) continue;
    auto reg = bank->second.find(i + 1);
    if (reg != bank->second.end()) out[i] = hex_encode(reg->second);
  }
  return out;
}

void expect_ccel_spec(const EventLog& log) {
  EXPECT_EQ(log.spec.index, 1u);  // CCEL logs the Spec ID "PCR index" as 1
  ASSERT_EQ(log.spec.algorithms.size(), 1u);
  EXPECT_EQ(log.spec.algorithms[0].id, tcg_id(HashAlg::Sha384));
  EXPECT_EQ(log.spec.algorithms[0].digest_size, 48);
  EXPECT_EQ(log.spec.uintn_size, 2);
  EXPECT_EQ(log.spec.version_major, 2);
  EXPECT_EQ(log.spec.version_minor, 0);
  EXPECT_EQ(log.spec.errata, 0);
  for (const auto& e : log.events) {
    ASSERT_EQ(e.digests.size(), 1u);
    EXPECT_EQ(e.digests[0].alg, tcg_id(HashAlg::Sha384));
  }
}

std::array<std::string, 4> quote_rtmrs(const std::string& rel) {
  auto q = tdx::parse_quote(fixture_bytes(rel));
  if (!q) {
    ADD_FAILURE() << rel << ": " << q.error().to_string();
    return {};
  }
  std::array<std::string, 4> out;
  for (std::size_t i = 0; i < 4; ++i) out[i] = tdx::hex_of(q->body.rtmr[i]);
  return out;
}

TEST(Ccel, GceCos113ReplayEqualsQuoteRtmrs) {
  const EventLog log = parse_fixture("tdx/ccel-gce-cos113/ccel_data.bin");
  expect_ccel_spec(log);
  EXPECT_EQ(log.events.size(), 43u);
  EXPECT_EQ(log.used_size, 18101u);
  const auto rtmrs = replayed_rtmrs(log);
  EXPECT_EQ(rtmrs[0],
            "3fa2f61f395b7f5feefb4ec2df61297f109ad8abcd6410c1b7df60f21f37b19297fc35e544039c7e1edece"
            "752afd17f6");
  EXPECT_EQ(rtmrs[1],
            "f62dbc072bd5d3f3438b7b35c39a727f5aea2ffc2473f43723953f530daf62504f0a7944aa62c41a86e8a8"
            "78c2b122c1");
  EXPECT_EQ(rtmrs[2],
            "4969684dc87381fc3b3134176c8d8806eaf0a901859f5f70cfae8d17714b46c10a8de219048c9fc09f11f3"
            "81a6fbe7c1");
  EXPECT_EQ(rtmrs[3], std::string(96, '0'));
  EXPECT_EQ(rtmrs, quote_rtmrs("tdx/ccel-gce-cos113/quote_v4.dat"));
}

TEST(Ccel, TrusteeOvmf) {
  const EventLog log = parse_fixture("ccel/ccel_ovmf.bin");
  expect_ccel_spec(log);
  EXPECT_EQ(log.events.size(), 20u);
  EXPECT_EQ(log.used_size, 2120u);
  const auto rtmrs = replayed_rtmrs(log);
  EXPECT_EQ(rtmrs[0],
            "8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9"
            "cc90abe193");
  EXPECT_EQ(rtmrs[1],
            "775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961cbb0deba48c79c00f082cda1a5567c1c16305f1"
            "fc210c13c6");
  EXPECT_EQ(rtmrs[2],
            "94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a76ca7f0b5055ac9d2241de43cd58d9e8b49c50"
            "3bbf25f34a");
  EXPECT_EQ(rtmrs[3], std::string(96, '0'));
}

TEST(Ccel, TrusteeGrub) {
  const EventLog log = parse_fixture("ccel/ccel_grub.bin");
  expect_ccel_spec(log);
  EXPECT_EQ(log.events.size(), 37u);
  EXPECT_EQ(log.used_size, 15130u);
  const auto rtmrs = replayed_rtmrs(log);
  EXPECT_EQ(rtmrs[0],
            "cec0a104f691f60da2387fea3c2de00c4ac035e2bb479ff02edcce69039d9e9907f0b3e55031da3dc7038f"
            "423adebd79");
  EXPECT_EQ(rtmrs[1],
            "6c289e0c62182d41ebe97bdbc9872d10998a08eaa86adcdc684001a363207ee72942c7522cdf00a4bbc3d7"
            "84bed7b670");
  EXPECT_EQ(rtmrs[2],
            "08919d017ba0e52cd6d966351c7de16fe76c1d3d3d3da4554239e4c7d16cb8b82a94e7eaea3a0e6e18eb69"
            "0b999fd31e");
  EXPECT_EQ(rtmrs[3], std::string(96, '0'));
}

// No upstream expected values: the cross-check is that the log replays to the quote's RTMRs.
TEST(Ccel, GraniteRapidsLiveReplayEqualsQuoteRtmrs) {
  const EventLog log = parse_fixture("extra/tdx/ccel_gnr_live.bin");
  expect_ccel_spec(log);
  EXPECT_EQ(log.events.size(), 20u);
  const auto quote = quote_rtmrs("extra/tdx/quote_v4_gnr_live.dat");
  EXPECT_NE(quote[0], std::string(96, '0'));
  EXPECT_EQ(replayed_rtmrs(log), quote);
}

TEST(Ccel, JsonNamesRtmrs) {
  const EventLog log = parse_fixture("ccel/ccel_ovmf.bin");
  const nlohmann::json j = eventlog_to_json(log, /*ccel=*/true);
  EXPECT_EQ(j["format"], "ccel");
  EXPECT_EQ(j["event_count"], 20);
  EXPECT_EQ(j["used_size"], 2120);
  EXPECT_EQ(j["spec_id"]["algorithms"][0]["name"], "sha384");
  EXPECT_EQ(j["spec_id"]["algorithms"][0]["digest_size"], 48);
  const auto rtmrs = replayed_rtmrs(log);
  EXPECT_EQ(j["replayed"]["sha384"]["rtmr0"], rtmrs[0]);
  EXPECT_EQ(j["replayed"]["sha384"]["rtmr1"], rtmrs[1]);
  EXPECT_EQ(j["replayed"]["sha384"]["rtmr2"], rtmrs[2]);
  ASSERT_EQ(j["events"].size(), 20u);
  for (std::size_t i = 0; i < log.events.size(); ++i) {
    EXPECT_EQ(j["events"][i]["index"], log.events[i].index);
    EXPECT_EQ(j["events"][i]["register"], register_name(log.events[i].index, true));
    EXPECT_EQ(j["events"][i]["digests"]["sha384"], hex_encode(log.events[i].digests[0].value));
  }
  // EV_SEPARATOR carries 4 bytes, so it is shown by size; EV_EFI_ACTION text is readable.
  bool saw_text = false;
  for (const auto& ev : j["events"])
    if (ev.contains("data_text")) saw_text = true;
  EXPECT_TRUE(saw_text);
}

}  // namespace
}  // namespace attest::eventlog
