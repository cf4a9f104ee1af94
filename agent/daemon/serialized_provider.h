// One evidence request at a time: the daemon calls its provider from the API threads (GET
// /v1/evidence) and from the KBS client (handshakes). Devices are stateful (the TPM has three
// transient object slots and one ESYS context; configfs-tsm entries race on `generation`), so
// the daemon wraps its provider in this decorator instead of trusting each one to lock.
#pragma once

#include <mutex>
#include <utility>

#include "providers/provider.h"

namespace attest::daemon {

class SerializedProvider final : public EvidenceProvider {
 public:
  explicit SerializedProvider(EvidenceProvider& inner) : inner_(inner) {}
  TeeKind kind() const override { return inner_.kind(); }
  [[nodiscard]] Result<Evidence> get_evidence(ByteView report_data) override {
    std::lock_guard lock(mu_);
    return inner_.get_evidence(report_data);
  }
  [[nodiscard]] Result<void> extend(unsigned index, ByteView digest) override {
    std::lock_guard lock(mu_);
    return inner_.extend(index, digest);
  }
  [[nodiscard]] Result<RuntimeRegister> runtime_register(unsigned pcr) const override {
    return inner_.runtime_register(pcr);  // a pure mapping: no device access, no lock
  }
  [[nodiscard]] Result<Bytes> read_register(unsigned pcr) override {
    std::lock_guard lock(mu_);
    return inner_.read_register(pcr);
  }
  [[nodiscard]] Result<Bytes> initdata_slot() override {
    std::lock_guard lock(mu_);
    return inner_.initdata_slot();
  }

  // Runs `f(inner)` with no evidence taken meanwhile. A runtime measurement extends the register
  // and then appends to the event log: evidence read between the two would carry a register
  // its log does not explain, which a verifier's replay refuses.
  template <typename F>
  auto exclusive(F&& f) {
    std::lock_guard lock(mu_);
    return std::forward<F>(f)(inner_);
  }

 private:
  EvidenceProvider& inner_;
  std::mutex mu_;
};

}  // namespace attest::daemon
