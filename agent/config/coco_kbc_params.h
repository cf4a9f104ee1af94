// Confidential Containers compatibility: images built for CoCo name their KBS as
// `agent.aa_kbc_params=cc_kbc::<url>` on the kernel command line or in the AA_KBC_PARAMS
// environment variable. When neither a flag nor the config file gives a KBS URL, the agent
// takes it from there, so such images need no new configuration.
//
// Syntax and precedence follow guest-components, attestation-agent/attestation-agent/src/
// config/aa_kbc_params.rs (read at commits 133977cd803274d519bf18872dc9492fe1d5bc2b and
// 3d2e55c88df3a8b99100d9e37eeec05543b2325e) and config/kbs.rs (3d6189b1d3b5):
//  - the value is "<kbc>::<url>"; only the kbc "cc_kbc" names a KBS URL;
//  - AA_KBC_PARAMS, when set (even to something invalid), wins over the kernel command line;
//  - on the command line, the first whitespace-separated word starting with
//    "agent.aa_kbc_params=" counts; no quoting is understood.
// Two deliberate differences: upstream splits on every "::" and refuses more than one; we split
// at the first, so an IPv6 URL (cc_kbc::http://[::1]:8080) works (a KBC name never holds ':').
// Upstream's third source, the peer-pods file /run/peerpod/daemon.json + the kata-agent config,
// is not read (not needed inside a CVM that runs attest-agent).
//
// Trust: the kernel command line comes from the host. It is measured (TDX RTMR, TPM PCR 8/9 by
// the boot loader), the URL's scheme is still checked by the KBS client (no plain http without
// --insecure-http) and TLS is verified against the configured CAs, so a host that rewrites it
// can deny service but not receive secrets.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/os/os.h"

namespace attest::config {

inline constexpr std::string_view kAaKbcParamsEnv = "AA_KBC_PARAMS";
inline constexpr std::string_view kAaKbcParamsCmdlineKey = "agent.aa_kbc_params=";
inline constexpr const char* kDefaultCmdlinePath = "/proc/cmdline";

struct KbcParams {
  std::string kbc;  // "cc_kbc", "offline_fs_kbc", ...
  std::string url;  // what follows the first "::", as written
};

// Pure: "<kbc>::<url>". InvalidArgument (naming `source`) when there is no "::", the kbc or
// the url is empty, or the value holds whitespace or control characters.
[[nodiscard]] Result<KbcParams> parse_aa_kbc_params(std::string_view value,
                                                    std::string_view source);

// Pure: the value of the first "agent.aa_kbc_params=" word of a kernel command line.
[[nodiscard]] std::optional<std::string_view> find_aa_kbc_params(std::string_view cmdline);

// Where the fallback looks; main() fills it from getenv() and /proc/cmdline, tests inject.
struct CocoSources {
  std::optional<std::string> aa_kbc_params_env;  // AA_KBC_PARAMS, nullopt when unset
  std::filesystem::path cmdline_path = kDefaultCmdlinePath;
};

enum class KbsUrlOrigin { Configured, AaKbcParamsEnv, KernelCmdline, None };
std::string_view origin_name(KbsUrlOrigin origin) noexcept;

struct ResolvedKbsUrl {
  std::optional<std::string> url;  // nullopt: no KBS URL anywhere (origin None)
  KbsUrlOrigin origin = KbsUrlOrigin::None;
};

// `configured` (flag, then config file) wins untouched. Otherwise AA_KBC_PARAMS, then the
// kernel command line (read through `os`; a missing file counts as an empty command line).
// A value naming another KBC than cc_kbc is InvalidArgument rather than "no URL": the image
// asked for something this agent cannot do, and saying so beats a vague "no KBS URL".
[[nodiscard]] Result<ResolvedKbsUrl> resolve_kbs_url(const std::optional<std::string>& configured,
                                                     const CocoSources& sources, Os& os);

}  // namespace attest::config
