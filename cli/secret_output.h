// How a command hands a secret to its caller: stdout or a file written atomically (-o, --mode),
// raw or base64 (--base64), an empty secret refused unless --allow-empty. get-resource and
// `agent resource|token` share this one option set, so they spell, check and write the same
// way (and an output failure is exit 8 for both: write_output marks it).
#pragma once

#include <string>
#include <string_view>

#include "cli/cli.h"
#include "common/bytes.h"

namespace attest::cli {

struct SecretOutputOptions {
  std::string output;  // empty: stdout (an empty -o is refused while parsing)
  std::string mode = "0600";
  bool base64 = false;
  bool allow_empty = false;
};

// -o/--output ('-' is stdout, "" a usage error), --mode, --base64, --allow-empty.
void add_secret_output_options(CLI::App& sub, SecretOutputOptions& o);

// The checked --mode (parse_secret_mode: no setuid/setgid/sticky, no group/other write; a
// group/other read bit is warned about on ctx.err). Call before any device or KBS traffic.
[[nodiscard]] Result<unsigned> secret_output_mode(const SecretOutputOptions& o, Context& ctx);

// Writes the secret as the options say, with `mode` from secret_output_mode. An empty secret is
// Corrupt (exit 4) naming `what` ("KBS resource default/key/1") unless allow_empty. The base64
// form lives in locked memory only.
[[nodiscard]] Result<void> write_secret(Context& ctx, const SecretOutputOptions& o, unsigned mode,
                                        ByteView secret, std::string_view what);

}  // namespace attest::cli
