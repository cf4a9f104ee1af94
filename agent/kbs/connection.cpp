#include "agent/kbs/connection.h"

#include <cmath>

#include "agent/crypto/tee_key.h"

namespace attest::kbs {
namespace {

template <class T, class U>
void set_if(T& target, const std::optional<U>& value) {
  if (value) target = *value;
}

constexpr std::size_t kMaxInitdataBytes = 1u << 20;

}  // namespace

void apply_kbs_section(const config::KbsSection& s, KbsConnection& c) {
  set_if(c.url, s.url);
  set_if(c.cert_file, s.cert_file);
  set_if(c.trust_system_store, s.trust_system_store);
  set_if(c.pin_sha256, s.pin_sha256);
  set_if(c.client_cert, s.client_cert);
  set_if(c.client_key, s.client_key);
  set_if(c.insecure_http, s.insecure_http);
  set_if(c.timeout_seconds, s.timeout_seconds);
  set_if(c.key_alg, s.key_alg);
  set_if(c.initdata_file, s.initdata_file);
}

http::HttpOptions http_options(const KbsConnection& c) {
  http::HttpOptions h;
  h.ca_file = c.cert_file;
  h.trust_system_store = c.trust_system_store;
  h.pinned_sha256 = c.pin_sha256;
  h.client_cert_file = c.client_cert;
  h.client_key_file = c.client_key;
  h.allow_insecure_http = c.insecure_http;
  const auto total = std::chrono::milliseconds(std::llround(c.timeout_seconds * 1000.0));
  h.overall_timeout = total;
  h.request_timeout = std::min(h.request_timeout, total);
  h.connect_timeout = std::min(h.connect_timeout, total);
  return h;
}

Result<Bytes> read_option_file(Os& os, std::string_view option, const std::string& path,
                               std::size_t max_size) {
  auto bytes = read_file(os, path, max_size);
  if (!bytes) {
    Error e = std::move(bytes.error()).with_context(std::string(option));
    if (e.code == Code::NotFound || e.code == Code::PermissionDenied)
      e.code = Code::InvalidArgument;
    return std::unexpected(std::move(e));
  }
  return bytes;
}

Result<KbsClientOptions> client_options(const KbsConnection& c, Os& os) {
  if (c.url.empty())
    return fail(Code::InvalidArgument,
                "--url is required (the KBS base URL; or [kbs] url in the config file)");
  ATTEST_TRY(http::check_url_scheme(c.url, c.insecure_http));
  KbsClientOptions k;
  k.base_url = c.url;
  auto alg = crypto::parse_key_alg(c.key_alg);
  if (!alg) return std::unexpected(std::move(alg.error()).with_context("--key-alg"));
  k.key_alg = *alg;
  if (!c.initdata_text.empty()) {
    k.initdata_toml = c.initdata_text;
  } else if (!c.initdata_file.empty()) {
    auto text = read_option_file(os, "--initdata", c.initdata_file, kMaxInitdataBytes);
    if (!text) return std::unexpected(std::move(text.error()));
    k.initdata_toml = std::string(text->begin(), text->end());
  }
  return k;
}

}  // namespace attest::kbs
