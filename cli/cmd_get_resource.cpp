// attest-cli get-resource: attest to a Trustee KBS and fetch one secret (kbs:///repo/type/tag),
// or fetch it with a token obtained earlier (passport mode).
#include <openssl/crypto.h>

#include <ostream>

#include "agent/crypto/tee_key.h"
#include "agent/kbs/resource_uri.h"
#include "cli/commands.h"
#include "cli/deadline.h"
#include "cli/kbs_options.h"
#include "cli/secret_output.h"

namespace attest::cli {
namespace {

struct GetResourceOptions {
  KbsOptions kbs;
  TeeOptions tee;
  std::string uri;
  std::string path;  // trustee-attester's --path: repo/type/tag, /repo/type/tag or kbs://...
  SecretOutputOptions out;
  std::string token;  // refused: kept only to explain why
  std::string token_file;
  std::string token_key;
};

// Reads the passport-mode token into locked memory; '-' is standard input.
Result<SecureBuffer> read_token(const GetResourceOptions& o, Context& ctx) {
  const std::string path = o.token_file == "-" ? "/dev/stdin" : o.token_file;
  auto text = read_option_file(ctx, "--token-file", path, 1u << 20);
  if (!text) return std::unexpected(std::move(text.error()));
  std::size_t n = text->size();
  while (n > 0 && ((*text)[n - 1] == '\n' || (*text)[n - 1] == '\r')) --n;
  auto token = SecureBuffer::copy_of(ByteView(*text).first(n));
  OPENSSL_cleanse(text->data(), text->size());
  if (!token) return std::unexpected(std::move(token.error()));
  if (token->empty())
    return fail(Code::InvalidArgument, "--token-file " + o.token_file + " is empty");
  return token;
}

Result<SecureBuffer> fetch_with_token(const GetResourceOptions& o, const kbs::ResourceUri& uri,
                                      http::HttpClient& http, const std::string& base,
                                      Context& ctx) {
  auto token = read_token(o, ctx);
  if (!token) return std::unexpected(std::move(token.error()));
  auto pem = read_option_file(ctx, "--token-key", o.token_key, 64u << 10);
  if (!pem) return std::unexpected(std::move(pem.error()));
  auto key = crypto::TeeKey::from_pem(to_string(*pem));
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) return std::unexpected(std::move(key.error()).with_context("--token-key"));
  return kbs::get_resource_with_token(http, base, token->bytes(), *key, uri);
}

// Everything the command line alone can get wrong, before any device or KBS traffic.
Result<void> check_options(const GetResourceOptions& o) {
  if (!o.token.empty())
    return fail(Code::InvalidArgument,
                "--token would put the token in the command line, where every user sees it "
                "(ps, /proc/PID/cmdline); use --token-file PATH, or --token-file - for stdin");
  if (o.uri.empty() == o.path.empty())
    return fail(Code::InvalidArgument,
                "give the resource either as kbs:///repo/type/tag or with --path");
  if (!o.token_key.empty() && o.token_file.empty())
    return fail(Code::InvalidArgument, "--token-key needs --token-file");
  return {};
}

Result<void> run_get_resource(const GetResourceOptions& o, Context& ctx) {
  ATTEST_TRY(check_options(o));
  auto mode = secret_output_mode(o.out, ctx);
  if (!mode) return std::unexpected(std::move(mode.error()));
  auto uri = kbs::parse_resource_uri(o.uri.empty() ? o.path : o.uri);
  if (!uri) return std::unexpected(std::move(uri.error()));
  KbsOptions kopts = o.kbs;
  // kbs://host:port/... names the KBS when --url does not (HTTPS, like every other KBS URL).
  if (kopts.url.empty() && !uri->authority.empty()) kopts.url = "https://" + uri->authority;
  const Deadline deadline = command_deadline(kopts, ctx.os.clock());
  auto client_opts = make_kbs_client_options(kopts, ctx);
  if (!client_opts) return std::unexpected(std::move(client_opts.error()));
  auto http = make_http_client(kopts, deadline, ctx.os.clock());
  if (!http) return std::unexpected(std::move(http.error()));

  Result<SecureBuffer> secret = fail(Code::Internal, "no fetch made");
  if (!o.token_key.empty()) {
    secret = fetch_with_token(o, *uri, **http, client_opts->base_url, ctx);
  } else {
    auto provider = open_provider(o.tee, ctx);
    if (!provider) return std::unexpected(std::move(provider.error()));
    DeadlineProvider bounded(std::move(*provider), deadline);
    kbs::KbsClient client(**http, bounded, std::move(*client_opts));
    secret = client.get_resource(*uri);
  }
  if (!secret) return std::unexpected(std::move(secret.error()));
  return write_secret(ctx, o.out, *mode, secret->bytes(), "KBS resource " + uri->path());
}

}  // namespace

Command get_resource_command() {
  return {"get-resource", "Attest to a Trustee KBS and fetch a secret (kbs:///repository/type/tag)",
          [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
            auto o = std::make_shared<GetResourceOptions>();
            sub.add_option("uri", o->uri,
                           "kbs:///repo/type/tag, kbs://host:port/repo/type/tag or repo/type/tag "
                           "(an optional ?query is passed to the KBS)");
            sub.add_option("--path", o->path, "The resource as repo/type/tag (trustee-attester)");
            add_kbs_connection_options(sub, o->kbs, ctx);
            add_kbs_attestation_options(sub, o->kbs);
            add_tee_options(sub, o->tee, ctx);
            add_secret_output_options(sub, o->out);
            // Hidden: only there to explain that a token never belongs in argv.
            sub.add_option("--token", o->token)->group("");
            auto* token_file = sub.add_option("--token-file", o->token_file,
                                              "Passport mode: read the attestation token from PATH "
                                              "('-' = stdin; sent as Authorization: Bearer, no "
                                              "attestation here)");
            auto* token_key = sub.add_option("--token-key", o->token_key,
                                             "Passport mode: the TEE private key (PEM) the token "
                                             "binds ('attest --key-out')");
            token_file->needs(token_key);
            sub.footer(kKbsExitCodesHelp);
            return [o, &ctx] { return run_get_resource(*o, ctx); };
          }};
}

}  // namespace attest::cli
