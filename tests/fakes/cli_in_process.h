// attest-cli run in this process (cli::run), with its output captured: for the tests of what
// the command line refuses or prints without starting the binary.
#pragma once

#include <string>
#include <vector>

#include "common/os/os.h"

namespace attest::testing {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

// Runs "attest-cli <args...>" on `os`.
CliRun run_cli_in_process(const std::vector<std::string>& args, Os& os);
// The same on a fresh FakeOs (no device, no file: what fails before any I/O).
CliRun run_cli_in_process(const std::vector<std::string>& args);

}  // namespace attest::testing
