// attest-cli get-resource: attest to a Trustee KBS and fetch one secret (kbs:///repo/type/tag),
// or fetch it with a token obtained earlier (passport mode).
#include <openssl/crypto.h>

#include <ostream>

#include "agent/crypto/tee_key.h"
#include "agent/kbs/resource_uri.h"
#include "cli/commands.h"
#include "cli/kbs_options.h"
#include "cli/secret_output.h"

namespace attest::cli {
namespace {

struct GetResourceOptions {
  KbsOptions kbs;
  TeeOptions tee;
  std::string uri;
  std::string path;  // trustee-attester's --path repo/type/tag
  SecretOutputOptions out;
  std::string token;
  std::string token_file;
  std::string token_key;
};

// Wipes a std::string holding a credential when it goes out of scope.
struct Wiped {
  std::string s;
  ~Wiped() { OPENSSL_cleanse(s.data(), s.size()); }
};

Result<SecureBuffer> fetch_with_token(const GetResourceOptions& o, const kbs::ResourceUri& uri,
                                      kbs::HttpClient& http, const std::string& base,
                                      Context& ctx) {
  Wiped token{o.token};
  if (!o.token_file.empty()) {
    auto text = read_option_file(ctx, "--token-file", o.token_file, 1u << 20);
    if (!text) return std::unexpected(std::move(text.error()));
    token.s.assign(text->begin(), text->end());
    OPENSSL_cleanse(text->data(), text->size());
    while (!token.s.empty() && (token.s.back() == '\n' || token.s.back() == '\r'))
      token.s.pop_back();
  }
  auto pem = read_option_file(ctx, "--token-key", o.token_key, 64u << 10);
  if (!pem) return std::unexpected(std::move(pem.error()));
  auto key = crypto::TeeKey::from_pem(to_string(*pem));
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) return std::unexpected(std::move(key.error()).with_context("--token-key"));
  return kbs::get_resource_with_token(http, base, token.s, *key, uri);
}

Result<void> run_get_resource(const GetResourceOptions& o, Context& ctx) {
  if (o.uri.empty() == o.path.empty())
    return fail(Code::InvalidArgument,
                "give the resource either as kbs:///repo/type/tag or with --path");
  if (!o.token_key.empty() && o.token.empty() && o.token_file.empty())
    return fail(Code::InvalidArgument, "--token-key needs --token or --token-file");
  // Checked before any network traffic: a bad --mode is a usage error, not a wasted fetch.
  if (auto mode = parse_mode(o.out.mode); !mode) return std::unexpected(std::move(mode.error()));
  auto uri = kbs::parse_resource_uri(o.uri.empty() ? o.path : o.uri);
  if (!uri) return std::unexpected(std::move(uri.error()));
  KbsOptions kopts = o.kbs;
  // kbs://host:port/... names the KBS when --url does not (HTTPS, like every other KBS URL).
  if (kopts.url.empty() && !uri->authority.empty()) kopts.url = "https://" + uri->authority;
  auto client_opts = make_kbs_client_options(kopts, ctx);
  if (!client_opts) return std::unexpected(std::move(client_opts.error()));
  auto http = make_http_client(kopts);
  if (!http) return std::unexpected(std::move(http.error()));

  Result<SecureBuffer> secret = fail(Code::Internal, "no fetch made");
  if (!o.token_key.empty()) {
    secret = fetch_with_token(o, *uri, **http, client_opts->base_url, ctx);
  } else {
    auto provider = open_provider(o.tee, ctx);
    if (!provider) return std::unexpected(std::move(provider.error()));
    kbs::KbsClient client(**http, **provider, std::move(*client_opts));
    secret = client.get_resource(*uri);
  }
  if (!secret) return std::unexpected(std::move(secret.error()));
  return write_secret(ctx, o.out, secret->bytes());
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
            add_kbs_attestation_options(sub, o->kbs, ctx);
            add_tee_options(sub, o->tee, ctx);
            add_secret_output_options(sub, o->out);
            auto* token = sub.add_option("--token", o->token,
                                         "Passport mode: an attestation token from 'attest' "
                                         "(sent as Authorization: Bearer; no attestation here)");
            auto* token_file = sub.add_option("--token-file", o->token_file,
                                              "Passport mode: read the token from PATH");
            auto* token_key = sub.add_option("--token-key", o->token_key,
                                             "Passport mode: the TEE private key (PEM) the token "
                                             "binds ('attest --key-out')");
            token->excludes(token_file);
            token->needs(token_key);
            token_file->needs(token_key);
            sub.footer(kKbsExitCodesHelp);
            return [o, &ctx] { return run_get_resource(*o, ctx); };
          }};
}

}  // namespace attest::cli
