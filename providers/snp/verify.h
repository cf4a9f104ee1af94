// Offline checks of an SEV-SNP report against its VCEK/VLEK certificate (docs/tee-interfaces.md
// §5 "Verifying the signature"). No network, no chain building: the caller supplies the leaf.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "providers/snp/report.h"

namespace attest::snp {

// ECDSA P-384/SHA-384 over raw_report[0, 0x2A0) with the key of `vcek_der` (VCEK or VLEK, DER).
// `report` must be parse_report(raw_report). A bad signature is Unauthenticated; an unusable
// certificate or a non-P-384 key is InvalidArgument; a size mismatch is Corrupt.
[[nodiscard]] Result<void> verify_report_signature(const AttestationReport& report,
                                                   ByteView raw_report, ByteView vcek_der);

// AMD's VCEK/VLEK X.509 extensions (OID arc 1.3.6.1.4.1.3704.1).
struct VcekExtensions {
  std::string product_name;               // .2, e.g. "Milan-B0"
  std::optional<std::uint8_t> bl_spl;     // .3.1
  std::optional<std::uint8_t> tee_spl;    // .3.2
  std::optional<std::uint8_t> snp_spl;    // .3.3
  std::optional<std::uint8_t> ucode_spl;  // .3.8
  std::optional<std::uint8_t> fmc_spl;    // .3.9 (Turin)
  Bytes hw_id;                            // .4: 64 bytes (8 on Turin); empty for a VLEK
  std::string csp_id;                     // .5 (VLEK only)
};
[[nodiscard]] Result<VcekExtensions> parse_vcek_extensions(ByteView cert_der);

}  // namespace attest::snp
