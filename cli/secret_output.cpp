#include "cli/secret_output.h"

#include <openssl/crypto.h>

namespace attest::cli {

void add_secret_output_options(CLI::App& sub, SecretOutputOptions& o) {
  sub.add_option("-o,--output", o.output,
                 "Write the secret to PATH atomically (never a partial file) instead "
                 "of stdout");
  sub.add_option("--mode", o.mode, "File mode (octal) of --output")->capture_default_str();
  sub.add_flag("--base64", o.base64, "Print the secret base64-encoded, with a newline");
}

Result<unsigned> parse_mode(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return fail(Code::InvalidArgument,
                "--mode: expected octal like 0400, got '" + std::string(text) + "'");
  unsigned mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7')
      return fail(Code::InvalidArgument,
                  "--mode: expected octal like 0400, got '" + std::string(text) + "'");
    mode = mode * 8 + static_cast<unsigned>(c - '0');
  }
  if (mode > 07777)
    return fail(Code::InvalidArgument, "--mode: " + std::string(text) + " is out of range");
  return mode;
}

Result<void> write_secret(Context& ctx, const SecretOutputOptions& o, ByteView secret) {
  auto mode = parse_mode(o.mode);
  if (!mode) return std::unexpected(std::move(mode.error()));
  if (!o.base64) return write_output(ctx, o.output, secret, *mode);
  std::string text = base64_encode(secret) + "\n";
  auto written = write_output(ctx, o.output, as_bytes(text), *mode);
  OPENSSL_cleanse(text.data(), text.size());
  return written;
}

}  // namespace attest::cli
