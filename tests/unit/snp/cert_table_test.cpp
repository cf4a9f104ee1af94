#include "providers/snp/cert_table.h"

#include <gtest/gtest.h>

#include "tests/unit/snp/fixture_io.h"

namespace attest::snp {
namespace {

using attest::testing::pem_fixture_to_der;
using attest::testing::read_fixture;

// A realistic SNP_GET_EXT_REPORT certificate set: VCEK, ASK, ARK.
std::vector<CertEntry> real_entries() {
  const auto chain = pem_fixture_to_der("sev-snp/amd_ask_ark_milan.pem");  // ASK, then ARK
  EXPECT_EQ(chain.size(), 2u);
  return {{kVcekGuid, read_fixture("sev-snp/gosevguest_vcek.der")},
          {kAskGuid, chain.at(0)},
          {kArkGuid, chain.at(1)}};
}

void expect_corrupt(const Bytes& table, std::string_view needle) {
  auto r = parse_cert_table(table);
  ASSERT_FALSE(r) << needle;
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

TEST(SnpCertTable, GuidTextAndNames) {
  EXPECT_EQ(guid_to_string(kVcekGuid), "63da758d-e664-4564-adc5-f4b93be8accd");
  EXPECT_EQ(guid_to_string(kVlekGuid), "a8074bc2-a25a-483e-aae6-39c045a0b8a1");
  EXPECT_EQ(guid_to_string(kAskGuid), "4ab7b379-bbac-4fe4-a02f-05aef327c782");
  EXPECT_EQ(guid_to_string(kArkGuid), "c0b406a4-a803-4952-9743-3fb6014cd0ae");
  EXPECT_EQ(cert_type_name(kVcekGuid), "VCEK");
  EXPECT_EQ(cert_type_name(kVlekGuid), "VLEK");
  EXPECT_EQ(cert_type_name(kAskGuid), "ASK");
  EXPECT_EQ(cert_type_name(kArkGuid), "ARK");
  EXPECT_EQ(cert_type_name(kCrlGuid), "CRL");
  const Guid extra = {0xec, 0xae, 0x0c, 0x0f, 0x95, 0x02, 0x43, 0xb1,
                      0xaf, 0xa2, 0x0a, 0xe2, 0xe0, 0xd5, 0x65, 0xb6};
  EXPECT_EQ(cert_type_name(extra), "ecae0c0f-9502-43b1-afa2-0ae2e0d565b6");
}

TEST(SnpCertTable, BuildThenParseRealCertificates) {
  const auto entries = real_entries();
  const Bytes table = build_cert_table(entries);
  // Layout: 3 entries + terminator, then the DER blobs back to back.
  EXPECT_EQ(table.size(), 4 * kCertEntrySize + entries[0].der.size() + entries[1].der.size() +
                              entries[2].der.size());
  EXPECT_EQ(load_le32(table.data() + 16), 96u);
  EXPECT_EQ(load_le32(table.data() + 20), 1360u);  // gosevguest_vcek.der
  EXPECT_EQ(Bytes(table.begin() + 72, table.begin() + 96), Bytes(24, 0));

  auto parsed = parse_cert_table(table);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*parsed)[i].guid, entries[i].guid);
    EXPECT_EQ((*parsed)[i].der, entries[i].der);
  }
}

TEST(SnpCertTable, TrailingPageSlackIsAllowed) {
  Bytes table = build_cert_table(real_entries());
  table.resize(16384, 0);  // the kernel hands over a page-multiple buffer
  auto parsed = parse_cert_table(table);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->size(), 3u);
}

TEST(SnpCertTable, EmptyAndZeroBuffersAreEmpty) {
  auto empty = parse_cert_table(Bytes{});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto zero = parse_cert_table(Bytes(4096, 0));
  ASSERT_TRUE(zero);
  EXPECT_TRUE(zero->empty());
  auto built = parse_cert_table(build_cert_table({}));
  ASSERT_TRUE(built);
  EXPECT_TRUE(built->empty());
}

TEST(SnpCertTable, MalformedTablesAreCorrupt) {
  const Bytes good = build_cert_table(real_entries());

  Bytes past_end = good;  // offset beyond the buffer
  store_le32(past_end.data() + 16, static_cast<std::uint32_t>(good.size() + 1));
  expect_corrupt(past_end, "exceeds the table size");

  Bytes overflow = good;  // offset + length wraps a u32
  store_le32(overflow.data() + 20, 0xffffffffu);
  expect_corrupt(overflow, "exceeds the table size");

  Bytes long_last = good;  // the last certificate runs one byte past the end
  store_le32(long_last.data() + 2 * 24 + 20, load_le32(good.data() + 2 * 24 + 20) + 1);
  expect_corrupt(long_last, "exceeds the table size");

  Bytes into_header = good;  // certificate data inside the entry array
  store_le32(into_header.data() + 16, 24);
  expect_corrupt(into_header, "points into the entry array");

  Bytes overlap = good;  // ASK starts inside the VCEK
  store_le32(overlap.data() + 24 + 16, load_le32(good.data() + 16) + 10);
  expect_corrupt(overlap, "overlaps entry 0");

  Bytes zero_len = good;
  store_le32(zero_len.data() + 20, 0);
  expect_corrupt(zero_len, "zero-length");

  Bytes zero_guid = good;  // a terminator must be all zero
  std::fill(zero_guid.begin(), zero_guid.begin() + 16, 0);
  expect_corrupt(zero_guid, "zero GUID");

  // Missing terminator: three entries and nothing else.
  Bytes no_term(good.begin(), good.begin() + 3 * 24);
  expect_corrupt(no_term, "no all-zero terminator");
  // A lone partial entry.
  expect_corrupt(Bytes(good.begin(), good.begin() + 10), "no all-zero terminator");
}

TEST(SnpCertTable, TrusteeJsonShape) {
  auto entries = real_entries();
  const Guid other = {0xec, 0xae, 0x0c, 0x0f, 0x95, 0x02, 0x43, 0xb1,
                      0xaf, 0xa2, 0x0a, 0xe2, 0xe0, 0xd5, 0x65, 0xb6};
  entries.push_back({other, Bytes{1, 2, 3}});
  entries.push_back({kVlekGuid, Bytes{4}});
  const nlohmann::json j = cert_chain_to_trustee_json(entries);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 5u);
  EXPECT_EQ(j[0].at("cert_type"), "VCEK");
  EXPECT_EQ(j[1].at("cert_type"), "ASK");
  EXPECT_EQ(j[2].at("cert_type"), "ARK");
  EXPECT_EQ(j[3].at("cert_type"),
            nlohmann::json({{"OTHER", "ecae0c0f-9502-43b1-afa2-0ae2e0d565b6"}}));
  EXPECT_EQ(j[4].at("cert_type"), "VLEK");
  EXPECT_EQ(j[0].size(), 2u);  // exactly cert_type and data
  ASSERT_TRUE(j[0].at("data").is_array());
  EXPECT_EQ(j[0].at("data").size(), 1360u);
  EXPECT_EQ(j[0].at("data").at(0), 0x30);  // DER SEQUENCE
  EXPECT_EQ(j[3].at("data"), nlohmann::json({1, 2, 3}));
  EXPECT_EQ(cert_chain_to_trustee_json({}), nlohmann::json::array());
}

TEST(SnpCertTable, InspectJson) {
  const nlohmann::json j = cert_table_to_json({{kVcekGuid, Bytes{'a', 'b', 'c'}}});
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].at("type"), "VCEK");
  EXPECT_EQ(j[0].at("guid"), "63da758d-e664-4564-adc5-f4b93be8accd");
  EXPECT_EQ(j[0].at("size"), 3);
  EXPECT_EQ(j[0].at("sha256"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace attest::snp
