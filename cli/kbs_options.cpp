#include "cli/kbs_options.h"

#include <cmath>

#include "agent/crypto/tee_key.h"

namespace attest::cli {

void add_kbs_connection_options(CLI::App& sub, KbsOptions& o, const Context& ctx) {
  // Every [kbs] value becomes a default here, the attestation ones included (only the commands
  // that attest read them).
  kbs::apply_kbs_section(ctx.config.kbs, o);
  sub.add_option("--url", o.url, "KBS base URL, e.g. https://kbs.example:8080; config [kbs] url");
  sub.add_option("--cert-file", o.cert_file,
                 "Extra trusted root CA (PEM) for the KBS's TLS certificate; added to the system "
                 "trust store");
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
  (void)ctx;  // its [kbs] defaults were applied with the connection options
  sub.add_option("--key-alg", o.key_alg, "TEE key algorithm the KBS encrypts resources to")
      ->check(CLI::IsMember({"ec-p256", "ec-p521", "rsa-oaep-256"}))
      ->capture_default_str();
  sub.add_option("--initdata", o.initdata_file,
                 "Init-data TOML file sent with the evidence (its digest must match the one bound "
                 "at launch)");
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

Result<std::unique_ptr<kbs::CurlHttpClient>> make_http_client(const KbsOptions& o) {
  kbs::HttpOptions h = kbs::http_options(o);
  // --timeout bounds the whole command (handshake and fetch), not only each send.
  h.deadline = kbs::system_clock().now() + h.overall_timeout;
  return kbs::CurlHttpClient::create(std::move(h));
}

Result<kbs::KbsClientOptions> make_kbs_client_options(const KbsOptions& o, Context& ctx) {
  auto k = kbs::client_options(o);
  if (!k || o.initdata_file.empty()) return k;
  auto text = read_option_file(ctx, "--initdata", o.initdata_file, 1u << 20);
  if (!text) return std::unexpected(std::move(text.error()));
  k->initdata_toml = std::string(text->begin(), text->end());
  return k;
}

}  // namespace attest::cli
