#include "providers/tdx/tdreport.h"

#include <string>

#include "common/digest.h"

namespace attest::tdx {
namespace {

constexpr std::string_view kWhat = "tdreport";
constexpr std::size_t kTeeTcbInfoOffset = 256;
constexpr std::size_t kTdInfoOffset = 512;

[[nodiscard]] Result<void> read_mac_struct(ByteReader& r, TdReport& t) {
  ATTEST_TRY(read_array(r, t.report_type));
  ATTEST_TRY(r.skip(12));
  ATTEST_TRY(read_array(r, t.cpusvn));
  ATTEST_TRY(read_array(r, t.tee_tcb_info_hash));
  ATTEST_TRY(read_array(r, t.tee_info_hash));
  ATTEST_TRY(read_array(r, t.report_data));
  ATTEST_TRY(r.skip(32));
  return read_array(r, t.mac);
}

[[nodiscard]] Result<void> read_tee_tcb_info(ByteReader& r, TdReport& t) {
  ATTEST_TRY(read_array(r, t.tee_tcb_valid));
  ATTEST_TRY(read_array(r, t.tee_tcb_svn));
  ATTEST_TRY(read_array(r, t.mr_seam));
  ATTEST_TRY(read_array(r, t.mr_signer_seam));
  ATTEST_TRY(read_array(r, t.seam_attributes));
  return read_array(r, t.tee_tcb_svn2);
}

bool sha384_matches(ByteView region, const Mr48& expected) {
  auto h = digest(HashAlg::Sha384, region);
  return h && std::equal(h->begin(), h->end(), expected.begin(), expected.end());
}

}  // namespace

Result<TdReport> parse_tdreport(ByteView in) {
  if (in.size() != kTdReportSize)
    return fail(Code::Corrupt, std::string(kWhat) + ": size " + std::to_string(in.size()) +
                                   ", a TDREPORT is exactly 1024 bytes");
  if (in[0] != kReportTypeTdx)
    return fail(Code::Corrupt, std::string(kWhat) + ": REPORTTYPE.type at offset 0 is " +
                                   std::to_string(in[0]) + ", not 0x81 (TDX)");
  TdReport t;
  ByteReader r(in, kWhat);
  ATTEST_TRY(read_mac_struct(r, t));
  ATTEST_TRY(read_tee_tcb_info(r, t));
  ATTEST_TRY(r.seek(kTdInfoOffset));
  ATTEST_TRY(read_td_info(r, t));
  ATTEST_TRY(read_array(r, t.servtd_hash));
  ATTEST_TRY(r.seek(kTeeTcbInfoOffset));
  ATTEST_TRY(read_array(r, t.tee_tcb_info_raw));
  ATTEST_TRY(r.seek(kTdInfoOffset));
  ATTEST_TRY(read_array(r, t.td_info_raw));
  return t;
}

nlohmann::json tdreport_to_json(const TdReport& t) {
  nlohmann::json j;
  j["report_type"] = hex_of(t.report_type);
  j["cpusvn"] = hex_of(t.cpusvn);
  j["tee_tcb_info_hash"] = hex_of(t.tee_tcb_info_hash);
  j["tee_info_hash"] = hex_of(t.tee_info_hash);
  j["tee_tcb_info_hash_ok"] = sha384_matches(t.tee_tcb_info_raw, t.tee_tcb_info_hash);
  j["tee_info_hash_ok"] = sha384_matches(t.td_info_raw, t.tee_info_hash);
  j["report_data"] = hex_of(t.report_data);
  j["mac"] = hex_of(t.mac);
  j["tee_tcb_valid"] = hex_of(t.tee_tcb_valid);
  j["tee_tcb_svn"] = hex_of(t.tee_tcb_svn);
  j["mr_seam"] = hex_of(t.mr_seam);
  j["mr_signer_seam"] = hex_of(t.mr_signer_seam);
  j["seam_attributes"] = hex_of(t.seam_attributes);
  j["tee_tcb_svn2"] = hex_of(t.tee_tcb_svn2);
  td_info_to_json(t, j);
  j["servtd_hash"] = hex_of(t.servtd_hash);
  return j;
}

}  // namespace attest::tdx
