// What the daemon runs with: the config file (/etc/attest-agent/config.toml or --config /
// ATTEST_CONFIG) overlaid with the command-line flags, validated in one place so that
// --check-config, start-up and SIGHUP reload agree on what is valid.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/coco_kbc_params.h"
#include "agent/config/config.h"
#include "agent/daemon/kbs_loop.h"
#include "agent/daemon/listeners.h"
#include "agent/kbs/connection.h"
#include "common/log.h"
#include "providers/provider.h"

namespace attest::daemon {

// The flags, spelled like attest-cli's. Unset: the file's value, then the built-in default.
struct DaemonFlags {
  std::optional<std::string> config;  // else ATTEST_CONFIG, else the default path
  std::optional<std::string> url;
  std::optional<std::string> cert_file;
  bool trust_system_store = false;      // only turns the [kbs] opt-in on, never off
  std::vector<std::string> pin_sha256;  // non-empty: replaces [kbs] pin_sha256
  std::optional<std::string> tee;
  std::optional<std::string> tcti;  // else ATTEST_TCTI, else [evidence] tcti
  std::optional<std::string> socket;
  std::vector<std::string> secrets;  // "kbs:///repo/type/tag=PATH", added to [[secrets]]
  std::optional<std::string> log_level;
  bool check_config = false;
};

struct DaemonSettings {
  config::AgentConfig config;  // the file, with the flags applied to [agent]
  kbs::KbsConnection kbs;
  std::string tee = "auto";
  ProviderConfig providers;
  log::Level log_level = log::Level::Info;
  std::vector<SecretDelivery> secrets;
  ListenOptions listen;
  RefreshPolicyOptions refresh;
  config::KbsUrlOrigin kbs_url_origin = config::KbsUrlOrigin::Configured;
};

// Reads the config file and applies the flags and environment. With no KBS URL in either, takes
// CoCo's AA_KBC_PARAMS / agent.aa_kbc_params from `coco` (the kernel command line read through
// `os`). Every error is InvalidArgument (or the loader's PermissionDenied for an unsafe file)
// naming the flag, key or entry.
[[nodiscard]] Result<DaemonSettings> resolve_settings(const DaemonFlags& flags,
                                                      const config::CocoSources& coco, Os& os);

// "kbs:///repo/type/tag=PATH" (split at the last '='); a relative PATH is placed under
// secrets_dir and may not climb out of it with "..".
[[nodiscard]] Result<SecretDelivery> parse_secret_flag(std::string_view text,
                                                       const std::filesystem::path& secrets_dir);

// "https://user:pass@kbs:8080/x" -> "https://kbs:8080/x": what /v1/info and logs may show.
std::string url_without_credentials(std::string_view url);

}  // namespace attest::daemon
