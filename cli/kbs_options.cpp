#include "cli/kbs_options.h"

#include <cmath>

#include "agent/crypto/tee_key.h"

namespace attest::cli {
namespace {

template <class T, class U>
void set_if(T& target, const std::optional<U>& value) {
  if (value) target = *value;
}

}  // namespace

void add_kbs_connection_options(CLI::App& sub, KbsOptions& o, const Context& ctx) {
  const config::KbsSection& c = ctx.config.kbs;
  set_if(o.url, c.url);
  set_if(o.cert_file, c.cert_file);
  set_if(o.client_cert, c.client_cert);
  set_if(o.client_key, c.client_key);
  set_if(o.insecure_http, c.insecure_http);
  set_if(o.timeout_seconds, c.timeout_seconds);
  sub.add_option("--url", o.url, "KBS base URL, e.g. https://kbs.example:8080; config [kbs] url");
  sub.add_option("--cert-file", o.cert_file,
                 "Trusted root CA(s) (PEM) for the KBS's TLS certificate: the ONLY roots trusted, "
                 "as with curl --cacert (config [kbs] cert_file); without it, the system store");
  sub.add_flag("--trust-system-store", o.trust_system_store,
               "Trust the system CA store as well as --cert-file");
  sub.add_option("--pin-sha256", o.pin_sha256,
                 "Also require the KBS certificate's public key to match: base64 SHA-256 of its "
                 "DER SubjectPublicKeyInfo (curl --pinnedpubkey sha256//...); repeatable")
      ->expected(1)  // one pin per flag: a pin never swallows the resource URI after it
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* cert = sub.add_option("--client-cert", o.client_cert, "Client certificate (PEM) for mTLS");
  auto* key = sub.add_option("--client-key", o.client_key, "Client private key (PEM) for mTLS");
  cert->needs(key);
  key->needs(cert);
  sub.add_flag("--insecure-http", o.insecure_http,
               "Allow a plain http:// KBS URL (testing only: the session cookie is sent in clear)");
  sub.add_option("--timeout", o.timeout_seconds, "Seconds for the whole command, retries included")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
}

void add_kbs_attestation_options(CLI::App& sub, KbsOptions& o, const Context& ctx) {
  set_if(o.key_alg, ctx.config.kbs.key_alg);
  set_if(o.initdata_file, ctx.config.kbs.initdata_file);
  sub.add_option("--key-alg", o.key_alg, "TEE key algorithm the KBS encrypts resources to")
      ->check(CLI::IsMember({"ec-p256", "ec-p521", "rsa-oaep-256"}))
      ->capture_default_str();
  auto* file = sub.add_option("--initdata", o.initdata_file,
                              "Init-data TOML file sent with the evidence (its digest must match "
                              "the one bound at launch)");
  auto* text = sub.add_option("--initdata-text", o.initdata_text,
                              "The init-data TOML itself instead of a file (what "
                              "trustee-attester's --initdata takes)");
  file->excludes(text);
}

Result<Bytes> read_option_file(Context& ctx, std::string_view option, const std::string& path,
                               std::size_t max_size) {
  auto bytes = read_file(ctx.os, path, max_size);
  if (!bytes) {
    Error e = std::move(bytes.error()).with_context(std::string(option));
    if (e.code == Code::NotFound || e.code == Code::PermissionDenied)
      e.code = Code::InvalidArgument;
    return std::unexpected(std::move(e));
  }
  return bytes;
}

Deadline command_deadline(const KbsOptions& o, Clock& clock) {
  return clock.now() + std::chrono::milliseconds(std::llround(o.timeout_seconds * 1000.0));
}

Result<std::unique_ptr<http::CurlHttpClient>> make_http_client(const KbsOptions& o,
                                                               Deadline deadline, Clock& clock) {
  http::HttpOptions h;
  h.ca_file = o.cert_file;
  h.trust_system_store = o.trust_system_store;
  h.pinned_sha256 = o.pin_sha256;
  h.client_cert_file = o.client_cert;
  h.client_key_file = o.client_key;
  h.allow_insecure_http = o.insecure_http;
  const auto total = std::chrono::milliseconds(std::llround(o.timeout_seconds * 1000.0));
  h.overall_timeout = total;
  h.request_timeout = std::min(h.request_timeout, total);
  h.connect_timeout = std::min(h.connect_timeout, total);
  h.deadline = deadline;
  return http::CurlHttpClient::create(std::move(h), clock);
}

Result<kbs::KbsClientOptions> make_kbs_client_options(const KbsOptions& o, Context& ctx) {
  if (o.url.empty())
    return fail(Code::InvalidArgument,
                "--url is required (the KBS base URL; or [kbs] url in the config file)");
  ATTEST_TRY(http::check_url_scheme(o.url, o.insecure_http));
  kbs::KbsClientOptions k;
  k.base_url = o.url;
  auto alg = crypto::parse_key_alg(o.key_alg);
  if (!alg) return std::unexpected(std::move(alg.error()).with_context("--key-alg"));
  k.key_alg = *alg;
  if (!o.initdata_text.empty()) {
    k.initdata_toml = o.initdata_text;
  } else if (!o.initdata_file.empty()) {
    auto text = read_option_file(ctx, "--initdata", o.initdata_file, 1u << 20);
    if (!text) return std::unexpected(std::move(text.error()));
    k.initdata_toml = std::string(text->begin(), text->end());
  }
  return k;
}

}  // namespace attest::cli
