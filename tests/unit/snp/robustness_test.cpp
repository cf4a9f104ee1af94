// Malformed input never crashes the parsers or the describers: every truncation is Corrupt, and
// random byte flips (fixed seed, so failures reproduce) either parse or fail with a code.
#include <random>

#include <gtest/gtest.h>

#include "providers/snp/cert_table.h"
#include "providers/snp/report.h"
#include "tests/unit/snp/fixture_io.h"

namespace attest::snp {
namespace {

using attest::testing::read_fixture;
using attest::testing::read_hex_fixture;

std::vector<Bytes> report_fixtures() {
  return {read_fixture("sev-snp/gosevguest_report.bin"),
          read_fixture("sev-snp/trustee_vcek_report.bin"),
          read_fixture("sev-snp/trustee_vlek_report.bin"),
          read_hex_fixture("sev-snp/virtee_report_milan.hex"),
          read_fixture("extra/sev-snp/genoa_v5_report.bin"),
          read_fixture("extra/sev-snp/turin_v5_report.bin")};
}

Bytes real_table() {
  const auto chain = attest::testing::pem_fixture_to_der("sev-snp/amd_ask_ark_milan.pem");
  return build_cert_table({{kVcekGuid, read_fixture("sev-snp/trustee_vcek.der")},
                           {kAskGuid, chain.at(0)},
                           {kArkGuid, chain.at(1)}});
}

// Flips 1-4 random bytes per round.
Bytes mutate(const Bytes& in, std::mt19937& rng) {
  Bytes out = in;
  std::uniform_int_distribution<std::size_t> pos(0, out.size() - 1);
  std::uniform_int_distribution<int> count(1, 4), value(0, 255);
  for (int n = count(rng); n > 0; --n) out[pos(rng)] = static_cast<std::uint8_t>(value(rng));
  return out;
}

TEST(SnpRobustness, EveryReportTruncationIsCorrupt) {
  for (const Bytes& full : report_fixtures()) {
    ASSERT_EQ(full.size(), kReportSize);
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto r = parse_report(ByteView(full).first(n));
      ASSERT_FALSE(r) << n;
      ASSERT_EQ(r.error().code, Code::Corrupt) << n;
    }
  }
}

TEST(SnpRobustness, RandomReportFlipsNeverCrash) {
  std::mt19937 rng(20261128);
  int parsed = 0, rejected = 0;
  for (const Bytes& full : report_fixtures()) {
    for (int round = 0; round < 1000; ++round) {
      const Bytes bad = mutate(full, rng);
      auto r = parse_report(bad);
      if (!r) {
        ++rejected;
        ASSERT_TRUE(r.error().code == Code::Unsupported || r.error().code == Code::Corrupt);
        continue;
      }
      ++parsed;
      EXPECT_FALSE(report_to_trustee_json(*r).dump().empty());
      EXPECT_FALSE(report_to_json(*r).dump().empty());
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);  // flips of the version / CPUID bytes
}

TEST(SnpRobustness, EveryCertTableTruncationIsCorrupt) {
  const Bytes full = real_table();
  for (std::size_t n = 1; n < full.size(); ++n) {
    auto r = parse_cert_table(ByteView(full).first(n));
    ASSERT_FALSE(r) << n;
    ASSERT_EQ(r.error().code, Code::Corrupt) << n;
  }
}

TEST(SnpRobustness, RandomCertTableFlipsNeverCrash) {
  std::mt19937 rng(4242);
  const Bytes full = real_table();
  // Aim most flips at the entry array, where the offsets and lengths live.
  const Bytes head(full.begin(), full.begin() + 4 * kCertEntrySize);
  int parsed = 0, rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes bad = full;
    const Bytes flipped = mutate(head, rng);
    std::copy(flipped.begin(), flipped.end(), bad.begin());
    auto r = parse_cert_table(bad);
    if (!r) {
      ++rejected;
      ASSERT_EQ(r.error().code, Code::Corrupt);
      continue;
    }
    ++parsed;
    std::size_t total = 0;
    for (const CertEntry& e : *r) total += e.der.size();
    EXPECT_LE(total, bad.size());
    EXPECT_FALSE(cert_chain_to_trustee_json(*r).dump().empty());
    EXPECT_FALSE(cert_table_to_json(*r).dump().empty());
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace attest::snp
