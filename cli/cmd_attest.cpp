// attest-cli attest: run the RCAR handshake with a KBS and print the attestation token.

#include <ostream>

#include <algorithm>

#include "cli/commands.h"
#include "cli/deadline.h"
#include "cli/kbs_options.h"
#include "cli/output_options.h"

namespace attest::cli {
namespace {

struct AttestOptions {
  KbsOptions kbs;
  TeeOptions tee;
  std::string key_out;
  std::string output;
};

Result<void> run_attest(const AttestOptions& o, Context& ctx) {
  const Deadline deadline = command_deadline(o.kbs, ctx.os.clock());
  auto client_opts = make_kbs_client_options(o.kbs, ctx);
  if (!client_opts) return std::unexpected(std::move(client_opts.error()));
  auto http = make_http_client(o.kbs, deadline, ctx.os.clock());
  if (!http) return std::unexpected(std::move(http.error()));
  auto provider = open_provider(o.tee, ctx);
  if (!provider) return std::unexpected(std::move(provider.error()));
  DeadlineProvider bounded(std::move(*provider), deadline);
  kbs::KbsClient client(**http, bounded, std::move(*client_opts));
  auto creds = client.token();
  if (!creds) return std::unexpected(std::move(creds.error()));
  // The token line goes out from locked memory (no stdio copy of it either, see write_output).
  auto line = SecureBuffer::make(creds->token.size() + 1);
  if (!line) return std::unexpected(std::move(line.error()));
  std::copy(creds->token.bytes().begin(), creds->token.bytes().end(), line->bytes().begin());
  line->bytes().back() = '\n';
  // The key first: a token without its key is useless in passport mode, so write both or fail.
  if (!o.key_out.empty())
    ATTEST_TRY(write_output(ctx, o.key_out, creds->private_key_pem.bytes(), 0600));
  return write_output(ctx, o.output, line->bytes(), 0600);
}

}  // namespace

Command attest_command() {
  return {"attest", "Attest to a Trustee KBS (protocol 0.4.0) and print the attestation token",
          [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
            auto o = std::make_shared<AttestOptions>();
            add_kbs_connection_options(sub, o->kbs, ctx);
            add_kbs_attestation_options(sub, o->kbs);
            add_tee_options(sub, o->tee, ctx);
            add_output_option(sub, "--key-out", o->key_out,
                              "Also write the TEE private key (PEM, mode 0600) that the token "
                              "binds, for passport mode (get-resource --token-key)");
            add_output_option(sub, "-o,--output", o->output,
                              "Write the token to PATH (atomically, mode 0600) instead of stdout "
                              "('-')");
            sub.footer(kKbsExitCodesHelp);
            return [o, &ctx] { return run_attest(*o, ctx); };
          }};
}

}  // namespace attest::cli
