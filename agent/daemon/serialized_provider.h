// One evidence request at a time: the daemon calls its provider from the API threads (GET
// /v1/evidence) and from the KBS client (handshakes). Devices are stateful (the TPM has three
// transient object slots and one ESYS context; configfs-tsm entries race on `generation`), so
// the daemon wraps its provider in this decorator instead of trusting each one to lock.
#pragma once

#include <mutex>

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

 private:
  EvidenceProvider& inner_;
  std::mutex mu_;
};

}  // namespace attest::daemon
