// Options shared by the commands that talk to a Trustee KBS (attest, get-resource), so that
// every command spells, documents and validates them the same way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/http/http_client.h"
#include "agent/kbs/connection.h"
#include "agent/kbs/rcar_client.h"
#include "cli/cli.h"
#include "cli/deadline.h"

namespace attest::cli {

// The one KBS option set, shared with the attest-agent daemon (defaults, [kbs] keys, HTTP and
// client option mapping and their checks live in agent/kbs/connection.*).
using KbsOptions = kbs::KbsConnection;

// --url, --cert-file, --trust-system-store, --pin-sha256, --client-cert, --client-key,
// --insecure-http, --timeout. Every default of KbsOptions (these and the attestation options')
// comes from the configuration's [kbs] section (ctx.config) where it sets them.
void add_kbs_connection_options(CLI::App& sub, KbsOptions& o, const Context& ctx);
// --key-alg, --initdata FILE, --initdata-text TOML (only meaningful when this command attests).
// Call after add_kbs_connection_options.
void add_kbs_attestation_options(CLI::App& sub, KbsOptions& o);

// When --timeout, counted from now, ends: the deadline of the whole command (evidence
// collection included, see cli/deadline.h).
Deadline command_deadline(const KbsOptions& o, Clock& clock);
// The HTTP client for these options; every request ends by `deadline`.
[[nodiscard]] Result<std::unique_ptr<http::CurlHttpClient>> make_http_client(const KbsOptions& o,
                                                                             Deadline deadline,
                                                                             Clock& clock);
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
    "--insecure-http, an empty -o, an unsafe --mode); 3 no TEE / evidence failure, the KBS refused "
    "our protocol version, TEE\n"
    "type or key type, or answered 404 (wrong --url path); 4 malformed KBS answer (JSON, token,\n"
    "JWE) or response too large; 5 network: connection refused, TLS failure (\"TLS: certificate\n"
    "verify failed\"), timeout, KBS unavailable (5xx/429 after retries); 6 the KBS refused the\n"
    "evidence or kept rejecting the token; 7 the KBS denied the resource (policy, or resource\n"
    "missing: Trustee answers 401 for both); 8 the secret could not be written to the output\n"
    "(-o file or standard output; nothing is left behind); 1 internal error or out of memory.";

}  // namespace attest::cli
