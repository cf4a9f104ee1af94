#include "providers/tdx/quote.h"

#include <string>
#include <utility>

namespace attest::tdx {
namespace {

constexpr std::string_view kWhat = "tdx quote";
constexpr std::size_t kQeReportSize = 384;

std::unexpected<Error> corrupt(const std::string& msg) {
  return fail(Code::Corrupt, std::string(kWhat) + ": " + msg);
}

[[nodiscard]] Result<void> read_header(ByteReader& r, Quote& q) {
  auto version = r.le16();
  if (!version) return std::unexpected(std::move(version.error()));
  q.version = *version;
  if (q.version != 4 && q.version != 5)
    return fail(Code::Unsupported, std::string(kWhat) + ": version " + std::to_string(q.version) +
                                       " (only 4 and 5 are TDX quotes)");
  auto key_type = r.le16();
  if (!key_type) return std::unexpected(std::move(key_type.error()));
  q.att_key_type = *key_type;
  auto tee = r.le32();
  if (!tee) return std::unexpected(std::move(tee.error()));
  q.tee_type = *tee;
  ATTEST_TRY(read_array(r, q.reserved));
  ATTEST_TRY(read_array(r, q.qe_vendor_id));
  ATTEST_TRY(read_array(r, q.user_data));
  // Checked after the whole header is read so a truncated header is Corrupt, not Unsupported.
  if (q.tee_type != kTeeTypeTdx)
    return fail(Code::Unsupported, std::string(kWhat) + ": TEE type " + std::to_string(q.tee_type) +
                                       " is not TDX (0x81)");
  if (q.att_key_type != kAttKeyEcdsaP256)
    return fail(Code::Unsupported, std::string(kWhat) + ": attestation key type " +
                                       std::to_string(q.att_key_type) + " (only 2, ECDSA P-256)");
  return {};
}

// v5 puts {type u16, size u32} before the body; v4 always has the TDX 1.0 body.
[[nodiscard]] Result<void> read_body_descriptor(ByteReader& r, Quote& q) {
  if (q.version == 4) {
    q.body_type = kBodyTypeTdx10;
    q.body_size = kBodySizeTdx10;
    return {};
  }
  const std::size_t at = r.offset();
  auto type = r.le16();
  if (!type) return std::unexpected(std::move(type.error()));
  auto size = r.le32();
  if (!size) return std::unexpected(std::move(size.error()));
  q.body_type = *type;
  q.body_size = *size;
  std::size_t expected = 0;
  switch (q.body_type) {
    case kBodyTypeTdx10:
      expected = kBodySizeTdx10;
      break;
    case kBodyTypeTdx15:
      expected = kBodySizeTdx15;
      break;
    case kBodyTypeSgx:
      return fail(Code::Unsupported,
                  std::string(kWhat) + ": v5 body type 1 is an SGX enclave report, not a TD");
    default:
      return corrupt("unknown v5 body type " + std::to_string(q.body_type) + " at offset " +
                     std::to_string(at));
  }
  if (q.body_size != expected)
    return corrupt("v5 body type " + std::to_string(q.body_type) + " needs size " +
                   std::to_string(expected) + ", header says " + std::to_string(q.body_size) +
                   " at offset " + std::to_string(at + 2));
  return {};
}

[[nodiscard]] Result<void> read_body(ByteReader& r, Quote& q) {
  TdQuoteBody& b = q.body;
  ATTEST_TRY(read_array(r, b.tee_tcb_svn));
  ATTEST_TRY(read_array(r, b.mr_seam));
  ATTEST_TRY(read_array(r, b.mr_signer_seam));
  ATTEST_TRY(read_array(r, b.seam_attributes));
  ATTEST_TRY(read_td_info(r, b));
  ATTEST_TRY(read_array(r, b.report_data));
  if (q.body_type == kBodyTypeTdx15) {
    b.tee_tcb_svn2.emplace();
    b.mr_servicetd.emplace();
    ATTEST_TRY(read_array(r, *b.tee_tcb_svn2));
    ATTEST_TRY(read_array(r, *b.mr_servicetd));
  }
  return {};
}

// SGX REPORT body (sgx_report_body_t): CPUSVN @0, MISCSELECT @16, ATTRIBUTES @48, MRENCLAVE
// @64, MRSIGNER @128, ISVPRODID @256, ISVSVN @258, REPORTDATA @320; the gaps are reserved.
[[nodiscard]] Result<void> read_qe_report(ByteView raw, QeReport& out) {
  ByteReader r(raw, "tdx quote QE report");
  ATTEST_TRY(read_array(r, out.cpusvn));
  auto misc = r.le32();
  if (!misc) return std::unexpected(std::move(misc.error()));
  out.miscselect = *misc;
  ATTEST_TRY(r.seek(48));
  ATTEST_TRY(read_array(r, out.attributes));
  ATTEST_TRY(read_array(r, out.mr_enclave));
  ATTEST_TRY(r.seek(128));
  ATTEST_TRY(read_array(r, out.mr_signer));
  ATTEST_TRY(r.seek(256));
  auto prod = r.le16();
  if (!prod) return std::unexpected(std::move(prod.error()));
  auto svn = r.le16();
  if (!svn) return std::unexpected(std::move(svn.error()));
  out.isv_prod_id = *prod;
  out.isv_svn = *svn;
  ATTEST_TRY(r.seek(320));
  ATTEST_TRY(read_array(r, out.report_data));
  return {};
}

// The QE report certification data (type 6), which must fill its declared size exactly.
// `base` is the absolute offset of `in` within the quote, for messages.
[[nodiscard]] Result<void> read_qe_cert_data(ByteView in, std::size_t base, Quote& q) {
  ByteReader r(in, kWhat);
  auto report = r.take(kQeReportSize);
  if (!report)
    return corrupt("QE report certification data at offset " + std::to_string(base) +
                   " is shorter than the 384-byte QE report");
  q.qe_report_raw.assign(report->begin(), report->end());
  ATTEST_TRY(read_qe_report(*report, q.qe_report));
  auto fail_at = [&](std::string_view what) {
    return corrupt(std::string(what) + " truncated at offset " + std::to_string(base + r.offset()));
  };
  if (!read_array(r, q.qe_report_signature)) return fail_at("QE report signature");
  auto auth_size = r.le16();
  if (!auth_size) return fail_at("QE authentication data size");
  auto auth = r.take(*auth_size);
  if (!auth) return fail_at("QE authentication data");
  q.qe_auth_data.assign(auth->begin(), auth->end());
  auto inner_type = r.le16();
  if (!inner_type) return fail_at("PCK certification data type");
  q.pck_cert_data_type = *inner_type;
  auto inner_size = r.le32();
  if (!inner_size) return fail_at("PCK certification data size");
  const std::size_t inner_at = base + r.offset();
  auto inner = r.take(*inner_size);
  if (!inner) return fail_at("PCK certification data");
  q.pck_cert_data.assign(inner->begin(), inner->end());
  if (r.remaining() != 0)
    return corrupt("QE report certification data has " + std::to_string(r.remaining()) +
                   " unexplained bytes at offset " + std::to_string(base + r.offset()));
  if (q.pck_cert_data_type == kCertDataPckChain) {
    std::string pem(q.pck_cert_data.begin(), q.pck_cert_data.end());
    // Intel's QE and Azure append a C string terminator to the PEM chain.
    while (!pem.empty() && pem.back() == '\0') pem.pop_back();
    // PEM is ASCII text (RFC 7468 §2). Anything else is not a chain a verifier can read, and as
    // "text" it would break every consumer that expects a string (JSON wants UTF-8).
    for (std::size_t i = 0; i < pem.size(); ++i) {
      const auto c = static_cast<unsigned char>(pem[i]);
      if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c > 0x7e)
        return corrupt("PCK certificate chain (certification data type 5) has a non-PEM byte 0x" +
                       hex_encode(ByteView(&c, 1)) + " at offset " + std::to_string(inner_at + i));
    }
    q.pck_chain_pem = std::move(pem);
  }
  return {};
}

[[nodiscard]] Result<void> read_signature_data(ByteReader& r, Quote& q) {
  const std::size_t len_at = r.offset();
  auto len = r.le32();
  if (!len) return std::unexpected(std::move(len.error()));
  q.signature_data_size = *len;
  const std::size_t start = r.offset();
  auto sig_data = r.take(q.signature_data_size);
  if (!sig_data)
    return corrupt("signature data of " + std::to_string(q.signature_data_size) +
                   " bytes (length at offset " + std::to_string(len_at) + ") exceeds the " +
                   std::to_string(r.remaining()) + " bytes left");
  q.trailing_bytes = r.remaining();

  ByteReader s(*sig_data, kWhat);
  auto fail_at = [&](std::string_view what) {
    return corrupt(std::string(what) + " truncated at offset " +
                   std::to_string(start + s.offset()));
  };
  if (!read_array(s, q.signature)) return fail_at("quote signature");
  if (!read_array(s, q.attestation_key)) return fail_at("attestation key");
  auto cert_type = s.le16();
  if (!cert_type) return fail_at("certification data type");
  q.cert_data_type = *cert_type;
  auto cert_size = s.le32();
  if (!cert_size) return fail_at("certification data size");
  q.cert_data_size = *cert_size;
  if (q.cert_data_type != kCertDataQeReport)
    return fail(Code::Unsupported, std::string(kWhat) + ": certification data type " +
                                       std::to_string(q.cert_data_type) +
                                       " (only 6, QE report certification data)");
  if (q.cert_data_size != s.remaining())
    return corrupt("certification data size " + std::to_string(q.cert_data_size) + " at offset " +
                   std::to_string(start + s.offset() - 4) + " does not match the " +
                   std::to_string(s.remaining()) + " bytes left in the signature data");
  return read_qe_cert_data(s.rest(), start + s.offset(), q);
}

}  // namespace

Result<Quote> parse_quote(ByteView in) {
  Quote q;
  ByteReader r(in, kWhat);
  ATTEST_TRY(read_header(r, q));
  ATTEST_TRY(read_body_descriptor(r, q));
  const std::size_t body_at = r.offset();
  ATTEST_TRY(read_body(r, q));
  if (r.offset() - body_at != q.body_size)  // the constants above and read_body must agree
    return fail(Code::Internal, std::string(kWhat) + ": body reader out of step");
  q.signed_size = r.offset();
  ATTEST_TRY(read_signature_data(r, q));
  return q;
}

nlohmann::json quote_to_json(const Quote& q) {
  nlohmann::json j;
  j["version"] = q.version;
  j["att_key_type"] = q.att_key_type;
  j["tee_type"] = q.tee_type;
  j["reserved"] = hex_of(q.reserved);
  j["qe_vendor_id"] = hex_of(q.qe_vendor_id);
  j["user_data"] = hex_of(q.user_data);
  j["body_type"] = q.body_type;
  j["body_size"] = q.body_size;
  const TdQuoteBody& b = q.body;
  j["tee_tcb_svn"] = hex_of(b.tee_tcb_svn);
  j["mr_seam"] = hex_of(b.mr_seam);
  j["mr_signer_seam"] = hex_of(b.mr_signer_seam);
  j["seam_attributes"] = hex_of(b.seam_attributes);
  td_info_to_json(b, j);
  j["report_data"] = hex_of(b.report_data);
  if (b.tee_tcb_svn2) j["tee_tcb_svn2"] = hex_of(*b.tee_tcb_svn2);
  if (b.mr_servicetd) j["mr_servicetd"] = hex_of(*b.mr_servicetd);
  j["signed_size"] = q.signed_size;
  j["trailing_bytes"] = q.trailing_bytes;

  const QeReport& qe = q.qe_report;
  nlohmann::json sig;
  sig["size"] = q.signature_data_size;
  sig["signature"] = hex_of(q.signature);
  sig["attestation_key"] = hex_of(q.attestation_key);
  sig["cert_data_type"] = q.cert_data_type;
  sig["cert_data_size"] = q.cert_data_size;
  sig["qe_report"] = {{"cpusvn", hex_of(qe.cpusvn)},
                      {"miscselect", qe.miscselect},
                      {"attributes", hex_of(qe.attributes)},
                      {"mr_enclave", hex_of(qe.mr_enclave)},
                      {"mr_signer", hex_of(qe.mr_signer)},
                      {"isv_prod_id", qe.isv_prod_id},
                      {"isv_svn", qe.isv_svn},
                      {"report_data", hex_of(qe.report_data)}};
  sig["qe_report_signature"] = hex_of(q.qe_report_signature);
  sig["qe_auth_data"] = hex_encode(q.qe_auth_data);
  sig["pck_cert_data_type"] = q.pck_cert_data_type;
  if (q.pck_cert_data_type == kCertDataPckChain)
    sig["pck_chain_pem"] = q.pck_chain_pem;
  else
    sig["pck_cert_data"] = hex_encode(q.pck_cert_data);
  j["signature_data"] = std::move(sig);
  return j;
}

}  // namespace attest::tdx
