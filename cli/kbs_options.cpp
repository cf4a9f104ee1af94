#include "cli/kbs_options.h"

#include <cmath>

#include "agent/kbs/connection_flags.h"

namespace attest::cli {

void add_kbs_connection_options(CLI::App& sub, KbsOptions& o, const Context& ctx) {
  kbs::apply_kbs_section(ctx.config.kbs, o);
  kbs::add_kbs_trust_flags(sub, o.url, o.cert_file, o.trust_system_store, o.pin_sha256);
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

void add_kbs_attestation_options(CLI::App& sub, KbsOptions& o) {
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
  return kbs::read_option_file(ctx.os, option, path, max_size);
}

Deadline command_deadline(const KbsOptions& o, Clock& clock) {
  return clock.now() + std::chrono::milliseconds(std::llround(o.timeout_seconds * 1000.0));
}

Result<std::unique_ptr<http::CurlHttpClient>> make_http_client(const KbsOptions& o,
                                                               Deadline deadline, Clock& clock) {
  http::HttpOptions h = kbs::http_options(o);
  h.deadline = deadline;
  return http::CurlHttpClient::create(std::move(h), clock);
}

Result<kbs::KbsClientOptions> make_kbs_client_options(const KbsOptions& o, Context& ctx) {
  return kbs::client_options(o, ctx.os);
}

}  // namespace attest::cli
