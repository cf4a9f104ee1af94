// Stable, documented exit codes (README "Exit codes"). Scripts depend on these numbers:
// never renumber, only add.
#pragma once

#include "common/error.h"

namespace attest::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,            // a bug or an unexpected library failure
  kExitUsage = 2,               // bad command line or option value
  kExitDevice = 3,              // no TEE found, device/TPM missing, unsupported, firmware error
  kExitBadInput = 4,            // malformed input: truncated report, bad JSON/JWE, hostile response
  kExitNetwork = 5,             // connection, TLS, timeout, server unavailable
  kExitAttestationRefused = 6,  // the KBS refused the evidence (401 on /attest)
  kExitDenied = 7,              // access denied: KBS policy/missing resource, or OS permissions
  kExitOutput = 8,              // the output (-o file, stdout) could not be written
};

int exit_code_for(const Error& e);

}  // namespace attest::cli
