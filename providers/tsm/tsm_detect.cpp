#include "providers/tsm/tsm_detect.h"

#include "providers/tsm/tsm_report.h"

namespace attest {
namespace {

thread_local TsmProbeScope* current_scope = nullptr;

}  // namespace

TsmProbeScope::TsmProbeScope() : outer_(current_scope) { current_scope = this; }

TsmProbeScope::~TsmProbeScope() { current_scope = outer_; }

Result<std::optional<std::string>> tsm_detected_provider(Os& os, const ProviderConfig& cfg) {
  TsmProbeScope* scope = current_scope;
  if (scope == nullptr) return tsm_probe_provider(os, cfg);
  if (scope->answer_ && scope->os_ == &os && scope->dir_ == cfg.tsm_report_dir)
    return *scope->answer_;
  scope->os_ = &os;
  scope->dir_ = cfg.tsm_report_dir;
  scope->answer_ = tsm_probe_provider(os, cfg);
  return *scope->answer_;
}

Result<bool> tsm_provider_is(Os& os, const ProviderConfig& cfg, std::string_view provider) {
  auto found = tsm_detected_provider(os, cfg);
  if (!found) return std::unexpected(std::move(found.error()).with_context("configfs-tsm probe"));
  return found->has_value() && **found == provider;
}

}  // namespace attest
