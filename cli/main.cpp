// attest-cli entry point: build the real OS, run, turn the result into an exit code.
#include <iostream>

#include "agent/azure/imds_client.h"
#include "cli/cli.h"
#include "providers/os/posix_os.h"

int main(int argc, char** argv) {
  attest::PosixOs os;
  attest::cli::Context ctx{os, std::cout, std::cerr, {}};
  ctx.default_config = attest::config::kDefaultConfigPath;
  // The Azure vTPM providers fetch the VCEK / TD quote through it; creating it sends nothing.
  // Should it fail, those providers report the IMDS as unavailable when they need it.
  if (auto imds = attest::azure::make_imds_client(); imds) ctx.providers.azure_imds = *imds;
  return attest::cli::run(std::vector<std::string>(argv, argv + argc), ctx);
}
