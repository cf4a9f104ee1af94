// /etc/attest-agent/config.toml: settings shared by attest-cli and the daemon.
//
// Precedence (highest first): command-line flag, environment (ATTEST_TCTI), this file, built-in
// default. The file only fills what the user did not say elsewhere, so every field of the [kbs]
// and [evidence] sections is optional: unset means "keep the built-in default", which then
// lives in one place only (ProviderConfig, kbs::KbsConnection).
//
// The file is strict: an unknown section or key, or a value of the wrong type, is an error
// naming the key and its line, so that a typo never silently falls back to a default. It holds
// no secrets, but it decides where secrets come from (KBS URL, CA) and go (secrets_dir): a file
// writable by anyone but its owner, or owned by someone other than root or the caller, is
// refused.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/id_resolver.h"
#include "common/error.h"
#include "common/os/os.h"
#include "providers/provider.h"

namespace attest::config {

inline constexpr const char* kDefaultConfigPath = "/etc/attest-agent/config.toml";
// Larger than any sane config: a guard against reading a device or a huge file by mistake.
inline constexpr std::size_t kMaxConfigBytes = 1u << 20;

struct KbsSection {
  std::optional<std::string> url;
  std::optional<std::string> cert_file;
  std::optional<bool> trust_system_store;  // also trust the system CA store (--trust-system-store)
  std::optional<std::vector<std::string>> pin_sha256;  // public-key pins (--pin-sha256)
  std::optional<std::string> client_cert;
  std::optional<std::string> client_key;
  std::optional<std::string> key_alg;     // ec-p256, ec-p521, rsa-oaep-256
  std::optional<double> timeout_seconds;  // 0.1 .. 3600
  std::optional<bool> insecure_http;
  std::optional<std::string> initdata_file;
};

struct EvidenceSection {
  std::optional<std::string> tee;  // "auto" or a Trustee TEE name
  std::optional<std::string> tcti;
  std::optional<std::uint32_t> ak_handle;
  std::optional<std::filesystem::path> tsm_report_dir;
  std::optional<std::filesystem::path> tpm_eventlog;
  std::optional<std::filesystem::path> ccel_path;
  std::optional<std::uint32_t> snp_vmpl;  // 0..3
  // The agent's runtime-measurement event log (ProviderConfig::aael_path): the daemon appends
  // to it, evidence from the daemon and the CLI carries it. Absolute, naming a file.
  std::optional<std::filesystem::path> aael_path;
};

// For the daemon; no other module holds these defaults.
struct AgentSection {
  std::filesystem::path socket_path = "/run/attest-agent/agent.sock";
  mode_t socket_mode = 0660;  // written as a string, "0660"; no setuid/setgid/sticky bits
  // Group owning the socket; nullopt: "attest" when that group exists, else the agent's own,
  // decided by the listener when it binds (daemon::bind_unix). A name given here is resolved
  // at load; the default is not, so that attest-cli, which reads the same file, never pays a
  // group lookup (NSS modules, userdb) for a socket it does not create.
  std::optional<gid_t> socket_group;
  std::filesystem::path secrets_dir = "/run/attest-agent/secrets";
  std::string log_level = "info";  // error, warning, notice, info, debug
  // 0: refresh at 80 % of the token lifetime with +-10 % jitter; else every N seconds
  // (10..86400, never later than that fraction of the lifetime: daemon::RefreshPolicy).
  std::uint32_t refresh_seconds = 0;
  // Optional loopback TCP listener for CoCo api-server-rest clients ("127.0.0.1:8006",
  // "[::1]:8006"); validated with parse_loopback_listen (agent_values.h), kept as written.
  std::optional<std::string> rest_listen;
  // The PCR POST /v1/measurements extends (0..23). Unset: the TEE's default
  // (measure::default_measurement_pcr: 17 = RTMR3 on TDX, 23 on tpm and az-*-vtpm), checked
  // against what the TPM lets locality 0 extend at start.
  std::optional<unsigned> measurement_pcr;
  // systemd LoadCredential= socket (issue: credentials).
  std::filesystem::path credential_socket = "/run/attest-agent/credentials.sock";
};

// [[access]]: who may ask for what over the socket. No rule: root only.
struct AccessRule {
  std::vector<uid_t> uids;             // names resolved at load
  std::vector<gid_t> gids;             // names resolved at load
  bool loopback = false;               // callers on the loopback TCP listener (no uid)
  std::vector<std::string> resources;  // globs over "repo/type/tag" (glob.h)
  bool token = false;
  bool evidence = false;
  bool measurements = false;
};

// [[secrets]]: resources fetched at start and delivered as files.
struct SecretEntry {
  std::string resource;  // "kbs:///repo/type/tag" as written
  // Absolute and normalized: relative ones are resolved under secrets_dir; paths outside it and
  // ".." are refused (agent_sections.cpp says why). Unique across entries.
  std::filesystem::path path;
  mode_t mode = 0400;          // no group/other write, no setuid/setgid/sticky
  std::optional<uid_t> owner;  // names resolved at load
  std::optional<gid_t> group;
};

// [[credentials]]: systemd LoadCredential= requests mapped to resources.
struct CredentialEntry {
  std::string unit;      // glob over the requesting unit's name (glob.h)
  std::string id;        // the credential ID (systemd's rules: credential_id_valid)
  std::string resource;  // "kbs:///repo/type/tag"; (unit, id) pairs are unique
};

struct AgentConfig {
  KbsSection kbs;
  EvidenceSection evidence;
  AgentSection agent;
  std::vector<AccessRule> access;
  std::vector<SecretEntry> secrets;
  std::vector<CredentialEntry> credentials;
};

// Parses TOML text. `source` names it in messages ("<source>:<line>: ..."). Syntax errors,
// unknown sections/keys, wrong types and out-of-range values are InvalidArgument.
// User and group names resolve through `ids` (the overload without it uses the system's).
[[nodiscard]] Result<AgentConfig> parse_config(std::string_view text, std::string_view source);
[[nodiscard]] Result<AgentConfig> parse_config(std::string_view text, std::string_view source,
                                               const IdResolver& ids);

// Whether the path was the built-in default or given by the user (--config, ATTEST_CONFIG).
enum class ConfigOrigin { Default, Explicit };

// Reads and parses the file. A missing file is all defaults at the Default path; missing
// at an Explicit one it is InvalidArgument (a bad option). Unsafe ownership or mode is
// PermissionDenied (see check_config_file_mode).
[[nodiscard]] Result<AgentConfig> load_config(Os& os, const std::filesystem::path& path,
                                              ConfigOrigin origin);
[[nodiscard]] Result<AgentConfig> load_config(Os& os, const std::filesystem::path& path,
                                              ConfigOrigin origin, const IdResolver& ids);

// The ownership/mode rule, as a pure function: group- or world-writable is refused, and so is a
// file owned by neither root nor `caller` (who could otherwise edit it under our feet).
[[nodiscard]] Result<void> check_config_file_mode(const std::filesystem::path& path, mode_t mode,
                                                  uid_t owner, uid_t caller);

// Copies the [evidence] settings that are set into `cfg` (tee is for the caller: it is not a
// ProviderConfig field).
void apply_evidence(const EvidenceSection& e, ProviderConfig& cfg);

}  // namespace attest::config
