#include "providers/snp/report.h"

#include <gtest/gtest.h>

#include "tests/unit/snp/fixture_io.h"

namespace attest::snp {
namespace {

using attest::testing::hex;
using attest::testing::read_fixture;
using attest::testing::read_hex_fixture;
using attest::testing::to_bytes;

Bytes padded(std::string_view prefix_hex, std::size_t size) {
  Bytes b = hex(prefix_hex);
  b.resize(size, 0);
  return b;
}

AttestationReport parse_ok(const Bytes& raw) {
  auto r = parse_report(raw);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : AttestationReport{};
}

void expect_tcb(const TcbVersion& t, std::uint64_t raw, std::optional<std::uint8_t> fmc,
                std::uint8_t bl, std::uint8_t tee, std::uint8_t snp, std::uint8_t ucode) {
  EXPECT_EQ(t.raw, raw);
  EXPECT_EQ(t.fmc, fmc);
  EXPECT_EQ(t.bootloader, bl);
  EXPECT_EQ(t.tee, tee);
  EXPECT_EQ(t.snp, snp);
  EXPECT_EQ(t.microcode, ucode);
}

void expect_version(const FirmwareVersion& v, int major, int minor, int build) {
  EXPECT_EQ(v.major, major);
  EXPECT_EQ(v.minor, minor);
  EXPECT_EQ(v.build, build);
}

// Values from shared/fixtures/SOURCES.md "sev-snp/" (go-sev-guest verify/testdata).
TEST(SnpReport, GoSevGuestMilanV2) {
  const AttestationReport r = parse_ok(read_fixture("sev-snp/gosevguest_report.bin"));
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.guest_svn, 0u);
  EXPECT_EQ(r.policy, 0xb0000u);
  EXPECT_EQ(r.vmpl, 0u);
  EXPECT_EQ(r.sig_algo, 1u);
  EXPECT_EQ(r.tcb_layout, TcbLayout::MilanGenoa);
  for (const TcbVersion* t : {&r.current_tcb, &r.reported_tcb, &r.committed_tcb, &r.launch_tcb})
    expect_tcb(*t, 0x4405000000000002u, std::nullopt, 2, 0, 5, 68);
  EXPECT_EQ(r.plat_info, 0x1u);
  EXPECT_EQ(r.key_info, 0u);
  EXPECT_EQ(to_bytes(r.report_data), padded("0102030405", 64));
  EXPECT_EQ(
      to_bytes(r.measurement),
      hex("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608e"
          "b0cf2e4872b01"));
  EXPECT_EQ(to_bytes(r.host_data), Bytes(32, 0));
  EXPECT_EQ(to_bytes(r.id_key_digest), Bytes(48, 0));
  EXPECT_EQ(to_bytes(r.author_key_digest), Bytes(48, 0));
  EXPECT_EQ(to_bytes(r.family_id), Bytes(16, 0));
  EXPECT_EQ(to_bytes(r.image_id), Bytes(16, 0));
  EXPECT_EQ(to_bytes(r.report_id),
            hex("8edc638e1857c555d21f6b11bda3c8b1b5a09dba4852b4c8ee7aa2f16f22cc0a"));
  EXPECT_EQ(to_bytes(r.report_id_ma), Bytes(32, 0xff));
  EXPECT_EQ(to_bytes(r.chip_id),
            hex("3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a"
                "1936776b564ea464cdce40c05f63c9b610c5068b006b5d"));
  expect_version(r.current, 1, 49, 3);
  expect_version(r.committed, 1, 49, 3);
  EXPECT_EQ(r.cpuid_fam_id, std::nullopt);  // v2 has no CPUID fields
  EXPECT_EQ(r.cpuid_mod_id, std::nullopt);
  EXPECT_EQ(r.cpuid_step, std::nullopt);
  EXPECT_EQ(r.launch_mit_vector, std::nullopt);
  EXPECT_EQ(r.current_mit_vector, std::nullopt);
  EXPECT_EQ(hex_encode(ByteView(r.signature.r).first(8)), "4f8e8b5ab8f8f969");
  EXPECT_EQ(to_bytes(r.signature.r).back(), 0);  // P-384 uses only the low 48 bytes
  EXPECT_EQ(product_name(r), "");
}

TEST(SnpReport, TrusteeVcekMilanV2WithIdBlock) {
  const AttestationReport r = parse_ok(read_fixture("sev-snp/trustee_vcek_report.bin"));
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.guest_svn, 4u);
  EXPECT_EQ(r.policy, 0x3001fu);
  EXPECT_EQ(to_bytes(r.family_id), padded("01", 16));
  EXPECT_EQ(to_bytes(r.image_id), padded("02", 16));
  EXPECT_EQ(r.vmpl, 0u);
  expect_tcb(r.current_tcb, 0xce08000000000003u, std::nullopt, 3, 0, 8, 0xce);
  for (const TcbVersion* t : {&r.reported_tcb, &r.committed_tcb, &r.launch_tcb})
    expect_tcb(*t, 0x7308000000000003u, std::nullopt, 3, 0, 8, 115);
  EXPECT_EQ(to_bytes(r.report_data),
            padded("ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e2", 64));
  EXPECT_EQ(to_bytes(r.measurement),
            hex("a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6b"
                "e917f9050d3d38c"));
  EXPECT_EQ(to_bytes(r.id_key_digest),
            hex("0356215882a825279a85b300b0b742931d113bf7e32dde2e50ffde7ec743ca491ecdd7f336dc28a6e"
                "0b2bb57af7a44a3"));
  EXPECT_EQ(to_bytes(r.report_id),
            hex("385eba81216de4776548fcb86f8ead03c1ebc92b6207f3210d9ccebb89c99005"));
  const std::string chip = hex_encode(r.chip_id);
  EXPECT_EQ(chip.substr(0, 16), "c38427a30d4c7af9");
  EXPECT_EQ(chip.substr(chip.size() - 8), "e477524e");
  expect_version(r.current, 1, 52, 4);
  expect_version(r.committed, 1, 52, 4);
}

TEST(SnpReport, TrusteeVlekMilanV3) {
  const AttestationReport r = parse_ok(read_fixture("sev-snp/trustee_vlek_report.bin"));
  EXPECT_EQ(r.version, 3u);
  EXPECT_EQ(r.policy, 0x30000u);
  EXPECT_EQ(r.vmpl, 1u);
  EXPECT_EQ(r.tcb_layout, TcbLayout::MilanGenoa);
  expect_tcb(r.current_tcb, 0xdc18000000000004u, std::nullopt, 4, 0, 24, 0xdc);
  expect_tcb(r.reported_tcb, 0xd918000000000004u, std::nullopt, 4, 0, 24, 0xd9);
  expect_tcb(r.committed_tcb, 0xdb18000000000004u, std::nullopt, 4, 0, 24, 0xdb);
  expect_tcb(r.launch_tcb, 0xdb18000000000004u, std::nullopt, 4, 0, 24, 0xdb);
  EXPECT_EQ(r.plat_info, 0x27u);
  EXPECT_EQ(r.key_info, 0x4u);
  EXPECT_EQ(signing_key_name(r.key_info), "VLEK");
  EXPECT_EQ(r.cpuid_fam_id, std::optional<std::uint8_t>(0x19));
  EXPECT_EQ(r.cpuid_mod_id, std::optional<std::uint8_t>(0x01));
  EXPECT_EQ(r.cpuid_step, std::optional<std::uint8_t>(0x01));
  EXPECT_EQ(product_name(r), "Milan");
  EXPECT_EQ(to_bytes(r.report_data),
            hex("819770b7e6ea6df8dd8fd4dd146b073c0bf4f3ce5b0977ecac486e3a05ed1bd54e2a7ac1f5d1ca02e"
                "7d7d5ef9f73b8574fd9359e3a480d741a4478e8a7bc27ca"));
  EXPECT_EQ(to_bytes(r.measurement),
            hex("8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a"
                "493df2a570d7bf0"));
  EXPECT_EQ(to_bytes(r.chip_id), Bytes(64, 0));  // MASK_CHIP_ID
  expect_version(r.current, 1, 55, 29);
  expect_version(r.committed, 1, 55, 29);
  EXPECT_EQ(r.launch_mit_vector, std::nullopt);  // v3: no mitigation vectors
}

TEST(SnpReport, VirteeMilanHexV2) {
  const AttestationReport r = parse_ok(read_hex_fixture("sev-snp/virtee_report_milan.hex"));
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.policy, 0x30000u);
  EXPECT_EQ(r.vmpl, 0u);
  for (const TcbVersion* t : {&r.current_tcb, &r.reported_tcb, &r.committed_tcb, &r.launch_tcb})
    expect_tcb(*t, 0x7308000000000003u, std::nullopt, 3, 0, 8, 115);
  EXPECT_EQ(to_bytes(r.report_data),
            hex("d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c645810b0f2cdfca0040433"
                "be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd"));
  EXPECT_EQ(to_bytes(r.measurement),
            hex("7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd9"
                "5b9c480cd81841f"));
  EXPECT_EQ(to_bytes(r.chip_id),
            hex("d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db7570390"
                "29f0efacfd08e244324884738c72b082e2f87a44d541eb6"));
}

// Derived with this parser; cross-checked in verify_test.cpp by the signature and the VCEK's
// SPL/hwID extensions.
TEST(SnpReport, GenoaV5) {
  const AttestationReport r = parse_ok(read_fixture("extra/sev-snp/genoa_v5_report.bin"));
  EXPECT_EQ(r.version, 5u);
  EXPECT_EQ(r.policy, 0x30000u);
  EXPECT_EQ(r.tcb_layout, TcbLayout::MilanGenoa);
  for (const TcbVersion* t : {&r.current_tcb, &r.reported_tcb, &r.committed_tcb, &r.launch_tcb})
    expect_tcb(*t, 0x1b1b00000000000au, std::nullopt, 10, 0, 0x1b, 0x1b);
  EXPECT_EQ(r.plat_info, 0x25u);
  EXPECT_EQ(r.cpuid_fam_id, std::optional<std::uint8_t>(0x19));
  EXPECT_EQ(r.cpuid_mod_id, std::optional<std::uint8_t>(0xa0));
  EXPECT_EQ(r.cpuid_step, std::optional<std::uint8_t>(0x02));
  EXPECT_EQ(product_name(r), "Genoa");
  EXPECT_EQ(to_string(ByteView(r.report_data).first(17)), "hello-attestation");
  EXPECT_EQ(hex_encode(r.measurement).substr(0, 16), "d9912ba396ce409c");
  EXPECT_EQ(hex_encode(r.chip_id).substr(0, 16), "b5f9a4c8280e63c9");
  expect_version(r.current, 1, 55, 49);
  EXPECT_EQ(r.launch_mit_vector, std::optional<std::uint64_t>(0xb));
  EXPECT_EQ(r.current_mit_vector, std::optional<std::uint64_t>(0xb));
}

TEST(SnpReport, TurinV5UsesTurinTcbLayout) {
  const AttestationReport r = parse_ok(read_fixture("extra/sev-snp/turin_v5_report.bin"));
  EXPECT_EQ(r.version, 5u);
  EXPECT_EQ(r.tcb_layout, TcbLayout::Turin);
  for (const TcbVersion* t : {&r.current_tcb, &r.reported_tcb, &r.committed_tcb, &r.launch_tcb})
    expect_tcb(*t, 0x6100000005020301u, std::uint8_t{1}, 3, 2, 5, 0x61);
  EXPECT_EQ(r.plat_info, 0x65u);
  EXPECT_EQ(r.cpuid_fam_id, std::optional<std::uint8_t>(0x1a));
  EXPECT_EQ(r.cpuid_mod_id, std::optional<std::uint8_t>(0x02));
  EXPECT_EQ(r.cpuid_step, std::optional<std::uint8_t>(0x01));
  EXPECT_EQ(product_name(r), "Turin");
  EXPECT_EQ(to_bytes(r.chip_id), hex("0910b4f884ff4ba9" + std::string(112, '0')));
  expect_version(r.current, 1, 58, 3);
  EXPECT_EQ(r.launch_mit_vector, std::optional<std::uint64_t>(0x3f));
  EXPECT_EQ(r.current_mit_vector, std::optional<std::uint64_t>(0x3f));
}

TEST(SnpReport, SizeMustBeExact) {
  Bytes raw = read_fixture("sev-snp/gosevguest_report.bin");
  raw.push_back(0);
  auto r = parse_report(raw);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_NE(r.error().message.find("1185"), std::string::npos);
  EXPECT_EQ(parse_report(Bytes{}).error().code, Code::Corrupt);
}

TEST(SnpReport, UnknownVersionsAreUnsupported) {
  Bytes raw = read_fixture("sev-snp/gosevguest_report.bin");
  for (std::uint32_t v : {0u, 1u, 6u, 0xffffffffu}) {
    store_le32(raw.data(), v);
    auto r = parse_report(raw);
    ASSERT_FALSE(r) << v;
    EXPECT_EQ(r.error().code, Code::Unsupported) << v;
  }
  // v4 has the v3 layout (it needs the CPUID fields a v3 report carries).
  Bytes v3 = read_fixture("sev-snp/trustee_vlek_report.bin");
  store_le32(v3.data(), 4);
  auto r = parse_report(v3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, 4u);
  EXPECT_EQ(r->cpuid_fam_id, std::optional<std::uint8_t>(0x19));
  EXPECT_EQ(r->launch_mit_vector, std::nullopt);
}

TEST(SnpReport, UnknownCpuFamilyIsUnsupported) {
  Bytes raw = read_fixture("sev-snp/trustee_vlek_report.bin");
  raw[0x188] = 0x17;  // Zen 2: no SEV-SNP
  auto r = parse_report(raw);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unsupported);
  EXPECT_NE(r.error().message.find("0x17"), std::string::npos);
}

// v2 reports carry no CPUID; an 8-byte chip id is the Turin hint (virtee/sev behaviour), and a
// fully masked chip id falls back to the Milan/Genoa layout.
TEST(SnpReport, V2LayoutFromChipId) {
  Bytes raw = read_fixture("sev-snp/gosevguest_report.bin");
  std::fill(raw.begin() + 0x1A8, raw.begin() + 0x1E0, 0);
  auto turin = parse_report(raw);
  ASSERT_TRUE(turin);
  EXPECT_EQ(turin->tcb_layout, TcbLayout::Turin);
  expect_tcb(turin->reported_tcb, 0x4405000000000002u, std::uint8_t{2}, 0, 0, 0, 0x44);
  std::fill(raw.begin() + 0x1A0, raw.begin() + 0x1E0, 0);
  auto masked = parse_report(raw);
  ASSERT_TRUE(masked);
  EXPECT_EQ(masked->tcb_layout, TcbLayout::MilanGenoa);
}

TEST(SnpReport, DecodeTcbLayouts) {
  const TcbVersion milan = decode_tcb(0x7308000000000003u, TcbLayout::MilanGenoa);
  expect_tcb(milan, 0x7308000000000003u, std::nullopt, 3, 0, 8, 0x73);
  const TcbVersion turin = decode_tcb(0x6100000005020301u, TcbLayout::Turin);
  expect_tcb(turin, 0x6100000005020301u, std::uint8_t{1}, 3, 2, 5, 0x61);
}

TEST(SnpReport, SigningKeyNames) {
  EXPECT_EQ(signing_key_name(0x0), "VCEK");
  EXPECT_EQ(signing_key_name(0x4), "VLEK");
  EXPECT_EQ(signing_key_name(0x1c), "none");
  EXPECT_EQ(signing_key_name(0x8), "reserved(2)");
  EXPECT_EQ(signing_key_name(0x3), "VCEK");  // bits 0-1 are other flags
}

}  // namespace
}  // namespace attest::snp
