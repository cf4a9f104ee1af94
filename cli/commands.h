// One factory per subcommand; cli/commands.cpp lists them in --help order.
#pragma once

#include "cli/cli.h"

namespace attest::cli {

Command get_report_command();
Command get_evidence_command();
Command pcr_command();
Command tpm_command();
Command inspect_command();
Command attest_command();
Command get_resource_command();
Command agent_command();

}  // namespace attest::cli
