// Intel DCAP TDX quote v4 / v5 (ECDSA P-256 attestation key): a pure parser and a JSON view.
// Layouts: docs/tee-interfaces.md §3 (sgx_quote_4.h, sgx_quote_5.h). No signature checks here;
// the fields needed to verify (signed_size, signature, attestation_key, qe_report_raw,
// qe_report_signature, qe_auth_data, pck_chain_pem) are kept for a verifier.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "providers/tdx/td_fields.h"

namespace attest::tdx {

inline constexpr std::uint32_t kTeeTypeTdx = 0x81;
inline constexpr std::uint16_t kAttKeyEcdsaP256 = 2;
inline constexpr std::uint16_t kBodyTypeSgx = 1;
inline constexpr std::uint16_t kBodyTypeTdx10 = 2;  // 584-byte body (v4 quotes always)
inline constexpr std::uint16_t kBodyTypeTdx15 = 3;  // 648-byte body
inline constexpr std::size_t kBodySizeTdx10 = 584;
inline constexpr std::size_t kBodySizeTdx15 = 648;
inline constexpr std::uint16_t kCertDataQeReport = 6;
inline constexpr std::uint16_t kCertDataPckChain = 5;

struct TdQuoteBody {
  Svn16 tee_tcb_svn{};
  Mr48 mr_seam{};
  Mr48 mr_signer_seam{};
  Bits64 seam_attributes{};
  Bits64 td_attributes{};
  Bits64 xfam{};
  Mr48 mr_td{};
  Mr48 mr_config_id{};
  Mr48 mr_owner{};
  Mr48 mr_owner_config{};
  std::array<Mr48, 4> rtmr{};
  Data64 report_data{};
  // TDX 1.5 body (v5 body type 3) only.
  std::optional<Svn16> tee_tcb_svn2;
  std::optional<Mr48> mr_servicetd;
};

// The QE's SGX REPORT body (384 bytes), the fields a verifier compares with the QE identity.
struct QeReport {
  Svn16 cpusvn{};
  std::uint32_t miscselect = 0;
  std::array<std::uint8_t, 16> attributes{};
  std::array<std::uint8_t, 32> mr_enclave{};
  std::array<std::uint8_t, 32> mr_signer{};
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  Data64 report_data{};
};

struct Quote {
  // Header (48 bytes).
  std::uint16_t version = 0;
  std::uint16_t att_key_type = 0;
  std::uint32_t tee_type = 0;
  std::array<std::uint8_t, 4> reserved{};
  std::array<std::uint8_t, 16> qe_vendor_id{};
  std::array<std::uint8_t, 20> user_data{};
  // Body: v5 carries the type (2 or 3); a v4 quote is reported as type 2.
  std::uint16_t body_type = 0;
  std::uint32_t body_size = 0;
  TdQuoteBody body;
  // Bytes [0, signed_size) are what `signature` signs (header + body, v5 also type and size).
  std::size_t signed_size = 0;
  std::uint32_t signature_data_size = 0;
  std::array<std::uint8_t, 64> signature{};        // r||s, big-endian
  std::array<std::uint8_t, 64> attestation_key{};  // x||y, big-endian, no 0x04 prefix
  std::uint16_t cert_data_type = 0;                // 6: QE report certification data
  std::uint32_t cert_data_size = 0;
  QeReport qe_report;
  Bytes qe_report_raw;                                 // the 384 bytes the PCK key signs
  std::array<std::uint8_t, 64> qe_report_signature{};  // r||s, big-endian
  Bytes qe_auth_data;
  std::uint16_t pck_cert_data_type = 0;  // 5: PEM PCK chain
  Bytes pck_cert_data;                   // raw inner certification data
  std::string pck_chain_pem;             // type 5 only, trailing NUL bytes stripped
  // Bytes after the signature data (GetQuote buffer padding); tolerated, not signed.
  std::size_t trailing_bytes = 0;
};

// Parses a v4 or v5 TDX quote. Dispatches on version and body type, never on total size.
// Corrupt (naming the structure and offset) for truncation or inconsistent sizes; Unsupported
// for versions other than 4/5, SGX bodies or quotes, and non-P-256 attestation keys.
[[nodiscard]] Result<Quote> parse_quote(ByteView in);

// Hex strings for byte fields; header and body fields at the top level (version, mr_td,
// rtmr0..3, report_data, ...), signature data under "signature_data".
nlohmann::json quote_to_json(const Quote& q);

}  // namespace attest::tdx
