// attest-cli entry point: build the real OS, run, turn the result into an exit code.
#include <iostream>

#include "cli/cli.h"
#include "providers/os/posix_os.h"

int main(int argc, char** argv) {
  attest::PosixOs os;
  attest::cli::Context ctx{os, std::cout, std::cerr, {}};
  return attest::cli::run(std::vector<std::string>(argv, argv + argc), ctx);
}
