#include "providers/snp/report.h"

#include <algorithm>
#include <string>

namespace attest::snp {
namespace {

// CPUID family of AMD Zen 3/4 (Milan, Genoa) and Zen 5 (Turin) parts.
constexpr std::uint8_t kFamilyZen3Zen4 = 0x19;
constexpr std::uint8_t kFamilyZen5 = 0x1A;

// Offsets from AMD SEV-SNP ABI spec 56860, table "ATTESTATION_REPORT".
constexpr std::size_t kOffPolicy = 0x08;
constexpr std::size_t kOffFamilyId = 0x10;
constexpr std::size_t kOffImageId = 0x20;
constexpr std::size_t kOffVmpl = 0x30;
constexpr std::size_t kOffSigAlgo = 0x34;
constexpr std::size_t kOffCurrentTcb = 0x38;
constexpr std::size_t kOffPlatInfo = 0x40;
constexpr std::size_t kOffKeyInfo = 0x48;
constexpr std::size_t kOffHostData = 0xC0;
constexpr std::size_t kOffIdKeyDigest = 0xE0;
constexpr std::size_t kOffAuthorKeyDigest = 0x110;
constexpr std::size_t kOffReportId = 0x140;
constexpr std::size_t kOffReportIdMa = 0x160;
constexpr std::size_t kOffReportedTcb = 0x180;
constexpr std::size_t kOffCpuidFamId = 0x188;
constexpr std::size_t kOffCpuidModId = 0x189;
constexpr std::size_t kOffCpuidStep = 0x18A;
constexpr std::size_t kOffCommittedTcb = 0x1E0;
constexpr std::size_t kOffCurrentVersion = 0x1E8;  // build, minor, major, reserved
constexpr std::size_t kOffCommittedVersion = 0x1EC;
constexpr std::size_t kOffLaunchTcb = 0x1F0;
constexpr std::size_t kOffLaunchMitVector = 0x1F8;
constexpr std::size_t kOffCurrentMitVector = 0x200;
constexpr std::size_t kOffSignatureS = 0x2E8;

template <std::size_t N>
std::array<std::uint8_t, N> copy_array(ByteView raw, std::size_t offset) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(raw.begin() + static_cast<std::ptrdiff_t>(offset), N, out.begin());
  return out;
}

FirmwareVersion read_version(ByteView raw, std::size_t offset) {
  // Stored as build, minor, major (spec 56860: CURRENT_BUILD @0x1E8, _MINOR @0x1E9, _MAJOR @0x1EA).
  return FirmwareVersion{raw[offset + 2], raw[offset + 1], raw[offset]};
}

std::string hex_byte(std::uint8_t v) { return "0x" + hex_encode(ByteView(&v, 1)); }

// Which TCB layout the report uses. v3+ reports carry the CPUID family; v2 reports do not, so
// we follow virtee/sev (src/firmware/guest/types/snp.rs, chip_id_is_turin_like): Turin reports
// an 8-byte chip id, so a chip id whose last 56 bytes are zero (but is not fully masked) means
// the Turin layout. A masked (all-zero) v2 chip id gives no hint; we keep the Milan/Genoa
// layout, which every v2-era part used.
Result<TcbLayout> choose_layout(std::uint32_t version, ByteView raw) {
  if (version == 2) {
    const auto chip = raw.subspan(kChipIdOffset, 64);
    const bool tail_zero = std::all_of(chip.begin() + 8, chip.end(), [](auto b) { return b == 0; });
    const bool head_zero =
        std::all_of(chip.begin(), chip.begin() + 8, [](auto b) { return b == 0; });
    return tail_zero && !head_zero ? TcbLayout::Turin : TcbLayout::MilanGenoa;
  }
  const std::uint8_t family = raw[kOffCpuidFamId];
  if (family == kFamilyZen3Zen4) return TcbLayout::MilanGenoa;
  // Zen 5 and later parts in family 0x1A (Turin, and Venice per virtee/sev HEAD) use the
  // Turin layout.
  if (family == kFamilyZen5) return TcbLayout::Turin;
  return fail(Code::Unsupported, "snp report: unknown CPUID family " + hex_byte(family) +
                                     " at offset 0x188; cannot choose the TCB layout");
}

}  // namespace

TcbVersion decode_tcb(std::uint64_t raw, TcbLayout layout) {
  auto byte = [raw](int i) { return static_cast<std::uint8_t>(raw >> (8 * i)); };
  TcbVersion t;
  t.raw = raw;
  if (layout == TcbLayout::Turin) {
    // Turin: FMC, BOOT_LOADER, TEE, SNP, reserved[3], MICROCODE.
    t.fmc = byte(0);
    t.bootloader = byte(1);
    t.tee = byte(2);
    t.snp = byte(3);
  } else {
    // Milan/Genoa: BOOT_LOADER, TEE, reserved[4], SNP, MICROCODE.
    t.bootloader = byte(0);
    t.tee = byte(1);
    t.snp = byte(6);
  }
  t.microcode = byte(7);
  return t;
}

Result<AttestationReport> parse_report(ByteView raw) {
  if (raw.size() != kReportSize)
    return fail(Code::Corrupt, "snp report: size " + std::to_string(raw.size()) +
                                   " bytes, expected " + std::to_string(kReportSize));
  AttestationReport r;
  r.version = load_le32(raw.data());
  if (r.version < 2 || r.version > 5)
    return fail(Code::Unsupported, "snp report: version " + std::to_string(r.version) +
                                       " at offset 0 (supported: 2-5)");
  auto layout = choose_layout(r.version, raw);
  if (!layout) return std::unexpected(std::move(layout.error()));
  r.tcb_layout = *layout;
  const auto tcb = [&](std::size_t off) {
    return decode_tcb(load_le64(raw.data() + off), *layout);
  };

  r.guest_svn = load_le32(raw.data() + 4);
  r.policy = load_le64(raw.data() + kOffPolicy);
  r.family_id = copy_array<16>(raw, kOffFamilyId);
  r.image_id = copy_array<16>(raw, kOffImageId);
  r.vmpl = load_le32(raw.data() + kOffVmpl);
  r.sig_algo = load_le32(raw.data() + kOffSigAlgo);
  r.current_tcb = tcb(kOffCurrentTcb);
  r.plat_info = load_le64(raw.data() + kOffPlatInfo);
  r.key_info = load_le32(raw.data() + kOffKeyInfo);
  r.report_data = copy_array<64>(raw, kReportDataOffset);
  r.measurement = copy_array<48>(raw, kMeasurementOffset);
  r.host_data = copy_array<32>(raw, kOffHostData);
  r.id_key_digest = copy_array<48>(raw, kOffIdKeyDigest);
  r.author_key_digest = copy_array<48>(raw, kOffAuthorKeyDigest);
  r.report_id = copy_array<32>(raw, kOffReportId);
  r.report_id_ma = copy_array<32>(raw, kOffReportIdMa);
  r.reported_tcb = tcb(kOffReportedTcb);
  if (r.version >= 3) {  // CPUID_FAM_ID/MOD_ID/STEP were added in report version 3
    r.cpuid_fam_id = raw[kOffCpuidFamId];
    r.cpuid_mod_id = raw[kOffCpuidModId];
    r.cpuid_step = raw[kOffCpuidStep];
  }
  r.chip_id = copy_array<64>(raw, kChipIdOffset);
  r.committed_tcb = tcb(kOffCommittedTcb);
  r.current = read_version(raw, kOffCurrentVersion);
  r.committed = read_version(raw, kOffCommittedVersion);
  r.launch_tcb = tcb(kOffLaunchTcb);
  if (r.version >= 5) {  // the mitigation vectors were added in report version 5
    r.launch_mit_vector = load_le64(raw.data() + kOffLaunchMitVector);
    r.current_mit_vector = load_le64(raw.data() + kOffCurrentMitVector);
  }
  r.signature.r = copy_array<72>(raw, kSignatureOffset);
  r.signature.s = copy_array<72>(raw, kOffSignatureS);
  return r;
}

std::string signing_key_name(std::uint32_t key_info) {
  const std::uint32_t key = (key_info >> 2) & 0x7;  // KEY_INFO bits 4:2
  switch (key) {
    case 0:
      return "VCEK";
    case 1:
      return "VLEK";
    case 7:
      return "none";
    default:
      return "reserved(" + std::to_string(key) + ")";
  }
}

std::string_view product_name(const AttestationReport& r) {
  if (!r.cpuid_fam_id || !r.cpuid_mod_id) return {};
  const std::uint8_t model = *r.cpuid_mod_id;
  // Model ranges as virtee/sev's Generation::identify_cpu (src/lib.rs).
  if (*r.cpuid_fam_id == kFamilyZen3Zen4) {
    if (model <= 0x0F) return "Milan";
    if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)) return "Genoa";
  } else if (*r.cpuid_fam_id == kFamilyZen5) {
    if (model <= 0x11) return "Turin";
    if ((model >= 0x50 && model <= 0x57) || (model >= 0x90 && model <= 0xAF) ||
        (model >= 0xC0 && model <= 0xC7))
      return "Venice";
  }
  return {};
}

}  // namespace attest::snp
