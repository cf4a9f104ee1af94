// Options shared by the commands that talk to a Trustee KBS (attest, get-resource), so that
// every command spells, documents and validates them the same way.
#pragma once

#include <memory>
#include <string>

#include "agent/kbs/http_client.h"
#include "agent/kbs/rcar_client.h"
#include "cli/cli.h"

namespace attest::cli {

struct KbsOptions {
  std::string url;
  std::string cert_file;
  std::string client_cert;
  std::string client_key;
  bool insecure_http = false;
  double timeout_seconds = 60;
  std::string key_alg = "ec-p256";
  std::string initdata_file;
};

// --url, --cert-file, --client-cert, --client-key, --insecure-http, --timeout.
void add_kbs_connection_options(CLI::App& sub, KbsOptions& o);
// --key-alg, --initdata (only meaningful when this command attests).
void add_kbs_attestation_options(CLI::App& sub, KbsOptions& o);

// The HTTP client for these options; --timeout bounds the whole command from now on.
[[nodiscard]] Result<std::unique_ptr<kbs::CurlHttpClient>> make_http_client(const KbsOptions& o);
// The KBS client options: base URL, key algorithm, init-data text read from --initdata.
[[nodiscard]] Result<kbs::KbsClientOptions> make_kbs_client_options(const KbsOptions& o,
                                                                    Context& ctx);

// Reads a file named by an option; a missing or unreadable file is a bad option
// (InvalidArgument, exit 2) named after the option: "--initdata x.toml: ...".
[[nodiscard]] Result<Bytes> read_option_file(Context& ctx, std::string_view option,
                                             const std::string& path, std::size_t max_size);

// The footer every KBS command shows: which failure gives which exit code.
inline constexpr const char* kKbsExitCodesHelp =
    "Exit codes: 0 ok; 2 bad option, option file or resource URI (also plain http:// without\n"
    "--insecure-http); 3 no TEE / evidence failure, or the KBS refused our protocol version,\n"
    "TEE type or key type; 4 malformed KBS answer (JSON, token, JWE) or response too large;\n"
    "5 network: connection refused, TLS failure (\"TLS: certificate verify failed\"), timeout,\n"
    "KBS unavailable (5xx/429 after retries); 6 the KBS refused the evidence or kept rejecting\n"
    "the token; 7 the KBS denied the resource (policy, or resource missing: Trustee answers 401\n"
    "for both), or a 404 for the path; 1 internal error.";

}  // namespace attest::cli
