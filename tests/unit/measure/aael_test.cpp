// AAEL records: digests equal guest-components' own test vectors, the record parses as a TCG2
// event, and the AAEL rules (what Trustee's parser needs) are enforced with a named field.
#include "agent/measure/aael.h"

#include <gtest/gtest.h>

#include "providers/eventlog/cc_eventlog.h"
#include "providers/eventlog/eventlog.h"

namespace attest::measure {
namespace {

// guest-components attestation-agent/src/eventlog/mod.rs test_event_digest (@8246e5e0):
// Event{"domain", "operation", "content"} digested with each algorithm.
TEST(AaelRecord, DigestsMatchUpstreamVectors) {
  struct Case {
    HashAlg alg;
    const char* hex;
  } cases[] = {
      {HashAlg::Sha256, "46df8dacf00a07d34a83cdf56d7978697790787cf2ba1432ef7c38f22cd96351"},
      {HashAlg::Sha384,
       "dad5f0e226318ffa9839b75a472c6aa7fdb5834949d0a0a22990cf04d5692440fb00f3aa0609db7e49cd8d793f"
       "670d02"},
      {HashAlg::Sha512,
       "b708d222ca8bd44dfe6ba0c4ca2cbb72379276fba8091025217064be45a813e5d6124ccf073219edb617d1faf0"
       "07d55061465bdf34b7437dbdc9a7405bd4e9c0"},
  };
  for (const auto& c : cases) {
    auto rec = encode_record({4, c.alg}, "domain", "operation", "content");
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_EQ(hex_encode(rec->digest), c.hex) << hash_alg_name(c.alg);
  }
}

TEST(AaelRecord, IsATcg2EventTagRecordTrusteeCanParse) {
  auto rec =
      encode_record({4, HashAlg::Sha384}, "github.com/x", "pull", "image sha256:ab {\"k\": 1}");
  ASSERT_TRUE(rec) << rec.error().message;
  Bytes log = eventlog::spec_id_header(HashAlg::Sha384);
  log.insert(log.end(), rec->bytes.begin(), rec->bytes.end());
  auto parsed = eventlog::parse_eventlog(log);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->events.size(), 1u);
  const auto& e = parsed->events[0];
  EXPECT_EQ(e.index, 4u);
  EXPECT_EQ(e.type, kEvEventTag);
  ASSERT_EQ(e.digests.size(), 1u);
  EXPECT_EQ(e.digests[0].alg, tcg_id(HashAlg::Sha384));
  EXPECT_EQ(e.digests[0].value, rec->digest);
  // TCG_PCClientTaggedEvent: "LEAA" (0x4141454c little-endian), size, "domain operation content".
  const std::string text = "github.com/x pull image sha256:ab {\"k\": 1}";
  Bytes tagged{0x4c, 0x45, 0x41, 0x41, static_cast<std::uint8_t>(text.size()), 0, 0, 0};
  tagged.insert(tagged.end(), text.begin(), text.end());
  EXPECT_EQ(e.data, tagged);
  // The digest covers exactly the event data (Trustee's digest_matches_event).
  auto recomputed = digest(HashAlg::Sha384, e.data);
  ASSERT_TRUE(recomputed);
  EXPECT_EQ(*recomputed, rec->digest);
  EXPECT_EQ(parsed->used_size, log.size());
}

TEST(AaelRecord, RejectsWhatBreaksTheFormatNamingTheField) {
  struct Case {
    std::string domain, operation, content, wanted;
  } cases[] = {
      {"", "op", "c", "measurement domain: is empty"},
      {"dom", "", "c", "measurement operation: is empty"},
      {"dom", "op", "", "measurement content: is empty"},
      {"do m", "op", "c", "measurement domain: byte 2 is not printable ASCII"},
      {"dom", "o\tp", "c", "measurement operation: byte 1 is not printable ASCII"},
      {"dom", "op", "line\nbreak", "measurement content: byte 4 is a control character (0x0a)"},
      {"dom", "op", "cr\r", "measurement content: byte 2 is a control character (0x0d)"},
      {"dom", "op", std::string("nul\0x", 5), "measurement content: byte 3 is a control"},
      {"dom", "op", "bad \xc3(", "measurement content: byte 4 is not valid UTF-8"},
      {"dom", "op", "overlong \xc0\xaf", "measurement content: byte 9 is not valid UTF-8"},
      {"dom", "op", "surrogate \xed\xa0\x80", "measurement content: byte 10 is not valid UTF-8"},
      {"dom", "op", "cut \xe2\x82", "measurement content: byte 4 is not valid UTF-8"},
      {"dom\xc3\xa9", "op", "c", "measurement domain: byte 3 is not printable ASCII"},
      {std::string(kMaxDomainSize + 1, 'd'), "op", "c", "measurement domain: 257 bytes"},
      {"dom", std::string(kMaxOperationSize + 1, 'o'), "c", "measurement operation: 257 bytes"},
      {"dom", "op", std::string(kMaxContentSize + 1, 'c'), "measurement content: 16385 bytes"},
  };
  for (const auto& c : cases) {
    auto r = encode_record({4, HashAlg::Sha384}, c.domain, c.operation, c.content);
    ASSERT_FALSE(r) << c.wanted;
    EXPECT_EQ(r.error().code, Code::InvalidArgument) << c.wanted;
    EXPECT_TRUE(r.error().message.starts_with(c.wanted)) << r.error().message;
  }
}

TEST(AaelRecord, AcceptsSpacesAndUtf8InContentAndLimitsExactly) {
  EXPECT_TRUE(validate_event("a", "b", "two words, \"json\": ✓ é 𝄞"));
  EXPECT_TRUE(validate_event(std::string(kMaxDomainSize, 'd'), std::string(kMaxOperationSize, 'o'),
                             std::string(kMaxContentSize, 'c')));
}

}  // namespace
}  // namespace attest::measure
