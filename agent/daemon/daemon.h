// The attest-agent daemon's composition root: config -> provider -> KbsClient over one
// persistent HTTP client -> secret store -> api::Service -> socket API, plus the KBS loop
// (start-up and refresh), sd_notify, and the signals. main() parses flags and calls run().
#pragma once

#include "agent/daemon/settings.h"

namespace attest::daemon {

inline constexpr const char* kAgentVersion = "0.1.0";

// Exit statuses of attest-agent.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // could not start: socket, TEE, TLS files, ...
inline constexpr int kExitConfig = 2;   // bad flag or configuration

// Runs until SIGTERM/SIGINT (then 0) or a start-up failure. SIGHUP reloads the configuration:
// the new [[access]] rules and log level apply, or, when the new file is invalid, everything
// stays as it was and the reason is logged.
int run(const DaemonFlags& flags);

}  // namespace attest::daemon
