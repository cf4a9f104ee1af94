// NV indices: public area, chunked read/write, define/undefine, and the EK certificate.
#pragma once

#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "providers/tpm/ak.h"
#include "providers/tpm/esys.h"

namespace attest::tpm {

// TCG EK Credential Profile §2.2.1.5: low-range EK certificate indices.
inline constexpr TPM2_HANDLE kEkCertRsaIndex = 0x01c00002;
inline constexpr TPM2_HANDLE kEkCertEccIndex = 0x01c0000a;

struct NvPublic {
  TPM2_HANDLE index = 0;
  TPMA_NV attributes = 0;
  std::uint16_t size = 0;  // dataSize
};

// NV_ReadPublic; an undefined index is NotFound.
[[nodiscard]] Result<NvPublic> nv_read_public(Esys& esys, TPM2_HANDLE index);
// True if the index is defined; other failures are reported.
[[nodiscard]] Result<bool> nv_exists(Esys& esys, TPM2_HANDLE index);

// Reads the whole index (dataSize from NV_ReadPublic) in chunks of TPM2_PT_NV_BUFFER_MAX,
// authorizing with the owner when the index allows owner reads, else with the index's own
// (empty) auth value.
[[nodiscard]] Result<Bytes> nv_read(Esys& esys, TPM2_HANDLE index);

// Owner-authorized NV_DefineSpace of an ordinary index with an empty auth value.
inline constexpr TPMA_NV kOwnerReadWrite = TPMA_NV_OWNERREAD | TPMA_NV_OWNERWRITE;
[[nodiscard]] Result<void> nv_define(Esys& esys, TPM2_HANDLE index, std::uint16_t size,
                                     TPMA_NV attributes = kOwnerReadWrite);
[[nodiscard]] Result<void> nv_undefine(Esys& esys, TPM2_HANDLE index);
// Writes data at offset 0 in chunks of TPM2_PT_NV_BUFFER_MAX (owner auth when allowed).
[[nodiscard]] Result<void> nv_write(Esys& esys, TPM2_HANDLE index, ByteView data);

// The DER EK certificate for the RSA or ECC EK, or nullopt when the TPM has none provisioned.
[[nodiscard]] Result<std::optional<Bytes>> ek_certificate(Esys& esys, AkAlg alg);

}  // namespace attest::tpm
