// The cc_eventlog TDX evidence carries: the real CCEL fixtures trimmed to their records, the
// AAEL appended, the 8 x 0xFF end marker, as guest-components' read_eventlog() builds it.
#include "providers/eventlog/cc_eventlog.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "providers/eventlog/eventlog.h"
#include "providers/tdx/quote.h"
#include "tests/fakes/fixture_data.h"

namespace attest::eventlog {
namespace {

using attest::testing::fixture_bytes;

const Bytes kEnd(kEndMarkerSize, 0xFF);

// An AAEL record: EV_EVENT_TAG on CC MR 4 with a SHA-384 digest of its data.
Bytes aael_record(std::string_view text) {
  Bytes data{0x4c, 0x45, 0x41, 0x41, static_cast<std::uint8_t>(text.size()), 0, 0, 0};
  data.insert(data.end(), text.begin(), text.end());
  auto hashed = digest(HashAlg::Sha384, data);
  EXPECT_TRUE(hashed);
  Bytes r{4, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0x0C, 0x00};
  r.insert(r.end(), hashed->begin(), hashed->end());
  r.insert(r.end(), {static_cast<std::uint8_t>(data.size()), 0, 0, 0});
  r.insert(r.end(), data.begin(), data.end());
  return r;
}

TEST(TrimCcel, CutsTheRealLogAreasAfterTheirLastRecord) {
  struct Case {
    const char* file;
    std::size_t used;
  } cases[] = {{"tdx/ccel-gce-cos113/ccel_data.bin", 18101},
               {"ccel/ccel_ovmf.bin", 2120},
               {"ccel/ccel_grub.bin", 15130}};
  for (const auto& c : cases) {
    const Bytes area = fixture_bytes(c.file);
    auto trimmed = trim_ccel(area);
    ASSERT_TRUE(trimmed) << c.file << ": " << trimmed.error().message;
    EXPECT_EQ(trimmed->size(), c.used) << c.file;
    EXPECT_TRUE(std::equal(trimmed->begin(), trimmed->end(), area.begin())) << c.file;
    // What follows is the area's unused tail, which upstream stops at too.
    EXPECT_TRUE(std::all_of(area.begin() + static_cast<std::ptrdiff_t>(c.used),
                            area.begin() + static_cast<std::ptrdiff_t>(c.used + 8),
                            [](std::uint8_t b) { return b == 0xFF || b == 0x00; }))
        << c.file;
  }
}

TEST(TrimCcel, RefusesWhatIsNotACryptoAgileLog) {
  auto empty = trim_ccel(Bytes(4096, 0xFF));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Code::Corrupt);
  Bytes area = fixture_bytes("ccel/ccel_ovmf.bin");
  area.resize(1000);  // a record cut in half
  auto torn = trim_ccel(area);
  ASSERT_FALSE(torn);
  EXPECT_EQ(torn.error().code, Code::Corrupt);
  EXPECT_TRUE(torn.error().message.starts_with("CCEL: ")) << torn.error().message;
}

TEST(AssembleCcEventlog, NothingIsNull) {
  auto none = assemble_cc_eventlog(std::nullopt, std::nullopt, HashAlg::Sha384);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST(AssembleCcEventlog, CcelAloneIsTrimmedAndEnded) {
  const Bytes area = fixture_bytes("tdx/ccel-gce-cos113/ccel_data.bin");
  auto log = assemble_cc_eventlog(area, std::nullopt, HashAlg::Sha384);
  ASSERT_TRUE(log && log->has_value());
  Bytes want(area.begin(), area.begin() + 18101);
  want.insert(want.end(), kEnd.begin(), kEnd.end());
  EXPECT_EQ(**log, want);
}

TEST(AssembleCcEventlog, AaelFollowsTheCcelAndReplaysIntoRtmr3) {
  const Bytes area = fixture_bytes("tdx/ccel-gce-cos113/ccel_data.bin");
  const Bytes aael = [] {
    Bytes a = aael_record("d1 op first");
    const Bytes b = aael_record("d2 op second one");
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }();
  auto log = assemble_cc_eventlog(area, aael, HashAlg::Sha384);
  ASSERT_TRUE(log && log->has_value()) << (log ? "" : log.error().message);
  const Bytes& out = **log;
  ASSERT_EQ(out.size(), 18101 + aael.size() + 8);
  EXPECT_TRUE(std::equal(aael.begin(), aael.end(), out.begin() + 18101));
  EXPECT_TRUE(std::equal(kEnd.begin(), kEnd.end(), out.end() - 8));

  auto parsed = parse_eventlog(out);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->events.size(), 43u + 2u);
  const auto banks = replay(*parsed);
  const auto& sha384 = banks.at(tcg_id(HashAlg::Sha384));
  // RTMR0-2 still equal the quote taken in that boot; RTMR3 = the two AAEL extends from zero.
  auto quote = tdx::parse_quote(fixture_bytes("tdx/ccel-gce-cos113/quote_v4.dat"));
  ASSERT_TRUE(quote);
  for (std::uint32_t i = 0; i < 3; ++i)
    EXPECT_EQ(sha384.at(i + 1), Bytes(quote->body.rtmr[i].begin(), quote->body.rtmr[i].end()));
  Bytes rtmr3(48, 0);
  for (const auto& e : parsed->events) {
    if (e.index != 4) continue;
    Bytes chain = rtmr3;
    chain.insert(chain.end(), e.digests[0].value.begin(), e.digests[0].value.end());
    auto h = digest(HashAlg::Sha384, chain);
    ASSERT_TRUE(h);
    rtmr3 = *h;
  }
  EXPECT_EQ(sha384.at(4), rtmr3);
  EXPECT_NE(rtmr3, Bytes(48, 0));
}

TEST(AssembleCcEventlog, AaelWithoutCcelGetsASpecIdHeader) {
  const Bytes aael = aael_record("d op c");
  auto log = assemble_cc_eventlog(std::nullopt, aael, HashAlg::Sha384);
  ASSERT_TRUE(log && log->has_value());
  const Bytes header = spec_id_header(HashAlg::Sha384);
  EXPECT_EQ(header.size(), 65u);
  Bytes want = header;
  want.insert(want.end(), aael.begin(), aael.end());
  want.insert(want.end(), kEnd.begin(), kEnd.end());
  EXPECT_EQ(**log, want);
  auto parsed = parse_eventlog(**log);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->format, Format::CryptoAgile);
  ASSERT_EQ(parsed->spec.algorithms.size(), 1u);
  EXPECT_EQ(parsed->spec.algorithms[0].id, tcg_id(HashAlg::Sha384));
  EXPECT_EQ(parsed->spec.algorithms[0].digest_size, 48);
  // Trustee reads the algorithm table at offset 24 of the Spec ID event data, as in upstream's
  // fixed header: count 1, SHA-384 (0x000C), 48 bytes.
  EXPECT_EQ(Bytes(header.begin() + 32 + 24, header.begin() + 32 + 32),
            (Bytes{1, 0, 0, 0, 0x0C, 0x00, 0x30, 0x00}));
  ASSERT_EQ(parsed->events.size(), 1u);
}

TEST(AssembleCcEventlog, TornAaelIsRefused) {
  const Bytes area = fixture_bytes("ccel/ccel_ovmf.bin");
  Bytes aael = aael_record("d op c");
  aael.resize(aael.size() - 3);  // a crash in the middle of a write
  auto log = assemble_cc_eventlog(area, aael, HashAlg::Sha384);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, Code::Corrupt);
  EXPECT_TRUE(log.error().message.starts_with("AAEL: ")) << log.error().message;
  // A record that starts with 8 bytes of 0xFF would end the log early for a verifier.
  Bytes padded = aael_record("d op c");
  padded.insert(padded.end(), 8, 0xFF);
  const Bytes more = aael_record("d op after");
  padded.insert(padded.end(), more.begin(), more.end());
  auto early = assemble_cc_eventlog(area, padded, HashAlg::Sha384);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Code::Corrupt);
}

}  // namespace
}  // namespace attest::eventlog
