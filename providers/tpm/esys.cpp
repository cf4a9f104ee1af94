#include "providers/tpm/esys.h"

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace attest::tpm {
namespace {

std::string rc_hex(TSS2_RC rc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", static_cast<unsigned>(rc));
  return buf;
}

// TPM 2.0 Part 2 §6.6: format-one codes (bit 7) carry the handle/session/parameter number in
// bits 8-11 and 6; strip them so the switch sees the base code.
TSS2_RC tpm_base_code(TSS2_RC rc) {
  if (rc & TPM2_RC_FMT1) return rc & (TPM2_RC_FMT1 | 0x3F);
  return rc & 0xFFF;
}

Code code_for_tpm_rc(TSS2_RC rc) {
  switch (tpm_base_code(rc)) {
    case TPM2_RC_HANDLE:
      return Code::NotFound;
    case TPM2_RC_NV_DEFINED:
    case TPM2_RC_NV_SPACE:
    case TPM2_RC_NV_UNINITIALIZED:
    case TPM2_RC_NV_LOCKED:
    case TPM2_RC_LOCKOUT:
      return Code::FailedPrecondition;
    case TPM2_RC_BAD_AUTH:
    case TPM2_RC_AUTH_FAIL:
    case TPM2_RC_NV_AUTHORIZATION:
      return Code::PermissionDenied;
    case TPM2_RC_OBJECT_MEMORY:
    case TPM2_RC_SESSION_MEMORY:
    case TPM2_RC_RETRY:
    case TPM2_RC_YIELDED:
    case TPM2_RC_TESTING:
    case TPM2_RC_NV_RATE:
      return Code::Unavailable;
    case TPM2_RC_HASH:  // an algorithm this TPM does not implement
      return Code::Unsupported;
    case TPM2_RC_VALUE:
    case TPM2_RC_SIZE:
    case TPM2_RC_NV_RANGE:
    case TPM2_RC_ATTRIBUTES:
      return Code::InvalidArgument;
    default:
      return Code::Internal;
  }
}

}  // namespace

Code code_for_rc(TSS2_RC rc) noexcept {
  if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER) return code_for_tpm_rc(rc);
  switch (rc & 0xFFFF) {  // the base code shared by all TSS layers (tss2_common.h)
    case TSS2_BASE_RC_IO_ERROR:
    case TSS2_BASE_RC_NO_CONNECTION:
    case TSS2_BASE_RC_TRY_AGAIN:
      return Code::Unavailable;
    case TSS2_BASE_RC_NOT_IMPLEMENTED:
    case TSS2_BASE_RC_NOT_SUPPORTED:
    case TSS2_BASE_RC_INCOMPATIBLE_TCTI:
      return Code::Unsupported;
    case TSS2_BASE_RC_BAD_VALUE:
    case TSS2_BASE_RC_BAD_SIZE:
    case TSS2_BASE_RC_BAD_REFERENCE:
      return Code::InvalidArgument;
    case TSS2_BASE_RC_MALFORMED_RESPONSE:
    case TSS2_BASE_RC_INSUFFICIENT_RESPONSE:
      return Code::Corrupt;
    case TSS2_BASE_RC_NOT_PERMITTED:
      return Code::PermissionDenied;
    default:
      return Code::Internal;
  }
}

std::unexpected<Error> fail_rc(TSS2_RC rc, std::string_view what) {
  const char* decoded = Tss2_RC_Decode(rc);
  return fail(code_for_rc(rc), "tpm/esys: " + std::string(what) + ": " +
                                   (decoded != nullptr ? decoded : "unknown error") + " (" +
                                   rc_hex(rc) + ")");
}

std::unexpected<Error> fail_tpm(Code code, std::string_view message) {
  return fail(code, "tpm/esys: " + std::string(message));
}

std::string handle_hex(std::uint32_t handle) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(handle));
  return buf;
}

Result<Esys> Esys::open(const std::string& tcti) {
  // tpm2-tss logs every failed command at ERROR level on stderr (log.c reads TSS2_LOG at its
  // first message), including answers we expect when probing. We report each error once
  // ourselves, so keep the TSS quiet unless the user asked for its log with TSS2_LOG.
  static std::once_flag quiet;
  std::call_once(quiet, [] { ::setenv("TSS2_LOG", "all+none", 0); });
  TSS2_TCTI_CONTEXT* t = nullptr;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.empty() ? nullptr : tcti.c_str(), &t);
  if (rc != TSS2_RC_SUCCESS) {
    // The transport itself is missing (no device node, nothing listening): that is "no TPM
    // here", not a transient failure.
    auto err = fail_rc(rc, "opening TCTI '" + tcti + "'");
    if (err.error().code == Code::Unavailable) err.error().code = Code::NotFound;
    return err;
  }
  ESYS_CONTEXT* ctx = nullptr;
  rc = Esys_Initialize(&ctx, t, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Tss2_TctiLdr_Finalize(&t);
    return fail_rc(rc, "Esys_Initialize over '" + tcti + "'");
  }
  return Esys(t, ctx);
}

Esys& Esys::operator=(Esys&& o) noexcept {
  if (this != &o) {
    reset();
    tcti_ = std::exchange(o.tcti_, nullptr);
    ctx_ = std::exchange(o.ctx_, nullptr);
  }
  return *this;
}

Esys::~Esys() { reset(); }

void Esys::reset() noexcept {
  // ESYS does not own the TCTI (esys_context.c): finalize ESYS first, then the TCTI.
  if (ctx_ != nullptr) Esys_Finalize(&ctx_);
  if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
}

TrHandle& TrHandle::operator=(TrHandle&& o) noexcept {
  if (this != &o) {
    reset();
    ctx_ = std::exchange(o.ctx_, nullptr);
    tr_ = std::exchange(o.tr_, ESYS_TR_NONE);
    kind_ = o.kind_;
  }
  return *this;
}

void TrHandle::reset() noexcept {
  if (ctx_ != nullptr && tr_ != ESYS_TR_NONE) {
    // Errors are ignored on purpose: this runs on error paths, and the original error is the
    // one worth reporting.
    if (kind_ == Kind::Transient)
      (void)Esys_FlushContext(ctx_, tr_);
    else
      (void)Esys_TR_Close(ctx_, &tr_);
  }
  ctx_ = nullptr;
  tr_ = ESYS_TR_NONE;
}

Result<bool> handle_exists(Esys& esys, TPM2_HANDLE handle) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  const TSS2_RC rc = Esys_GetCapability(esys.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        TPM2_CAP_HANDLES, handle, 1, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  if (rc != TSS2_RC_SUCCESS)
    return fail_rc(rc, "GetCapability(handles from " + handle_hex(handle) + ")");
  // The TPM lists handles of the same type starting at `handle`: the first one is it or a later
  // one.
  const TPML_HANDLE& list = data->data.handles;
  return list.count > 0 && list.handle[0] == handle;
}

Result<TrHandle> tr_from_tpm_public(Esys& esys, TPM2_HANDLE handle) {
  // Asking the capability first keeps an absent handle (an expected answer when probing) out
  // of tpm2-tss's own error log on stderr.
  auto exists = handle_exists(esys, handle);
  if (!exists) return std::unexpected(std::move(exists.error()));
  if (!*exists) return fail_tpm(Code::NotFound, "handle " + handle_hex(handle) + " does not exist");
  ESYS_TR tr = ESYS_TR_NONE;
  const TSS2_RC rc =
      Esys_TR_FromTPMPublic(esys.get(), handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "handle " + handle_hex(handle));
  return TrHandle(esys.get(), tr, TrHandle::Kind::Reference);
}

Result<std::uint32_t> tpm_property(Esys& esys, TPM2_PT property) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  const TSS2_RC rc = Esys_GetCapability(esys.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        TPM2_CAP_TPM_PROPERTIES, property, 1, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "GetCapability(TPM properties)");
  const auto& props = data->data.tpmProperties;
  if (props.count == 0 || props.tpmProperty[0].property != property)
    return fail_tpm(Code::NotFound, "TPM does not report property " + handle_hex(property));
  return props.tpmProperty[0].value;
}

}  // namespace attest::tpm
