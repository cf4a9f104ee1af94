// A KBS connection as a user states it (flags, or the config file's [kbs] section), and the
// HTTP and KBS client options built from it. attest-cli (cli/kbs_options.h) and the attest-agent
// daemon both hold exactly this type and build their clients here, so that both default, map
// and validate every option the same way (trust anchors and pins included).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.h"
#include "agent/http/http_client.h"
#include "agent/kbs/rcar_client.h"
#include "common/error.h"
#include "common/os/os.h"

namespace attest::kbs {

struct KbsConnection {
  std::string url;
  // The ONLY trusted roots for the KBS's TLS certificate (curl --cacert); empty: the system
  // store. trust_system_store adds the system store to cert_file.
  std::string cert_file;
  bool trust_system_store = false;
  // Base64 SHA-256 of the KBS's DER SubjectPublicKeyInfo ("sha256//" prefix allowed), each an
  // accepted key (curl --pinnedpubkey); empty: no pinning.
  std::vector<std::string> pin_sha256;
  std::string client_cert;
  std::string client_key;
  bool insecure_http = false;
  double timeout_seconds = 60;
  std::string key_alg = "ec-p256";
  std::string initdata_file;
  std::string initdata_text;  // the TOML itself (trustee-attester's --initdata); wins over file
};

// Copies what [kbs] sets into `c` (flags given later still win).
void apply_kbs_section(const config::KbsSection& section, KbsConnection& c);

// TLS trust (cert_file, system store opt-in, pins), client certificate, and timeouts bounded by
// timeout_seconds (per request and per send, retries included). No overall deadline: a one-shot
// command adds its own.
[[nodiscard]] http::HttpOptions http_options(const KbsConnection& c);

// Base URL (required, https:// unless insecure_http), key algorithm and the init-data text
// (initdata_text, else initdata_file read through `os`).
[[nodiscard]] Result<KbsClientOptions> client_options(const KbsConnection& c, Os& os);

// Reads a file named by an option or key; a missing or unreadable file is a bad setting
// (InvalidArgument) named after it: "--initdata x.toml: ...".
[[nodiscard]] Result<Bytes> read_option_file(Os& os, std::string_view option,
                                             const std::string& path, std::size_t max_size);

}  // namespace attest::kbs
