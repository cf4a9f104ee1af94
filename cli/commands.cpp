#include "cli/commands.h"

namespace attest::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      get_report_command(), get_evidence_command(), attest_command(), get_resource_command(),
      agent_command(),      inspect_command(),      pcr_command(),    tpm_command(),
  };
  return all;
}

}  // namespace attest::cli
