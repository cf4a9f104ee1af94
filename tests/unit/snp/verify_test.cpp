#include "providers/snp/verify.h"

#include <gtest/gtest.h>

#include "tests/unit/snp/fixture_io.h"

namespace attest::snp {
namespace {

using attest::testing::read_fixture;
using attest::testing::read_hex_fixture;

struct SignedCase {
  const char* name;
  Bytes report;
  Bytes cert;
};

std::vector<SignedCase> signed_cases() {
  return {
      {"gosevguest", read_fixture("sev-snp/gosevguest_report.bin"),
       read_fixture("sev-snp/gosevguest_vcek.der")},
      {"trustee_vcek", read_fixture("sev-snp/trustee_vcek_report.bin"),
       read_fixture("sev-snp/trustee_vcek.der")},
      {"trustee_vlek", read_fixture("sev-snp/trustee_vlek_report.bin"),
       read_fixture("sev-snp/trustee_vlek.der")},
      {"virtee_milan", read_hex_fixture("sev-snp/virtee_report_milan.hex"),
       read_fixture("sev-snp/virtee_vcek_milan.der")},
      {"genoa_v5", read_fixture("extra/sev-snp/genoa_v5_report.bin"),
       read_fixture("extra/sev-snp/genoa_vcek.der")},
      {"turin_v5", read_fixture("extra/sev-snp/turin_v5_report.bin"),
       read_fixture("extra/sev-snp/turin_vcek.der")},
  };
}

TEST(SnpVerify, EveryFixtureVerifiesWithItsCertificate) {
  for (const SignedCase& c : signed_cases()) {
    auto r = parse_report(c.report);
    ASSERT_TRUE(r) << c.name;
    auto ok = verify_report_signature(*r, c.report, c.cert);
    EXPECT_TRUE(ok) << c.name << ": " << (ok ? "" : ok.error().message);
  }
}

TEST(SnpVerify, AFlippedSignedByteFails) {
  for (const SignedCase& c : signed_cases()) {
    // virtee's milan_report_invalid flips bit 7 of byte 21 (inside FAMILY_ID); also flip the
    // last signed byte.
    for (std::size_t at : {std::size_t{21}, kSignedSize - 1}) {
      Bytes bad = c.report;
      bad[at] ^= 0x80;
      auto r = parse_report(bad);
      ASSERT_TRUE(r) << c.name;
      auto ok = verify_report_signature(*r, bad, c.cert);
      ASSERT_FALSE(ok) << c.name << " byte " << at;
      EXPECT_EQ(ok.error().code, Code::Unauthenticated) << c.name;
    }
  }
}

TEST(SnpVerify, AFlippedSignatureByteFails) {
  const auto cases = signed_cases();
  Bytes bad = cases[0].report;
  bad[kSignatureOffset] ^= 0x01;
  auto r = parse_report(bad);
  ASSERT_TRUE(r);
  auto ok = verify_report_signature(*r, bad, cases[0].cert);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, Code::Unauthenticated);
}

TEST(SnpVerify, WrongCertificateFails) {
  const auto cases = signed_cases();
  auto r = parse_report(cases[0].report);
  ASSERT_TRUE(r);
  auto ok = verify_report_signature(*r, cases[0].report, cases[1].cert);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, Code::Unauthenticated);
  EXPECT_NE(ok.error().message.find("VCEK"), std::string::npos);
}

TEST(SnpVerify, BadInputs) {
  const auto cases = signed_cases();
  auto r = parse_report(cases[0].report);
  ASSERT_TRUE(r);
  auto not_der = verify_report_signature(*r, cases[0].report, Bytes{0x30, 0x03, 0x01});
  ASSERT_FALSE(not_der);
  EXPECT_EQ(not_der.error().code, Code::InvalidArgument);
  // An RSA certificate (the ARK) is not a usable VCEK.
  const auto chain = attest::testing::pem_fixture_to_der("sev-snp/amd_ask_ark_milan.pem");
  auto rsa = verify_report_signature(*r, cases[0].report, chain.back());
  ASSERT_FALSE(rsa);
  EXPECT_EQ(rsa.error().code, Code::InvalidArgument);
  auto short_raw = verify_report_signature(*r, ByteView(cases[0].report).first(100), cases[0].cert);
  ASSERT_FALSE(short_raw);
  EXPECT_EQ(short_raw.error().code, Code::Corrupt);
  AttestationReport other_algo = *r;
  other_algo.sig_algo = 2;
  auto algo = verify_report_signature(other_algo, cases[0].report, cases[0].cert);
  ASSERT_FALSE(algo);
  EXPECT_EQ(algo.error().code, Code::Unsupported);
}

// The VCEK's SPL extensions equal REPORTED_TCB and its hwID equals CHIP_ID (64 bytes; 8 on
// Turin): docs/tee-interfaces.md §5 step 5.
TEST(SnpVerify, VcekExtensionsMatchReportedTcbAndChipId) {
  for (const SignedCase& c : signed_cases()) {
    auto r = parse_report(c.report);
    ASSERT_TRUE(r) << c.name;
    auto ext = parse_vcek_extensions(c.cert);
    ASSERT_TRUE(ext) << c.name;
    EXPECT_EQ(ext->bl_spl, r->reported_tcb.bootloader) << c.name;
    EXPECT_EQ(ext->tee_spl, r->reported_tcb.tee) << c.name;
    EXPECT_EQ(ext->snp_spl, r->reported_tcb.snp) << c.name;
    EXPECT_EQ(ext->ucode_spl, r->reported_tcb.microcode) << c.name;
    EXPECT_EQ(ext->fmc_spl, r->reported_tcb.fmc) << c.name;
    if (signing_key_name(r->key_info) == "VLEK") {
      EXPECT_TRUE(ext->hw_id.empty()) << c.name;
      continue;
    }
    const std::size_t hwid_len = r->tcb_layout == TcbLayout::Turin ? 8 : 64;
    EXPECT_EQ(ext->hw_id, Bytes(r->chip_id.begin(), r->chip_id.begin() + hwid_len)) << c.name;
  }
}

TEST(SnpVerify, VcekProductNamesAndVlekCsp) {
  auto milan = parse_vcek_extensions(read_fixture("sev-snp/gosevguest_vcek.der"));
  ASSERT_TRUE(milan);
  EXPECT_EQ(milan->product_name, "Milan-B0");
  auto turin = parse_vcek_extensions(read_fixture("sev-snp/virtee_vcek_turin.der"));
  ASSERT_TRUE(turin);
  EXPECT_EQ(turin->product_name, "Turin");
  EXPECT_EQ(turin->hw_id.size(), 8u);
  EXPECT_TRUE(turin->fmc_spl.has_value());
  auto vlek = parse_vcek_extensions(read_fixture("sev-snp/trustee_vlek.der"));
  ASSERT_TRUE(vlek);
  EXPECT_EQ(vlek->csp_id, "CN=cc-us-east-2.amazonaws.com");  // stored as written by AMD
  auto bad = parse_vcek_extensions(Bytes{1, 2, 3});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::InvalidArgument);
}

}  // namespace
}  // namespace attest::snp
