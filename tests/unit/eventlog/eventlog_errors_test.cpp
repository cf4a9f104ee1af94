// Event logs built by hand (StartupLocality, H-CRTM, padding, malformed tables) and the
// robustness of the parser on every real log: truncations and random byte flips.
#include <gtest/gtest.h>

#include "providers/eventlog/eventlog.h"
#include "tests/fakes/fixture_data.h"

namespace attest::eventlog {
namespace {

using attest::testing::fixture_bytes;

class LogBuilder {
 public:
  // The legacy first record with a Spec ID Event03 listing `algs`.
  explicit LogBuilder(const std::vector<AlgorithmSize>& algs, std::uint32_t extra_size = 0,
                      std::string_view signature = {"Spec ID Event03\0", 16}) {
    u32(0);
    u32(kEvNoAction);
    bytes(Bytes(20, 0));
    u32(static_cast<std::uint32_t>(16 + 8 + 4 + 4 * algs.size() + 1) + extra_size);
    bytes(Bytes(signature.begin(), signature.end()));
    u32(0);               // platform class
    bytes({0, 2, 0, 2});  // spec 2.0 errata 0, UINTN 64-bit
    u32(static_cast<std::uint32_t>(algs.size()));
    for (const auto& a : algs) {
      u16(a.id);
      u16(a.digest_size);
    }
    out_.push_back(0);  // no vendor info
  }
  LogBuilder& event(std::uint32_t index, std::uint32_t type, const std::vector<Digest>& digests,
                    const Bytes& data) {
    u32(index);
    u32(type);
    u32(static_cast<std::uint32_t>(digests.size()));
    for (const auto& d : digests) {
      u16(d.alg);
      bytes(d.value);
    }
    u32(static_cast<std::uint32_t>(data.size()));
    bytes(data);
    return *this;
  }
  LogBuilder& bytes(const Bytes& b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  const Bytes& data() const { return out_; }

 private:
  void u16(std::uint16_t v) { bytes({std::uint8_t(v), std::uint8_t(v >> 8)}); }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v));
    u16(static_cast<std::uint16_t>(v >> 16));
  }
  Bytes out_;
};

const std::vector<AlgorithmSize> kSha256Only{{tcg_id(HashAlg::Sha256), 32}};

Bytes filled(std::size_t n, std::uint8_t v) { return Bytes(n, v); }

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes sha256(const Bytes& b) {
  auto h = digest(HashAlg::Sha256, b);
  if (!h) ADD_FAILURE() << h.error().to_string();
  return h ? *h : Bytes{};
}

Bytes startup_locality(std::uint8_t locality) {
  const std::string_view sig{"StartupLocality\0", 16};
  Bytes data(sig.size() + 1, locality);  // signature, then the locality byte
  std::copy(sig.begin(), sig.end(), data.begin());
  return data;
}

TEST(EventLogSynthetic, StartupLocalitySeedsPcr0) {
  const Bytes d = filled(32, 0xAB);
  LogBuilder b(kSha256Only);
  b.event(0, kEvNoAction, {{tcg_id(HashAlg::Sha256), filled(32, 0)}}, startup_locality(3))
      .event(0, 0x8, {{tcg_id(HashAlg::Sha256), d}}, {1, 2})
      .event(1, 0x4, {{tcg_id(HashAlg::Sha256), d}}, {0, 0, 0, 0});
  auto log = parse_eventlog(b.data());
  ASSERT_TRUE(log) << log.error().to_string();
  ASSERT_TRUE(log->startup_locality.has_value());
  EXPECT_EQ(*log->startup_locality, 3);
  Bytes pcr0_start(32, 0);
  pcr0_start.back() = 3;
  const auto banks = replay(*log);
  EXPECT_EQ(banks.at(tcg_id(HashAlg::Sha256)).at(0), sha256(concat(pcr0_start, d)));
  EXPECT_EQ(banks.at(tcg_id(HashAlg::Sha256)).at(1), sha256(concat(Bytes(32, 0), d)));
  EXPECT_EQ(eventlog_to_json(*log, false)["startup_locality"], 3);
}

TEST(EventLogSynthetic, HcrtmEventStartsPcr0AtLocality4) {
  const Bytes d = filled(32, 0x11);
  LogBuilder b(kSha256Only);
  b.event(0, kEvEfiHcrtmEvent, {{tcg_id(HashAlg::Sha256), d}}, {'H', 'C', 'R', 'T', 'M'});
  auto log = parse_eventlog(b.data());
  ASSERT_TRUE(log) << log.error().to_string();
  Bytes start(32, 0);
  start.back() = 4;
  EXPECT_EQ(replay(*log).at(tcg_id(HashAlg::Sha256)).at(0), sha256(concat(start, d)));
}

TEST(EventLogSynthetic, PaddingEndsTheLog) {
  LogBuilder b(kSha256Only);
  b.event(2, 0x4, {{tcg_id(HashAlg::Sha256), filled(32, 1)}}, {0, 0, 0, 0});
  const std::size_t used = b.data().size();
  for (std::uint8_t pad : {std::uint8_t{0x00}, std::uint8_t{0xFF}}) {
    for (std::size_t n : {1u, 7u, 8u, 4096u}) {
      const Bytes data = concat(b.data(), filled(n, pad));
      auto log = parse_eventlog(data);
      ASSERT_TRUE(log) << log.error().to_string();
      EXPECT_EQ(log->events.size(), 1u);
      EXPECT_EQ(log->used_size, used);
    }
  }
  // 0xFF then other bytes is not padding: it is read as a (truncated) record.
  const Bytes junk = concat(b.data(), {0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0});
  auto log = parse_eventlog(junk);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, Code::Corrupt);
}

Error error_of(const Bytes& data) {
  auto log = parse_eventlog(data);
  if (log) {
    ADD_FAILURE() << "expected an error";
    return {};
  }
  return log.error();
}

bool mentions(const Error& e, const std::string& s) {
  return e.message.find(s) != std::string::npos;
}

TEST(EventLogSynthetic, DigestTableChecks) {
  LogBuilder unknown(kSha256Only);
  unknown.event(0, 0x4, {{tcg_id(HashAlg::Sha384), filled(48, 0)}}, {});
  Error e = error_of(unknown.data());
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "not in the Spec ID table")) << e.message;

  LogBuilder too_many(kSha256Only);
  too_many.event(
      0, 0x4, {{tcg_id(HashAlg::Sha256), filled(32, 0)}, {tcg_id(HashAlg::Sha256), filled(32, 0)}},
      {});
  EXPECT_EQ(error_of(too_many.data()).code, Code::Corrupt);

  LogBuilder repeated({{tcg_id(HashAlg::Sha256), 32}, {tcg_id(HashAlg::Sha1), 20}});
  repeated.event(
      0, 0x4, {{tcg_id(HashAlg::Sha256), filled(32, 0)}, {tcg_id(HashAlg::Sha256), filled(32, 0)}},
      {});
  e = error_of(repeated.data());
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "repeated")) << e.message;

  e = error_of(LogBuilder({}).data());
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "no algorithms at offset 56")) << e.message;  // offsets are absolute
  EXPECT_EQ(error_of(LogBuilder({{tcg_id(HashAlg::Sha256), 20}}).data()).code, Code::Corrupt);
  EXPECT_EQ(
      error_of(LogBuilder({{tcg_id(HashAlg::Sha256), 32}, {tcg_id(HashAlg::Sha256), 32}}).data())
          .code,
      Code::Corrupt);
  // EventSize claims 5 more bytes than the Spec ID structure explains.
  LogBuilder oversized(kSha256Only, 5);
  oversized.bytes(filled(5, 0x42));
  e = error_of(oversized.data());
  EXPECT_EQ(e.code, Code::Corrupt);
  EXPECT_TRUE(mentions(e, "unexplained")) << e.message;
}

TEST(EventLogSynthetic, UnknownAlgorithmInTableIsParsedButNotReplayed) {
  LogBuilder b({{tcg_id(HashAlg::Sha256), 32}, {0x0099, 16}});
  b.event(3, 0x4, {{tcg_id(HashAlg::Sha256), filled(32, 2)}, {0x0099, filled(16, 3)}},
          {0, 0, 0, 0});
  auto log = parse_eventlog(b.data());
  ASSERT_TRUE(log) << log.error().to_string();
  ASSERT_EQ(log->events.size(), 1u);
  EXPECT_EQ(log->events[0].digests[1].value, filled(16, 3));
  const auto banks = replay(*log);
  EXPECT_EQ(banks.size(), 1u);
  EXPECT_EQ(banks.count(tcg_id(HashAlg::Sha256)), 1u);
  EXPECT_EQ(eventlog_to_json(*log, false)["events"][0]["digests"]["alg_153"],
            "03030303030303030303030303030303");
}

// Without "Spec ID Event03" the log is read as TCG 1.2 SHA-1 records; an EV_NO_ACTION first
// record (as TCG 1.2 "Spec ID Event00" headers are) is kept but not extended.
TEST(EventLogSynthetic, OtherFirstRecordsAreLegacySha1) {
  const Bytes spec00 = LogBuilder(kSha256Only, 0, {"Spec ID Event00\0", 16}).data();
  auto log = parse_eventlog(spec00);
  ASSERT_TRUE(log) << log.error().to_string();
  EXPECT_EQ(log->format, Format::LegacySha1);
  ASSERT_EQ(log->events.size(), 1u);
  EXPECT_EQ(log->events[0].type, kEvNoAction);
  EXPECT_TRUE(replay(*log).empty());
  // Spec ID Event03 on a record that is not EV_NO_ACTION is not a header either: it is read
  // as one legacy event.
  Bytes bad_type = LogBuilder(kSha256Only).data();
  bad_type[4] = 0x4;
  auto legacy = parse_eventlog(bad_type);
  ASSERT_TRUE(legacy) << legacy.error().to_string();
  EXPECT_EQ(legacy->format, Format::LegacySha1);
  EXPECT_EQ(legacy->events.size(), 1u);
  EXPECT_EQ(error_of(Bytes{}).code, Code::Corrupt);
  EXPECT_EQ(error_of(filled(31, 1)).code, Code::Corrupt);
  EXPECT_EQ(error_of(filled(64, 0)).code, Code::Corrupt);
  EXPECT_EQ(error_of(filled(64, 0xFF)).code, Code::Corrupt);
}

const char* const kLogFixtures[] = {
    "tpm/eventlog_gce_ubuntu2104.bin",
    "tpm/eventlog_sdboot_fedora37.bin",
    "tpm/specid_vendordata.bin",
    "ccel/ccel_ovmf.bin",
    "ccel/ccel_grub.bin",
    "tdx/ccel-gce-cos113/ccel_data.bin",
    "extra/tdx/ccel_gnr_live.bin",
    "extra/tpm/eventlog_cos101_amd_sev.bin",
    "tpm/eventlog_sha1_only.bin",
};

// Where each record's fields start and end: header words, each digest, data size, data.
std::vector<std::size_t> field_boundaries(const EventLog& log) {
  std::vector<std::size_t> out;
  for (const auto& e : log.events) {
    std::size_t at = e.offset;
    if (log.format == Format::LegacySha1) {
      for (std::size_t step : {4, 4, 20, 4}) out.push_back(at += step);
      out.push_back(at + e.data.size());
      continue;
    }
    for (int i = 0; i < 3; ++i) out.push_back(at += 4);
    for (const auto& d : e.digests) {
      out.push_back(at += 2);
      out.push_back(at += d.value.size());
    }
    out.push_back(at += 4);
    out.push_back(at + e.data.size());
    out.push_back(e.offset);
  }
  out.push_back(log.used_size);
  return out;
}

// A prefix is Corrupt, or (cut at a record boundary, or inside a record whose first bytes look
// like padding) a shorter log that is a prefix of the full one.
TEST(EventLogRobustness, EveryTruncation) {
  for (const char* name : kLogFixtures) {
    const Bytes full_data = fixture_bytes(name);
    auto full = parse_eventlog(full_data);
    ASSERT_TRUE(full) << name;
    // Every length near each field boundary of each record, every length of the first 4 KiB,
    // and a stride over the rest (long event data, the padding of a CCEL log area).
    const auto lengths = attest::testing::truncation_lengths(
        full_data.size(), 4096, field_boundaries(*full), /*radius=*/3, /*stride=*/37);
    for (std::size_t n : lengths) {
      auto r = parse_eventlog(ByteView(full_data).first(n));
      if (!r) {
        ASSERT_EQ(r.error().code, Code::Corrupt)
            << name << " cut at " << n << ": " << r.error().to_string();
        continue;
      }
      const std::size_t k = r->events.size();
      ASSERT_LE(k, full->events.size()) << name << " cut at " << n;
      if (k == full->events.size()) {
        ASSERT_GE(n, full->used_size) << name << " cut at " << n;
      } else {
        const std::size_t next = full->events[k].offset;
        ASSERT_TRUE(n >= next && n < next + 8) << name << " cut at " << n << " parsed " << k;
      }
      if (k > 0) {
        ASSERT_EQ(r->events[k - 1].data, full->events[k - 1].data) << name;
      }
    }
  }
}

TEST(EventLogRobustness, RandomByteFlipsNeverCrash) {
  attest::testing::ByteFlipper flipper(7);
  for (const char* name : kLogFixtures) {
    const Bytes full_data = fixture_bytes(name);
    auto full = parse_eventlog(full_data);
    ASSERT_TRUE(full) << name;
    int failures = 0;
    for (int i = 0; i < 1000; ++i) {
      const Bytes b = flipper.flip(full_data, full->used_size + 8);
      auto r = parse_eventlog(b);
      if (!r) {
        ++failures;
        EXPECT_EQ(r.error().code, Code::Corrupt) << name << ": " << r.error().to_string();
        continue;
      }
      if (i % 16 == 0) {  // hashing every variant would dominate the run time
        (void)replay(*r);
        EXPECT_EQ(eventlog_to_json(*r, true)["event_count"], r->events.size());
      }
    }
    EXPECT_GT(failures, 0) << name << ": no flip was detected; the test exercises nothing";
  }
}

}  // namespace
}  // namespace attest::eventlog
