#include "providers/tpm/nv.h"

#include <algorithm>
#include <cstring>

namespace attest::tpm {
namespace {

// The hierarchy or index that authorizes access, per the index's attributes.
Result<ESYS_TR> nv_auth(const NvPublic& pub, ESYS_TR index_tr, TPMA_NV owner_bit, TPMA_NV auth_bit,
                        std::string_view op) {
  if (pub.attributes & owner_bit) return ESYS_TR_RH_OWNER;
  if (pub.attributes & auth_bit) return index_tr;
  return fail_tpm(Code::PermissionDenied, "NV index " + handle_hex(pub.index) + " allows no " +
                                              std::string(op) + " with owner or index auth");
}

Result<std::uint32_t> nv_chunk_size(Esys& esys) {
  auto max = tpm_property(esys, TPM2_PT_NV_BUFFER_MAX);
  if (!max) return std::unexpected(std::move(max.error()));
  if (*max == 0) return fail_tpm(Code::Corrupt, "TPM reports TPM2_PT_NV_BUFFER_MAX = 0");
  // TPM2B_MAX_NV_BUFFER is the most ESYS can carry in one call, whatever the TPM says.
  return std::min<std::uint32_t>(*max, sizeof(TPM2B_MAX_NV_BUFFER::buffer));
}

}  // namespace

Result<NvPublic> nv_read_public(Esys& esys, TPM2_HANDLE index) {
  auto tr = tr_from_tpm_public(esys, index);
  if (!tr) {
    if (tr.error().code == Code::NotFound)
      return fail_tpm(Code::NotFound, "NV index " + handle_hex(index) + " is not defined");
    return std::unexpected(std::move(tr.error()));
  }
  TPM2B_NV_PUBLIC* pub_raw = nullptr;
  TPM2B_NAME* name_raw = nullptr;
  const TSS2_RC rc = Esys_NV_ReadPublic(esys.get(), tr->get(), ESYS_TR_NONE, ESYS_TR_NONE,
                                        ESYS_TR_NONE, &pub_raw, &name_raw);
  EsysPtr<TPM2B_NV_PUBLIC> pub(pub_raw);
  EsysPtr<TPM2B_NAME> name(name_raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "NV_ReadPublic(" + handle_hex(index) + ")");
  return NvPublic{index, pub->nvPublic.attributes, pub->nvPublic.dataSize};
}

Result<bool> nv_exists(Esys& esys, TPM2_HANDLE index) {
  auto pub = nv_read_public(esys, index);
  if (pub) return true;
  if (pub.error().code == Code::NotFound) return false;
  return std::unexpected(std::move(pub.error()));
}

Result<Bytes> nv_read(Esys& esys, TPM2_HANDLE index) {
  auto pub = nv_read_public(esys, index);
  if (!pub) return std::unexpected(std::move(pub.error()));
  auto chunk = nv_chunk_size(esys);
  if (!chunk) return std::unexpected(std::move(chunk.error()));
  auto tr = tr_from_tpm_public(esys, index);
  if (!tr) return std::unexpected(std::move(tr.error()));
  auto auth = nv_auth(*pub, tr->get(), TPMA_NV_OWNERREAD, TPMA_NV_AUTHREAD, "read");
  if (!auth) return std::unexpected(std::move(auth.error()));

  Bytes out;
  out.reserve(pub->size);
  while (out.size() < pub->size) {
    const auto n = static_cast<UINT16>(std::min<std::size_t>(*chunk, pub->size - out.size()));
    TPM2B_MAX_NV_BUFFER* data_raw = nullptr;
    const TSS2_RC rc = Esys_NV_Read(esys.get(), *auth, tr->get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, n, static_cast<UINT16>(out.size()), &data_raw);
    EsysPtr<TPM2B_MAX_NV_BUFFER> data(data_raw);
    if (rc != TSS2_RC_SUCCESS)
      return fail_rc(
          rc, "NV_Read(" + handle_hex(index) + ", offset " + std::to_string(out.size()) + ")");
    if (data->size != n)
      return fail_tpm(Code::Corrupt, "NV_Read(" + handle_hex(index) + ") returned " +
                                         std::to_string(data->size) + " bytes, asked " +
                                         std::to_string(n));
    out.insert(out.end(), data->buffer, data->buffer + data->size);
  }
  return out;
}

Result<void> nv_define(Esys& esys, TPM2_HANDLE index, std::uint16_t size, TPMA_NV attributes) {
  TPM2B_NV_PUBLIC pub{};
  pub.nvPublic.nvIndex = index;
  pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
  pub.nvPublic.attributes = attributes;  // TPM_NT_ORDINARY: the type bits are zero
  pub.nvPublic.dataSize = size;
  const TPM2B_AUTH auth{};
  ESYS_TR tr = ESYS_TR_NONE;
  const TSS2_RC rc = Esys_NV_DefineSpace(esys.get(), ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
                                         ESYS_TR_NONE, ESYS_TR_NONE, &auth, &pub, &tr);
  if (rc != TSS2_RC_SUCCESS)
    return fail_rc(rc,
                   "NV_DefineSpace(" + handle_hex(index) + ", " + std::to_string(size) + " bytes)");
  TrHandle closer(esys.get(), tr, TrHandle::Kind::Reference);
  return {};
}

Result<void> nv_undefine(Esys& esys, TPM2_HANDLE index) {
  auto tr = tr_from_tpm_public(esys, index);
  if (!tr) return std::unexpected(std::move(tr.error()));
  const TSS2_RC rc = Esys_NV_UndefineSpace(esys.get(), ESYS_TR_RH_OWNER, tr->get(),
                                           ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "NV_UndefineSpace(" + handle_hex(index) + ")");
  // ESYS deletes the index's ESYS_TR once it is undefined.
  (void)tr->release();
  return {};
}

Result<void> nv_write(Esys& esys, TPM2_HANDLE index, ByteView data) {
  auto pub = nv_read_public(esys, index);
  if (!pub) return std::unexpected(std::move(pub.error()));
  if (data.size() > pub->size)
    return fail_tpm(Code::InvalidArgument, std::to_string(data.size()) +
                                               " bytes do not fit NV index " + handle_hex(index) +
                                               " (" + std::to_string(pub->size) + " bytes)");
  auto chunk = nv_chunk_size(esys);
  if (!chunk) return std::unexpected(std::move(chunk.error()));
  auto tr = tr_from_tpm_public(esys, index);
  if (!tr) return std::unexpected(std::move(tr.error()));
  auto auth = nv_auth(*pub, tr->get(), TPMA_NV_OWNERWRITE, TPMA_NV_AUTHWRITE, "write");
  if (!auth) return std::unexpected(std::move(auth.error()));
  std::size_t done = 0;
  do {
    TPM2B_MAX_NV_BUFFER buf{};
    buf.size = static_cast<UINT16>(std::min<std::size_t>(*chunk, data.size() - done));
    if (buf.size != 0) std::memcpy(buf.buffer, data.data() + done, buf.size);
    const TSS2_RC rc = Esys_NV_Write(esys.get(), *auth, tr->get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                     ESYS_TR_NONE, &buf, static_cast<UINT16>(done));
    if (rc != TSS2_RC_SUCCESS)
      return fail_rc(rc,
                     "NV_Write(" + handle_hex(index) + ", offset " + std::to_string(done) + ")");
    done += buf.size;
  } while (done < data.size());
  return {};
}

Result<std::optional<Bytes>> ek_certificate(Esys& esys, AkAlg alg) {
  const TPM2_HANDLE index = alg == AkAlg::Rsa ? kEkCertRsaIndex : kEkCertEccIndex;
  auto exists = nv_exists(esys, index);
  if (!exists) return std::unexpected(std::move(exists.error()));
  if (!*exists) return std::optional<Bytes>();
  auto cert = nv_read(esys, index);
  if (!cert) return std::unexpected(std::move(cert.error()));
  return std::optional<Bytes>(std::move(*cert));
}

}  // namespace attest::tpm
