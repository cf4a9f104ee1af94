// JSON views of a parsed SEV-SNP report: the wire shape Trustee expects, and a readable one.
#include <string>

#include "providers/snp/report.h"

namespace attest::snp {
namespace {

using nlohmann::json;

json optional_json(const auto& v) { return v ? json(*v) : json(nullptr); }

std::string hex_u64(std::uint64_t v) {
  std::uint8_t be[8];
  for (int i = 0; i < 8; ++i) be[i] = static_cast<std::uint8_t>(v >> (8 * (7 - i)));
  return "0x" + hex_encode(be);
}

bool bit(std::uint64_t v, int n) { return ((v >> n) & 1U) != 0; }

// virtee/sev TcbVersion serde: {"fmc": Option<u8>, "bootloader", "tee", "snp", "microcode"}.
json tcb_trustee(const TcbVersion& t) {
  return {{"fmc", optional_json(t.fmc)},
          {"bootloader", t.bootloader},
          {"tee", t.tee},
          {"snp", t.snp},
          {"microcode", t.microcode}};
}

json version_trustee(const FirmwareVersion& v) {
  return {{"major", v.major}, {"minor", v.minor}, {"build", v.build}};
}

json tcb_human(const TcbVersion& t) {
  json j = {{"raw", hex_u64(t.raw)},
            {"bootloader", t.bootloader},
            {"tee", t.tee},
            {"snp", t.snp},
            {"microcode", t.microcode}};
  if (t.fmc) j["fmc"] = *t.fmc;
  return j;
}

std::string version_text(const FirmwareVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.build);
}

// GUEST_POLICY bits, spec 56860 table "GUEST_POLICY" (tee-interfaces.md §5).
json policy_human(std::uint64_t p) {
  return {{"raw", hex_u64(p)},
          {"abi_minor", p & 0xFF},
          {"abi_major", (p >> 8) & 0xFF},
          {"smt", bit(p, 16)},
          {"reserved_must_be_one", bit(p, 17)},
          {"migrate_ma", bit(p, 18)},
          {"debug", bit(p, 19)},
          {"single_socket", bit(p, 20)},
          {"cxl_allow", bit(p, 21)},
          {"mem_aes_256_xts", bit(p, 22)},
          {"rapl_dis", bit(p, 23)},
          {"ciphertext_hiding", bit(p, 24)},
          {"page_swap_disable", bit(p, 25)}};
}

// PLATFORM_INFO bits.
json plat_info_human(std::uint64_t p) {
  return {{"raw", hex_u64(p)},
          {"smt_enabled", bit(p, 0)},
          {"tsme_enabled", bit(p, 1)},
          {"ecc_enabled", bit(p, 2)},
          {"rapl_disabled", bit(p, 3)},
          {"ciphertext_hiding_enabled", bit(p, 4)},
          {"alias_check_complete", bit(p, 5)},
          {"sev_tio_enabled", bit(p, 7)}};
}

// KEY_INFO (a.k.a. signer info) bits.
json key_info_human(std::uint32_t k) {
  return {{"raw", hex_u64(k)},
          {"author_key_en", bit(k, 0)},
          {"mask_chip_key", bit(k, 1)},
          {"signing_key", signing_key_name(k)}};
}

}  // namespace

// Field names and value shapes follow virtee/sev `AttestationReport` (derive Serialize) in
// src/firmware/guest/types/snp.rs at tag v6.3.0 and at HEAD 9cf2adb (identical shape):
// GuestPolicy/PlatformInfo/KeyInfo are newtypes over u64/u64/u32 and serialize as plain numbers,
// byte arrays (Array<u8,N> / BigArray) as arrays of ints, Option as null, and Signature as
// {"r":[72],"s":[72]} (src/certs/snp/ecdsa/mod.rs). serde reads JSON objects by key, so the
// member order of nlohmann::json (sorted) does not matter to Trustee.
json report_to_trustee_json(const AttestationReport& r) {
  return {{"version", r.version},
          {"guest_svn", r.guest_svn},
          {"policy", r.policy},
          {"family_id", r.family_id},
          {"image_id", r.image_id},
          {"vmpl", r.vmpl},
          {"sig_algo", r.sig_algo},
          {"current_tcb", tcb_trustee(r.current_tcb)},
          {"plat_info", r.plat_info},
          {"key_info", r.key_info},
          {"report_data", r.report_data},
          {"measurement", r.measurement},
          {"host_data", r.host_data},
          {"id_key_digest", r.id_key_digest},
          {"author_key_digest", r.author_key_digest},
          {"report_id", r.report_id},
          {"report_id_ma", r.report_id_ma},
          {"reported_tcb", tcb_trustee(r.reported_tcb)},
          {"cpuid_fam_id", optional_json(r.cpuid_fam_id)},
          {"cpuid_mod_id", optional_json(r.cpuid_mod_id)},
          {"cpuid_step", optional_json(r.cpuid_step)},
          {"chip_id", r.chip_id},
          {"committed_tcb", tcb_trustee(r.committed_tcb)},
          {"current", version_trustee(r.current)},
          {"committed", version_trustee(r.committed)},
          {"launch_tcb", tcb_trustee(r.launch_tcb)},
          {"launch_mit_vector", optional_json(r.launch_mit_vector)},
          {"current_mit_vector", optional_json(r.current_mit_vector)},
          {"signature", {{"r", r.signature.r}, {"s", r.signature.s}}}};
}

json report_to_json(const AttestationReport& r) {
  json j = {
      {"version", r.version},
      {"guest_svn", r.guest_svn},
      {"policy", policy_human(r.policy)},
      {"family_id", hex_encode(r.family_id)},
      {"image_id", hex_encode(r.image_id)},
      {"vmpl", r.vmpl},
      {"sig_algo", r.sig_algo},
      {"sig_algo_name", r.sig_algo == 1 ? "ECDSA P-384 with SHA-384" : "unknown"},
      {"tcb_layout", r.tcb_layout == TcbLayout::Turin ? "Turin" : "Milan/Genoa"},
      {"current_tcb", tcb_human(r.current_tcb)},
      {"reported_tcb", tcb_human(r.reported_tcb)},
      {"committed_tcb", tcb_human(r.committed_tcb)},
      {"launch_tcb", tcb_human(r.launch_tcb)},
      {"platform_info", plat_info_human(r.plat_info)},
      {"key_info", key_info_human(r.key_info)},
      {"report_data", hex_encode(r.report_data)},
      {"measurement", hex_encode(r.measurement)},
      {"host_data", hex_encode(r.host_data)},
      {"id_key_digest", hex_encode(r.id_key_digest)},
      {"author_key_digest", hex_encode(r.author_key_digest)},
      {"report_id", hex_encode(r.report_id)},
      {"report_id_ma", hex_encode(r.report_id_ma)},
      {"chip_id", hex_encode(r.chip_id)},
      {"current_version", version_text(r.current)},
      {"committed_version", version_text(r.committed)},
      {"signature", {{"r_le", hex_encode(r.signature.r)}, {"s_le", hex_encode(r.signature.s)}}},
  };
  // The hwID AMD KDS wants in the VCEK URL: Turin uses only the first 8 bytes of CHIP_ID.
  const std::size_t hwid_len = r.tcb_layout == TcbLayout::Turin ? 8 : 64;
  j["kds_hwid"] = hex_encode(ByteView(r.chip_id).first(hwid_len));
  if (r.cpuid_fam_id) {
    j["cpuid"] = {{"family", *r.cpuid_fam_id},
                  {"model", r.cpuid_mod_id.value_or(0)},
                  {"stepping", r.cpuid_step.value_or(0)}};
  } else {
    j["cpuid"] = nullptr;
  }
  const std::string_view product = product_name(r);
  j["product"] = product.empty() ? json(nullptr) : json(std::string(product));
  j["launch_mit_vector"] =
      r.launch_mit_vector ? json(hex_u64(*r.launch_mit_vector)) : json(nullptr);
  j["current_mit_vector"] =
      r.current_mit_vector ? json(hex_u64(*r.current_mit_vector)) : json(nullptr);
  return j;
}

}  // namespace attest::snp
