// How a command hands a secret to its caller: stdout or a file written atomically (-o, --mode),
// raw or base64 (--base64). get-resource and `agent resource|token` share it, so they spell,
// check and write the same way.
#pragma once

#include <string>

#include "cli/cli.h"
#include "common/bytes.h"

namespace attest::cli {

struct SecretOutputOptions {
  std::string output;
  std::string mode = "0600";
  bool base64 = false;
};

// -o/--output, --mode, --base64.
void add_secret_output_options(CLI::App& sub, SecretOutputOptions& o);

// "0400" -> 0400; anything but 1-5 octal digits up to 07777 is InvalidArgument naming --mode.
[[nodiscard]] Result<unsigned> parse_mode(std::string_view text);

// Writes the secret as the options say; the base64 text is wiped after writing.
[[nodiscard]] Result<void> write_secret(Context& ctx, const SecretOutputOptions& o,
                                        ByteView secret);

}  // namespace attest::cli
