// TDREPORT_STRUCT parsing against the real TDX 1.5 report from guest-components.
#include "providers/tdx/tdreport.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "tests/fakes/fixture_data.h"

namespace attest::tdx {
namespace {

using attest::testing::fixture_bytes;

const std::string kZero48(96, '0');
constexpr const char* kFixture = "tdx/tdreport_guest_components.bin";

TEST(TdReport, GuestComponentsFixture) {
  const Bytes data = fixture_bytes(kFixture);
  auto r = parse_tdreport(data);
  ASSERT_TRUE(r) << r.error().to_string();
  const TdReport& t = *r;
  EXPECT_EQ(hex_of(t.report_type), "81000100");
  EXPECT_EQ(hex_of(t.cpusvn), "0202181a03ff00060000000000000000");
  EXPECT_EQ(hex_of(t.report_data), std::string(128, '0'));
  EXPECT_EQ(hex_of(t.tee_tcb_valid), "ff01030000000000");
  EXPECT_EQ(hex_of(t.tee_tcb_svn), "05010200000000000000000000000000");
  EXPECT_EQ(hex_of(t.mr_seam),
            "1cc6a17ab799e9a693fac7536be61c12ee1e0fabada82d0c999e08ccee2aa86de77b0870f558c570e7ffe5"
            "5d6d47fa04");
  EXPECT_EQ(hex_of(t.td_attributes), "0000001000000000");
  EXPECT_EQ(hex_of(t.xfam), "e742060000000000");
  EXPECT_EQ(hex_of(t.mr_td),
            "98bbc39e3e27b4cb27ed6d21870b187738f64ec44b9f3f93d603b35a84e610dcb45f1b6d79c648c7bf8e68"
            "f7a37b8ab5");
  EXPECT_EQ(hex_of(t.mr_config_id), kZero48);
  EXPECT_EQ(hex_of(t.mr_owner), kZero48);
  EXPECT_EQ(hex_of(t.mr_owner_config), kZero48);
  EXPECT_EQ(hex_of(t.rtmr[0]),
            "f4ec1a04670fe7926cd5de4aef9aaa7689ab4ceaa132d7c5242b47f67dfaaea64c372a17ad68fef9a6ac99"
            "aabbddabdc");
  EXPECT_EQ(hex_of(t.rtmr[1]),
            "4e5f8826653198ab4bc5156fbe4bc99db054c0b8239a16c4b59249fb427f4acc50eed1b46a85c7d526c4e1"
            "e47621b14c");
  EXPECT_EQ(hex_of(t.rtmr[2]), kZero48);
  EXPECT_EQ(hex_of(t.rtmr[3]), kZero48);
  EXPECT_EQ(hex_of(t.servtd_hash),
            "383c87d3bbb047b2d171eaca95312ede99f258088dc788f6ae2ccf8b6dd848fe8d47629e08b3f6cbd4a00d"
            "d47a5a033d");
}

// TEE_TCB_INFO_HASH = SHA384(bytes 256..495) and TEE_INFO_HASH = SHA384(bytes 512..1023).
TEST(TdReport, HashesOfTeeTcbInfoAndTdInfoMatch) {
  const Bytes data = fixture_bytes(kFixture);
  auto r = parse_tdreport(data);
  ASSERT_TRUE(r) << r.error().to_string();
  auto tcb = digest(HashAlg::Sha384, ByteView(data).subspan(256, 239));
  auto info = digest(HashAlg::Sha384, ByteView(data).subspan(512, 512));
  ASSERT_TRUE(tcb);
  ASSERT_TRUE(info);
  EXPECT_EQ(hex_encode(*tcb), hex_of(r->tee_tcb_info_hash));
  EXPECT_EQ(hex_encode(*info), hex_of(r->tee_info_hash));
  EXPECT_EQ(hex_encode(ByteView(data).subspan(256, 239)), hex_of(r->tee_tcb_info_raw));
  EXPECT_EQ(hex_encode(ByteView(data).subspan(512, 512)), hex_of(r->td_info_raw));

  const nlohmann::json j = tdreport_to_json(*r);
  EXPECT_EQ(j["tee_tcb_info_hash_ok"], true);
  EXPECT_EQ(j["tee_info_hash_ok"], true);
  EXPECT_EQ(j["report_type"], "81000100");
  EXPECT_EQ(j["mr_td"], hex_of(r->mr_td));
  EXPECT_EQ(j["rtmr1"], hex_of(r->rtmr[1]));
  EXPECT_EQ(j["servtd_hash"], hex_of(r->servtd_hash));
  EXPECT_EQ(j["td_attributes_flags"]["debug"], false);

  Bytes tampered = data;
  tampered[720] ^= 1;  // RTMR0 no longer matches TEE_INFO_HASH
  auto t = parse_tdreport(tampered);
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_EQ(tdreport_to_json(*t)["tee_info_hash_ok"], false);
  EXPECT_EQ(tdreport_to_json(*t)["tee_tcb_info_hash_ok"], true);
}

TEST(TdReport, SizeAndTypeChecks) {
  const Bytes data = fixture_bytes(kFixture);
  for (std::size_t n = 0; n < data.size(); ++n) {
    auto r = parse_tdreport(ByteView(data).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, Code::Corrupt) << n;
  }
  Bytes longer = data;
  longer.push_back(0);
  EXPECT_EQ(parse_tdreport(longer).error().code, Code::Corrupt);
  Bytes sgx = data;
  sgx[0] = 0x00;
  auto r = parse_tdreport(sgx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_NE(r.error().message.find("REPORTTYPE"), std::string::npos) << r.error().message;
}

TEST(TdReport, RandomByteFlipsNeverCrash) {
  attest::testing::ByteFlipper flipper(1024);
  const Bytes data = fixture_bytes(kFixture);
  for (int i = 0; i < 2000; ++i) {
    auto r = parse_tdreport(flipper.flip(data, data.size()));
    if (!r) {
      EXPECT_EQ(r.error().code, Code::Corrupt) << r.error().to_string();
    }
  }
}

}  // namespace
}  // namespace attest::tdx
