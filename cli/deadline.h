// --timeout covers the whole command, evidence collection included. A TPM or a guest device
// that never answers blocks inside tpm2-tss or an ioctl, where no portable cancellation exists,
// so the work runs on its own thread and the command stops waiting for it at the deadline.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "providers/provider.h"

namespace attest::cli {

using Deadline = std::chrono::steady_clock::time_point;

// Runs `work` on a thread of its own and returns its result, or DeadlineExceeded ("<what> did
// not finish within --timeout") once `deadline` passes. A late thread is left running
// detached; everything it uses must be owned by `work` (shared_ptr captures) or outlive the
// process. work_abandoned() then tells main() to end the process without running destructors
// under its feet.
[[nodiscard]] Result<Evidence> evidence_before(Deadline deadline, const std::string& what,
                                               std::function<Result<Evidence>()> work);

// True once some work was left running past its deadline.
bool work_abandoned() noexcept;

// An EvidenceProvider whose get_evidence() gives up at `deadline` (the KBS commands wrap the
// provider in it, so that the handshake's evidence step obeys --timeout).
class DeadlineProvider final : public EvidenceProvider {
 public:
  DeadlineProvider(std::shared_ptr<EvidenceProvider> inner, Deadline deadline)
      : inner_(std::move(inner)), deadline_(deadline) {}
  TeeKind kind() const override { return inner_->kind(); }
  [[nodiscard]] Result<Evidence> get_evidence(ByteView report_data) override;

 private:
  std::shared_ptr<EvidenceProvider> inner_;
  Deadline deadline_;
};

}  // namespace attest::cli
