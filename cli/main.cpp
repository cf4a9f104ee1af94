// attest-cli entry point: build the real OS, run, turn the result into an exit code.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <iostream>

#include "agent/azure/imds_client.h"
#include "cli/cli.h"
#include "cli/deadline.h"
#include "common/os/posix_os.h"

int main(int argc, char** argv) {
  // attest-cli holds released secrets, TEE private keys and tokens in memory: no core dump may
  // carry them (SecureBuffer also marks its pages MADV_DONTDUMP; OpenSSL's key copies are not).
  // PR_SET_DUMPABLE 0 also keeps other non-root processes from ptrace-attaching.
  const rlimit no_core{0, 0};
  (void)setrlimit(RLIMIT_CORE, &no_core);
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  attest::SystemClock clock;
  attest::PosixOs os(clock);
  attest::cli::Context ctx{os, std::cout, std::cerr, {}};
  ctx.out_fd = STDOUT_FILENO;
  ctx.default_config = attest::config::kDefaultConfigPath;
  // The Azure vTPM providers fetch the VCEK / TD quote through it; creating it sends nothing.
  // Should it fail, those providers report the IMDS as unavailable when they need it.
  if (auto imds = attest::azure::make_imds_client(clock); imds) ctx.providers.azure_imds = *imds;
  const int code = attest::cli::run(std::vector<std::string>(argv, argv + argc), ctx);
  if (attest::cli::work_abandoned()) {
    // A device call is still blocked on another thread (--timeout expired): leave without
    // running static destructors that thread might still need.
    std::cout.flush();
    std::cerr.flush();
    _exit(code);
  }
  return code;
}
