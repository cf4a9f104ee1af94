#include "cli/secret_output.h"

#include <openssl/evp.h>

#include "cli/output_options.h"
#include "common/secure_buffer.h"

namespace attest::cli {
namespace {

// Standard base64 and a newline (trustee-attester's output), encoded straight into locked memory.
Result<SecureBuffer> base64_line(ByteView secret) {
  if (secret.size() > (1u << 30)) return fail(Code::Corrupt, "secret too large to encode");
  const std::size_t encoded = 4 * ((secret.size() + 2) / 3);
  auto out = SecureBuffer::make(encoded + 1);  // EVP_EncodeBlock's closing NUL: the newline
  if (!out) return std::unexpected(std::move(out.error()));
  EVP_EncodeBlock(out->bytes().data(), secret.data(), static_cast<int>(secret.size()));
  out->bytes()[encoded] = '\n';
  return out;
}

}  // namespace

void add_secret_output_options(CLI::App& sub, SecretOutputOptions& o) {
  add_output_option(sub, "-o,--output", o.output,
                    "Write the secret to PATH atomically (never a partial file) instead of stdout "
                    "('-')");
  sub.add_option("--mode", o.mode,
                 "File mode (octal) of --output: no write bit for group/others, no "
                 "setuid/setgid/sticky; group/other read is warned about")
      ->capture_default_str();
  sub.add_flag("--base64", o.base64, "Print the secret base64-encoded, with a newline");
  sub.add_flag("--allow-empty", o.allow_empty,
               "Accept an empty secret (otherwise an error, exit 4)");
}

Result<unsigned> secret_output_mode(const SecretOutputOptions& o, Context& ctx) {
  return parse_secret_mode(o.mode, ctx.err);
}

Result<void> write_secret(Context& ctx, const SecretOutputOptions& o, unsigned mode,
                          ByteView secret, std::string_view what) {
  // An empty secret is almost always a mistake at the KBS (an unset resource file); written as
  // an empty key file it would fail much later, far from the cause.
  if (secret.empty() && !o.allow_empty)
    return fail(Code::Corrupt,
                std::string(what) + " is empty; pass --allow-empty if that is what you expect");
  if (!o.base64) return write_output(ctx, o.output, secret, mode);
  auto text = base64_line(secret);
  if (!text) return std::unexpected(std::move(text.error()));
  return write_output(ctx, o.output, text->bytes(), mode);
}

}  // namespace attest::cli
