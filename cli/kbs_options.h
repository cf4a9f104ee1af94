// Options shared by the commands that talk to a Trustee KBS (attest, get-resource), so that
// every command spells, documents and validates them the same way.
#pragma once

#include <memory>
#include <string>

#include "agent/kbs/connection.h"
#include "agent/kbs/http_client.h"
#include "agent/kbs/rcar_client.h"
#include "cli/cli.h"

namespace attest::cli {

// The same connection settings the daemon uses (agent/kbs/connection.h).
using KbsOptions = kbs::KbsConnection;

// --url, --cert-file, --client-cert, --client-key, --insecure-http, --timeout. Their defaults
// come from the configuration's [kbs] section (ctx.config) where it sets them.
void add_kbs_connection_options(CLI::App& sub, KbsOptions& o, const Context& ctx);
// --key-alg, --initdata (only meaningful when this command attests); defaults from [kbs] too.
void add_kbs_attestation_options(CLI::App& sub, KbsOptions& o, const Context& ctx);

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
    "--insecure-http); 3 no TEE / evidence failure, the KBS refused our protocol version, TEE\n"
    "type or key type, or answered 404 (wrong --url path); 4 malformed KBS answer (JSON, token,\n"
    "JWE) or response too large; 5 network: connection refused, TLS failure (\"TLS: certificate\n"
    "verify failed\"), timeout, KBS unavailable (5xx/429 after retries); 6 the KBS refused the\n"
    "evidence or kept rejecting the token; 7 the KBS denied the resource (policy, or resource\n"
    "missing: Trustee answers 401 for both); 1 internal error.";

}  // namespace attest::cli
