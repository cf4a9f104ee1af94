#include "tests/fakes/cli_in_process.h"

#include <sstream>

#include "cli/cli.h"
#include "tests/fakes/fake_os.h"

namespace attest::testing {

CliRun run_cli_in_process(const std::vector<std::string>& args, Os& os) {
  std::ostringstream out;
  std::ostringstream err;
  cli::Context ctx{os, out, err, {}};
  std::vector<std::string> full{"attest-cli"};
  full.insert(full.end(), args.begin(), args.end());
  const int code = cli::run(full, ctx);
  return {code, out.str(), err.str()};
}

CliRun run_cli_in_process(const std::vector<std::string>& args) {
  FakeOs os;
  return run_cli_in_process(args, os);
}

}  // namespace attest::testing
