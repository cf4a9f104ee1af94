// configfs-tsm probing for detection, done at most once per detection pass.
//
// Finding out which provider serves configfs-tsm needs a mkdir/rmdir of a probe entry, and
// three registry entries (tdx, snp, cca) ask the same question. detect_tee() opens a
// TsmProbeScope for its pass; inside it the first answer (or error) is reused. Outside any
// scope every call probes afresh, so nothing stale survives between passes (a provider module
// may be loaded later, and tests build a new FakeOs each time).
#pragma once

#include <optional>
#include <string>

#include "providers/provider.h"

namespace attest {

class TsmProbeScope {
 public:
  TsmProbeScope();
  ~TsmProbeScope();
  TsmProbeScope(const TsmProbeScope&) = delete;
  TsmProbeScope& operator=(const TsmProbeScope&) = delete;

 private:
  friend Result<std::optional<std::string>> tsm_detected_provider(Os&, const ProviderConfig&);
  TsmProbeScope* outer_;
  const Os* os_ = nullptr;
  std::filesystem::path dir_;
  std::optional<Result<std::optional<std::string>>> answer_;
};

// tsm_probe_provider(), cached in the innermost TsmProbeScope of this thread (if any) for the
// same Os and report directory.
[[nodiscard]] Result<std::optional<std::string>> tsm_detected_provider(Os& os,
                                                                       const ProviderConfig& cfg);

// True if configfs-tsm is served by `provider` (e.g. "tdx_guest").
[[nodiscard]] Result<bool> tsm_provider_is(Os& os, const ProviderConfig& cfg,
                                           std::string_view provider);

}  // namespace attest
