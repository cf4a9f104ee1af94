#include "cli/output_options.h"

#include <ostream>

namespace attest::cli {

CLI::Option* add_output_option(CLI::App& sub, const std::string& names, std::string& path,
                               const std::string& help) {
  return sub.add_option(names, path, help)
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            if (!value.empty()) return {};
            return "an empty path is not a file (is a variable unset?); use '-' for standard "
                   "output";
          },
          "PATH"));
}

Result<unsigned> parse_secret_mode(std::string_view text, std::ostream& warn) {
  const std::string shown(text);
  if (text.empty() || text.size() > 5)
    return fail(Code::InvalidArgument, "--mode: expected octal like 0400, got '" + shown + "'");
  unsigned mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7')
      return fail(Code::InvalidArgument, "--mode: expected octal like 0400, got '" + shown + "'");
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  if (mode > 07777) return fail(Code::InvalidArgument, "--mode: " + shown + " is out of range");
  if ((mode & 07000) != 0)
    return fail(Code::InvalidArgument,
                "--mode " + shown + ": setuid, setgid and sticky bits make no sense on a secret");
  if ((mode & 022) != 0)
    return fail(Code::InvalidArgument, "--mode " + shown +
                                           ": group or others could overwrite the secret; "
                                           "use 0400 or 0600");
  if ((mode & 044) != 0)
    warn << "attest-cli: warning: --mode " << shown << " lets group or others read the secret\n";
  return mode;
}

}  // namespace attest::cli
