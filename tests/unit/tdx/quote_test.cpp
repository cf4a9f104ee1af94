// TDX quote v4/v5 parsing against the real quotes in tests/fixtures (expected values from
// tests/fixtures/SOURCES.md, which names the upstream test asserting each one).
#include "providers/tdx/quote.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "tests/fakes/fixture_data.h"

namespace attest::tdx {
namespace {

using attest::testing::fixture_bytes;

const std::string kZero48(96, '0');
const std::string kZero8(16, '0');
constexpr const char* kIntelQeVendor = "939a7233f79c4ca9940a0db3957f0607";
constexpr const char* kQeMrSigner =
    "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5";
constexpr const char* kMrSeamSpr =
    "2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a536"
    "3c656";

Quote parse_fixture(const std::string& rel) {
  const Bytes data = fixture_bytes(rel);
  auto q = parse_quote(data);
  if (!q) {
    ADD_FAILURE() << rel << ": " << q.error().to_string();
    return {};
  }
  return *q;
}

std::size_t count_of(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

// What every Intel-QE quote in the fixtures shares (SOURCES.md "Common to all quotes").
// The GCE quote's QE authentication data is 32 zero bytes; the others carry 00 01 .. 1f.
void expect_common(const Quote& q, bool counting_auth_data = true) {
  EXPECT_EQ(q.att_key_type, 2);
  EXPECT_EQ(q.tee_type, 0x81u);
  EXPECT_EQ(hex_of(q.reserved), "00000000");
  EXPECT_EQ(hex_of(q.qe_vendor_id), kIntelQeVendor);
  EXPECT_EQ(q.cert_data_type, 6);
  EXPECT_EQ(q.cert_data_size, q.signature_data_size - 134);
  Bytes auth(32);
  for (std::size_t i = 0; i < auth.size() && counting_auth_data; ++i)
    auth[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(q.qe_auth_data, auth);
  EXPECT_EQ(q.pck_cert_data_type, 5);
  EXPECT_EQ(count_of(q.pck_chain_pem, "-----BEGIN CERTIFICATE-----"), 3u);
  EXPECT_EQ(q.pck_chain_pem.find('\0'), std::string::npos);
  EXPECT_EQ(hex_of(q.qe_report.mr_signer), kQeMrSigner);
  EXPECT_EQ(q.qe_report.isv_prod_id, 2);
  EXPECT_EQ(q.qe_report_raw.size(), 384u);
  // The QE binds the attestation key: REPORTDATA = SHA-256(att_key || auth data) || 32 zeros.
  Bytes bound(q.attestation_key.begin(), q.attestation_key.end());
  bound.insert(bound.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  auto h = digest(HashAlg::Sha256, bound);
  ASSERT_TRUE(h);
  EXPECT_EQ(hex_encode(ByteView(q.qe_report.report_data).first(32)), hex_encode(*h));
  EXPECT_EQ(hex_encode(ByteView(q.qe_report.report_data).subspan(32)), std::string(64, '0'));
  // The QE report fields come from the raw copy the PCK key signs.
  EXPECT_EQ(load_le16(q.qe_report_raw.data() + 258), q.qe_report.isv_svn);
}

TEST(TdxQuote, V4SapphireRapidsE4) {
  const Quote q = parse_fixture("tdx/quote_v4_spr_e4.dat");
  expect_common(q);
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.body_type, 2);
  EXPECT_EQ(q.body_size, 584u);
  EXPECT_EQ(q.signed_size, 632u);
  EXPECT_EQ(q.signature_data_size, 4299u);
  EXPECT_EQ(q.cert_data_size, 4165u);
  EXPECT_EQ(q.pck_cert_data.size(), 3677u);
  EXPECT_EQ(q.pck_chain_pem.size(), 3677u);  // no NUL terminator in this chain
  EXPECT_EQ(q.trailing_bytes, 39u);
  EXPECT_EQ(hex_of(q.user_data), "739c3f292a15bace1f726351a70d4b7900000000");
  const TdQuoteBody& b = q.body;
  EXPECT_EQ(hex_of(b.tee_tcb_svn), "03000400000000000000000000000000");
  EXPECT_EQ(hex_of(b.mr_seam), kMrSeamSpr);
  EXPECT_EQ(hex_of(b.mr_signer_seam), kZero48);
  EXPECT_EQ(hex_of(b.mr_config_id), kZero48);
  EXPECT_EQ(hex_of(b.mr_owner), kZero48);
  EXPECT_EQ(hex_of(b.mr_owner_config), kZero48);
  EXPECT_EQ(hex_of(b.rtmr[3]), kZero48);
  EXPECT_EQ(hex_of(b.seam_attributes), kZero8);
  EXPECT_EQ(hex_of(b.td_attributes), "0000004000000000");
  EXPECT_EQ(td_attributes_flags(b.td_attributes)["pks"], true);
  EXPECT_EQ(hex_of(b.xfam), "e71a060000000000");
  EXPECT_EQ(hex_of(b.mr_td),
            "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e1"
            "19d7215cbb");
  EXPECT_EQ(hex_of(b.rtmr[0]),
            "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b5177"
            "9c6593f32a");
  EXPECT_EQ(hex_of(b.rtmr[1]),
            "2c700b8ba9b85783f8be9fb9443647bdc0bb3c50747f06297cc6538c25a5f589c4b56d035c59107c6bc580"
            "0db2cacb61");
  EXPECT_EQ(hex_of(b.rtmr[2]),
            "8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7c3bf5c"
            "924eb4424e");
  EXPECT_EQ(hex_of(b.report_data),
            "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a"
            "467dacead6f0c87a6d766c66f6f29f8acb281f1113");
  EXPECT_FALSE(b.tee_tcb_svn2.has_value());
  EXPECT_FALSE(b.mr_servicetd.has_value());
  EXPECT_EQ(hex_of(q.qe_report.mr_enclave),
            "853e298f3b7cde28b06493d06fb2ad6f9566a97fea6d3de66236b2af1a35150f");
  EXPECT_EQ(q.qe_report.isv_svn, 4);
}

TEST(TdxQuote, V5SampleTdx15Body) {
  const Quote q = parse_fixture("tdx/quote_v5_sample.dat");
  expect_common(q);
  EXPECT_EQ(q.version, 5);
  EXPECT_EQ(q.body_type, 3);
  EXPECT_EQ(q.body_size, 648u);
  EXPECT_EQ(q.signed_size, 702u);
  EXPECT_EQ(q.signature_data_size, 4300u);
  EXPECT_EQ(q.trailing_bytes, 0u);
  EXPECT_EQ(q.pck_cert_data.size(), 3678u);
  EXPECT_EQ(q.pck_chain_pem.size(), 3677u);  // trailing NUL stripped
  EXPECT_EQ(hex_of(q.user_data), "ba103c0e5dffa40351f9d5dd559888eb00000000");
  const TdQuoteBody& b = q.body;
  EXPECT_EQ(hex_of(b.tee_tcb_svn), "0b010400000000000000000000000000");
  ASSERT_TRUE(b.tee_tcb_svn2.has_value());
  EXPECT_EQ(hex_of(*b.tee_tcb_svn2), "0d010400000000000000000000000000");
  EXPECT_EQ(hex_of(b.mr_seam),
            "7bf063280e94fb051f5dd7b1fc59ce9aac42bb961df8d44b709c9b0ff87a7b4df648657ba6d1189589feab"
            "1d5a3c9a9d");
  EXPECT_EQ(hex_of(b.td_attributes), "0000001000000000");
  EXPECT_EQ(td_attributes_flags(b.td_attributes)["sept_ve_disable"], true);
  EXPECT_EQ(hex_of(b.xfam), "e702060000000000");
  EXPECT_EQ(hex_of(b.mr_td),
            "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f75"
            "0c3bc8f876");
  EXPECT_EQ(hex_of(b.rtmr[0]),
            "5c8daf76063a71ac8fcef4067564661fc682ed7944c7a5d21dbbced02f61ceff4ba0678c6aef3bdae8cbc6"
            "14cec24619");
  EXPECT_EQ(hex_of(b.rtmr[1]),
            "463acaace1b6e97c76e92e41fe312aa66f3fd4dad60ec7acf169859db0343e3d1e591646795cdc80fbc0ca"
            "5f7041d253");
  EXPECT_EQ(hex_of(b.rtmr[2]),
            "6369b9c9a3b791ebcbdc5a0bb9536cfb57f50df2b393b33c8b29616d3568baa61f4b59dc6092e31ea8764b"
            "cbdfc69f20");
  EXPECT_EQ(hex_of(b.rtmr[3]), kZero48);
  ASSERT_TRUE(b.mr_servicetd.has_value());
  EXPECT_EQ(hex_of(*b.mr_servicetd), kZero48);
  EXPECT_EQ(hex_of(b.report_data),
            "945eaacf5abc1f719d8666a942fda03d1edcb4490277396093dc5a5289ab9f1e094aed63060cd4a4933a4d"
            "d537ed1255c9c79ecb3ed82cd1b486233e31c25c3a");
  EXPECT_EQ(q.qe_report.isv_svn, 7);
  EXPECT_EQ(hex_of(q.qe_report.mr_enclave),
            "b7ae9ab69e76f7794a56b0db1915281d435d488c91d406ed33a7939caf8730f8");
}

TEST(TdxQuote, TrusteeV4DebugTd) {
  const Quote q = parse_fixture("tdx/trustee_quote_v4.dat");
  expect_common(q);
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.body_type, 2);
  EXPECT_EQ(q.signature_data_size, 4300u);
  EXPECT_EQ(q.trailing_bytes, 0u);
  EXPECT_EQ(hex_of(q.user_data), "d099bfec0a477aa85a605dceabf2b10800000000");
  const TdQuoteBody& b = q.body;
  EXPECT_EQ(hex_of(b.tee_tcb_svn), "03000500000000000000000000000000");
  EXPECT_EQ(hex_of(b.mr_seam), kMrSeamSpr);
  EXPECT_EQ(hex_of(b.mr_signer_seam), kZero48);
  EXPECT_EQ(hex_of(b.td_attributes), "0100001000000000");
  const auto flags = td_attributes_flags(b.td_attributes);
  EXPECT_EQ(flags["debug"], true);
  EXPECT_EQ(flags["sept_ve_disable"], true);
  EXPECT_EQ(flags["pks"], false);
  EXPECT_EQ(flags["kl"], false);
  EXPECT_EQ(flags["perfmon"], false);
  EXPECT_EQ(hex_of(b.xfam), "e742060000000000");
  EXPECT_EQ(hex_of(b.mr_td),
            "705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d42048"
            "3a9ce5f031");
  EXPECT_EQ(hex_of(b.rtmr[0]),
            "e940da7c2712d2790e2961e00484f4fa8e6f9eed71361655ae22699476b14f9e63867eb41edd4b480fef0c"
            "59f496b288");
  EXPECT_EQ(hex_of(b.rtmr[1]),
            "559cfcf42716ed6c40a48a73d5acb7da255435012f0a9f00fbe8c1c57612ede486a5684c4c9ff3ddf52315"
            "fcdca3a596");
  EXPECT_EQ(hex_of(b.rtmr[2]), kZero48);
  EXPECT_EQ(hex_of(b.rtmr[3]), kZero48);
  EXPECT_EQ(hex_of(b.report_data),
            "7c71fe2c86eff65a7cf8dbc22b3275689fd0464a267baced1bf94fc1324656aeb755da3d44d098c0c87382"
            "f3a5f85b45c8a28fee1d3bdb38342bf96671501429");
  EXPECT_EQ(q.qe_report.isv_svn, 4);
}

TEST(TdxQuote, TrusteeV5ServiceTd) {
  const Quote q = parse_fixture("tdx/trustee_quote_v5.dat");
  expect_common(q);
  EXPECT_EQ(q.version, 5);
  EXPECT_EQ(q.body_type, 3);
  const TdQuoteBody& b = q.body;
  EXPECT_EQ(hex_of(b.tee_tcb_svn), "05010200000000000000000000000000");
  ASSERT_TRUE(b.tee_tcb_svn2.has_value());
  EXPECT_EQ(hex_of(*b.tee_tcb_svn2), "05010200000000000000000000000000");
  EXPECT_EQ(hex_of(b.mr_seam),
            "1cc6a17ab799e9a693fac7536be61c12ee1e0fabada82d0c999e08ccee2aa86de77b0870f558c570e7ffe5"
            "5d6d47fa04");
  EXPECT_EQ(hex_of(b.td_attributes), "0000001000000000");
  EXPECT_EQ(hex_of(b.xfam), "e742060000000000");
  EXPECT_EQ(hex_of(b.mr_td),
            "dfba221b48a22af8511542ee796603f37382800840dcd978703909bf8e64d4c8a1e9de86e7c9638bfcba42"
            "2f3886400a");
  EXPECT_EQ(hex_of(b.rtmr[0]),
            "9b529f3689e2e8ebb899e9abbbc3dab394d6545e8cdb28a2abb9cc2f377b83a65c01ba56b824cd3ee885df"
            "20051f5128");
  EXPECT_EQ(hex_of(b.rtmr[1]),
            "ca5a979317ffe8a527a3b7aadab03976d7cb6eef1041fb9bd9d69e6fafa7252cdc10e4c2a55e7ecbd2ddb5"
            "cacc867430");
  ASSERT_TRUE(b.mr_servicetd.has_value());
  EXPECT_EQ(hex_of(*b.mr_servicetd),
            "383c87d3bbb047b2d171eaca95312ede99f258088dc788f6ae2ccf8b6dd848fe8d47629e08b3f6cbd4a00d"
            "d47a5a033d");
  EXPECT_EQ(hex_of(b.report_data),
            "6d6ab13b046cff606ac0074be13981b07b6325dba10b5facc96febf551c0c3be2b75f92fe1f88f4bb99696"
            "9ad0174b4b7a70261b7b85c844f4b33a4674fd049f");
}

TEST(TdxQuote, GceCos113PaddedTo8KiB) {
  const Quote q = parse_fixture("tdx/ccel-gce-cos113/quote_v4.dat");
  expect_common(q, /*counting_auth_data=*/false);
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.trailing_bytes, 3065u);
  const Bytes nonce = fixture_bytes("tdx/ccel-gce-cos113/nonce.bin");
  EXPECT_EQ(hex_of(q.body.report_data), hex_encode(nonce));
  EXPECT_EQ(hex_of(q.body.report_data), std::string(128, '0'));
  EXPECT_EQ(hex_of(q.body.tee_tcb_svn), "04010700000000000000000000000000");
  EXPECT_EQ(hex_of(q.body.td_attributes), "0000001000000000");
  EXPECT_EQ(hex_of(q.body.xfam), "e700060000000000");
  EXPECT_EQ(hex_of(q.body.mr_td),
            "dae67181d3d65e073ad8f95b7907d5e927bfe9761c9ff3e9b89734a45d8954dba41394c7717cb2735396c1"
            "d04231f94a");
  EXPECT_EQ(hex_of(q.body.rtmr[3]), kZero48);
}

TEST(TdxQuote, AzureV5OutdatedHasDistinctTcbSvns) {
  const Quote q = parse_fixture("extra/tdx/quote_v5_azure_outdated.dat");
  expect_common(q);
  EXPECT_EQ(q.version, 5);
  EXPECT_EQ(q.body_type, 3);
  ASSERT_TRUE(q.body.tee_tcb_svn2.has_value());
  EXPECT_NE(q.body.tee_tcb_svn, *q.body.tee_tcb_svn2);
  EXPECT_EQ(hex_of(q.body.tee_tcb_svn), "07010300000000000000000000000000");
  EXPECT_EQ(hex_of(*q.body.tee_tcb_svn2), "0d010300000000000000000000000000");
}

TEST(TdxQuote, GraniteRapidsLiveV4WithZeroPadding) {
  const Quote q = parse_fixture("extra/tdx/quote_v4_gnr_live.dat");
  expect_common(q);
  EXPECT_EQ(q.version, 4);
  EXPECT_EQ(q.trailing_bytes, 307u);
}

TEST(TdxQuote, JsonUsesFixtureFieldNames) {
  const Quote q = parse_fixture("tdx/quote_v5_sample.dat");
  const nlohmann::json j = quote_to_json(q);
  EXPECT_EQ(j["version"], 5);
  EXPECT_EQ(j["att_key_type"], 2);
  EXPECT_EQ(j["tee_type"], 0x81);
  EXPECT_EQ(j["qe_vendor_id"], kIntelQeVendor);
  EXPECT_EQ(j["body_type"], 3);
  EXPECT_EQ(j["mr_td"], hex_of(q.body.mr_td));
  EXPECT_EQ(j["rtmr0"], hex_of(q.body.rtmr[0]));
  EXPECT_EQ(j["rtmr3"], kZero48);
  EXPECT_EQ(j["report_data"], hex_of(q.body.report_data));
  EXPECT_EQ(j["tee_tcb_svn"], "0b010400000000000000000000000000");
  EXPECT_EQ(j["tee_tcb_svn2"], "0d010400000000000000000000000000");
  EXPECT_EQ(j["mr_servicetd"], kZero48);
  EXPECT_EQ(j["td_attributes_flags"]["sept_ve_disable"], true);
  EXPECT_EQ(j["signed_size"], 702);
  EXPECT_EQ(j["trailing_bytes"], 0);
  EXPECT_EQ(j["signature_data"]["qe_report"]["isv_svn"], 7);
  EXPECT_EQ(j["signature_data"]["qe_report"]["mr_signer"], kQeMrSigner);
  EXPECT_EQ(j["signature_data"]["pck_cert_data_type"], 5);
  EXPECT_EQ(j["signature_data"]["pck_chain_pem"], q.pck_chain_pem);
  const nlohmann::json v4 = quote_to_json(parse_fixture("tdx/trustee_quote_v4.dat"));
  EXPECT_FALSE(v4.contains("tee_tcb_svn2"));
  EXPECT_FALSE(v4.contains("mr_servicetd"));
  EXPECT_EQ(v4["td_attributes_flags"]["debug"], true);
}

}  // namespace
}  // namespace attest::tdx
