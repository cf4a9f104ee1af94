// Owner types for tpm2-tss ESAPI: the TCTI + ESYS context, ESYS_TR handles that are released on
// every path, and Esys_Free'd output buffers. Every TPM module in providers/tpm/ and
// providers/azure/ goes through these; nothing frees or flushes by hand.
//
// Without a resource manager (raw /dev/tpm0, swtpm) a leaked transient object stays loaded and
// the TPM runs out of its three object slots (TPM_RC_OBJECT_MEMORY, 0x902), so handles flush
// in their destructors.
#pragma once

#include <tss2/tss2_esys.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.h"

namespace attest::tpm {

// The Code a caller should act on for a TSS2_RC (TPM or TSS layer).
Code code_for_rc(TSS2_RC rc) noexcept;
// "tpm/esys: <what>: <Tss2_RC_Decode text> (0x...)".
[[nodiscard]] std::unexpected<Error> fail_rc(TSS2_RC rc, std::string_view what);
// "tpm/esys: <message>" with the given code, for failures that are ours, not the TSS's.
[[nodiscard]] std::unexpected<Error> fail_tpm(Code code, std::string_view message);

struct EsysFree {
  void operator()(void* p) const noexcept { Esys_Free(p); }
};
// A buffer the ESAPI allocated for us ("callee-allocated"), released with Esys_Free.
template <class T>
using EsysPtr = std::unique_ptr<T, EsysFree>;

// The TCTI (loaded by name through tctildr) and the ESYS context on top of it.
class Esys {
 public:
  // `tcti` is a tctildr "name:conf" string, e.g. "device:/dev/tpmrm0" or
  // "swtpm:host=127.0.0.1,port=2321"; an empty string lets tctildr search its default order.
  [[nodiscard]] static Result<Esys> open(const std::string& tcti);

  Esys(Esys&& o) noexcept
      : tcti_(std::exchange(o.tcti_, nullptr)), ctx_(std::exchange(o.ctx_, nullptr)) {}
  Esys& operator=(Esys&& o) noexcept;
  Esys(const Esys&) = delete;
  Esys& operator=(const Esys&) = delete;
  ~Esys();

  ESYS_CONTEXT* get() const { return ctx_; }

 private:
  Esys(TSS2_TCTI_CONTEXT* tcti, ESYS_CONTEXT* ctx) : tcti_(tcti), ctx_(ctx) {}
  void reset() noexcept;
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* ctx_ = nullptr;
};

// An ESYS_TR released when it goes out of scope. Transient objects and sessions are flushed
// from the TPM (Esys_FlushContext). Persistent objects and NV indices are only forgotten by
// ESYS (Esys_TR_Close): flushing them is an error and would not free a slot anyway.
// The Esys context must outlive the handle.
class TrHandle {
 public:
  enum class Kind { Transient, Reference };

  TrHandle() = default;
  TrHandle(ESYS_CONTEXT* ctx, ESYS_TR tr, Kind kind) : ctx_(ctx), tr_(tr), kind_(kind) {}
  TrHandle(TrHandle&& o) noexcept
      : ctx_(std::exchange(o.ctx_, nullptr)),
        tr_(std::exchange(o.tr_, ESYS_TR_NONE)),
        kind_(o.kind_) {}
  TrHandle& operator=(TrHandle&& o) noexcept;
  TrHandle(const TrHandle&) = delete;
  TrHandle& operator=(const TrHandle&) = delete;
  ~TrHandle() { reset(); }

  ESYS_TR get() const { return tr_; }
  // Releases now (flush or close) and forgets the handle.
  void reset() noexcept;
  // Forgets the handle without releasing it: for an ESYS_TR that a TPM command consumed (an
  // Esys_EvictControl that removed a persistent object invalidates its ESYS_TR).
  ESYS_TR release() noexcept {
    ctx_ = nullptr;
    return std::exchange(tr_, ESYS_TR_NONE);
  }

 private:
  ESYS_CONTEXT* ctx_ = nullptr;
  ESYS_TR tr_ = ESYS_TR_NONE;
  Kind kind_ = Kind::Reference;
};

// True if a persistent object or NV index exists (TPM2_CAP_HANDLES).
[[nodiscard]] Result<bool> handle_exists(Esys& esys, TPM2_HANDLE handle);

// An ESYS_TR for an existing persistent object or NV index (TPM2_ReadPublic / NV_ReadPublic
// under the hood). A handle that does not exist is NotFound naming it.
[[nodiscard]] Result<TrHandle> tr_from_tpm_public(Esys& esys, TPM2_HANDLE handle);

// One TPM property from TPM2_CAP_TPM_PROPERTIES (e.g. TPM2_PT_NV_BUFFER_MAX).
[[nodiscard]] Result<std::uint32_t> tpm_property(Esys& esys, TPM2_PT property);

// "0x81010002".
std::string handle_hex(std::uint32_t handle);

}  // namespace attest::tpm
