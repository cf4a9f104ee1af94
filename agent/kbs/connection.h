// A KBS connection as a user states it (flags, or the config file's [kbs] section), and the
// HTTP and KBS client options built from it. attest-cli and the attest-agent daemon both build
// their clients here, so that both validate and default the same way.
#pragma once

#include <optional>
#include <string>

#include "agent/config/config.h"
#include "agent/http/http_client.h"
#include "agent/kbs/rcar_client.h"
#include "common/error.h"

namespace attest::kbs {

struct KbsConnection {
  std::string url;
  std::string cert_file;
  std::string client_cert;
  std::string client_key;
  bool insecure_http = false;
  double timeout_seconds = 60;
  std::string key_alg = "ec-p256";
  std::string initdata_file;
};

// Copies what [kbs] sets into `c` (flags given later still win).
void apply_kbs_section(const config::KbsSection& section, KbsConnection& c);

// TLS files, plain-http permission, and timeouts bounded by timeout_seconds (per request and
// per send, retries included). No overall deadline: a one-shot command adds its own.
[[nodiscard]] http::HttpOptions http_options(const KbsConnection& c);

// Base URL (required, https:// unless insecure_http) and key algorithm. The caller reads
// initdata_file (through its own Os) into initdata_toml.
[[nodiscard]] Result<KbsClientOptions> client_options(const KbsConnection& c);

}  // namespace attest::kbs
