// Options of the commands that write to a file: -o PATH and --mode, checked while parsing, so
// that a bad one fails before any device or KBS traffic.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "common/error.h"

namespace attest::cli {

// Adds `names` (e.g. "-o,--output") writing to `path`. An empty value is a usage error: in a
// boot script `-o "$UNSET"` must not send a disk key to stdout, where systemd logs it. '-' is
// the explicit way to ask for standard output.
CLI::Option* add_output_option(CLI::App& sub, const std::string& names, std::string& path,
                               const std::string& help);

// The --mode of a file that receives a secret: octal, at most 0777 without setuid, setgid or
// sticky (07000), and no write bit for group or others (022). A read bit for group or others
// is allowed with a warning on `warn` ("attest-cli: warning: ...").
[[nodiscard]] Result<unsigned> parse_secret_mode(std::string_view text, std::ostream& warn);

}  // namespace attest::cli
