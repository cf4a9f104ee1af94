// Hardware evidence as the real firmware lays it out, built for the fakes of the kernel ABI:
// a TDX quote v4, a TDREPORT, an SEV-SNP report v3, an SNP certificate table and a small
// CCA-token-like CBOR value. Each embeds the caller's report data at the hardware's offset and
// is signed with the keys of test_keys.h, so tests check placement and signatures end to end.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/bytes.h"

namespace attest::testing {

// Offsets tests check independently of the parsers (docs/tee-interfaces.md quick reference).
inline constexpr std::size_t kQuoteReportDataOffset = 0x238;
inline constexpr std::size_t kQuoteSignedSize = 0x278;
inline constexpr std::size_t kTdReportDataOffset = 128;
inline constexpr std::size_t kSnpReportSize = 1184;
inline constexpr std::size_t kSnpReportDataOffset = 0x50;
inline constexpr std::size_t kSnpVmplOffset = 0x30;
inline constexpr std::size_t kSnpSignedSize = 0x2A0;

// Quote v4: header, 584-byte TDX 1.0 body with report_data at 0x238, signature data with an
// ECDSA P-256 signature over [0, 0x278) by the attestation key, QE report certification data
// (QE report bound to the attestation key, signed by the PCK key, PEM "chain" of one cert).
Bytes make_tdx_quote_v4(ByteView report_data);
// TDREPORT_STRUCT (1024 bytes), type 0x81, report data at 128.
Bytes make_tdreport(ByteView report_data);
// ATTESTATION_REPORT v3 (1184 bytes), report data at 0x50, VMPL at 0x30, signed with the VCEK
// (ECDSA P-384 over SHA-384 of [0, 0x2A0), r and s little-endian at 0x2A0 and 0x2E8).
Bytes make_snp_report(ByteView report_data, std::uint32_t vmpl);
// A GHCB certificate table: 24-byte entries, a zero terminator, then the DER blobs.
using CertBlob = std::pair<std::array<std::uint8_t, 16>, Bytes>;
Bytes make_cert_table(const std::vector<CertBlob>& certs);
// The table with just the self-signed test VCEK.
Bytes fake_vcek_cert_table();
// CBOR: tag 399 { 44234: bstr(platform claims), 44241: bstr({10: bstr(challenge)}) }.
Bytes make_cca_token(ByteView challenge);

// SHA-256 (for tests that recompute the QE report binding).
Bytes sha256(ByteView data);

}  // namespace attest::testing
