#include "agent/azure/imds_client.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "common/json_depth.h"
#include "common/ossl.h"

namespace attest::azure {
namespace {

// "http://169.254.169.254:80/x" -> "169.254.169.254:80"
std::string host_of(std::string_view url) {
  if (auto p = url.find("://"); p != std::string_view::npos) url.remove_prefix(p + 3);
  return std::string(url.substr(0, url.find('/')));
}

// The one string member `name` of a JSON object answer; anything else is Corrupt.
Result<std::string> string_member(std::string_view body, std::string_view what, const char* name) {
  ATTEST_TRY(check_json_depth(body, what));
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return fail(Code::Corrupt, std::string(what) + ": not a JSON object");
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return fail(Code::Corrupt, std::string(what) + ": no string member \"" + name + "\"");
  return it->get<std::string>();
}

Result<Bytes> pem_certificate_to_der(std::string_view pem, std::string_view what) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Code::Internal, std::string(what) + ": out of memory");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!cert) return fail(Code::Corrupt, std::string(what) + ": not a PEM certificate");
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert.get(), &der);
  if (n <= 0) return fail(Code::Internal, std::string(what) + ": cannot encode the certificate");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

}  // namespace

Result<Bytes> parse_certification_response(std::string_view body) {
  constexpr std::string_view kWhat = "Azure IMDS certification answer";
  auto pem = string_member(body, kWhat, "vcekCert");
  if (!pem) return std::unexpected(std::move(pem.error()));
  return pem_certificate_to_der(*pem, std::string(kWhat) + ": vcekCert");
}

std::string td_quote_request_body(ByteView td_report) {
  return nlohmann::json{{"report", base64_encode(td_report, Base64::Url, false)}}.dump();
}

Result<Bytes> parse_td_quote_response(std::string_view body) {
  constexpr std::string_view kWhat = "Azure IMDS tdquote answer";
  auto text = string_member(body, kWhat, "quote");
  if (!text) return std::unexpected(std::move(text.error()));
  auto quote = base64_decode(*text, Base64::Url, Padding::Optional);
  if (!quote)
    return fail(Code::Corrupt,
                std::string(kWhat) + ": quote is not base64url (" + quote.error().message + ")");
  if (quote->empty()) return fail(Code::Corrupt, std::string(kWhat) + ": quote is empty");
  return quote;
}

ImdsClient::ImdsClient(std::shared_ptr<http::HttpClient> http, std::string base_url)
    : http_(std::move(http)), base_url_(std::move(base_url)), host_(host_of(base_url_)) {}

Result<std::string> ImdsClient::call(const http::HttpRequest& request, std::string_view path) {
  auto response = http_->send(request);
  if (!response) {
    Error e = std::move(response.error());
    if (e.code == Code::Unavailable || e.code == Code::DeadlineExceeded)
      e.message = "Azure IMDS unreachable at " + host_ + ": " + e.message;
    return std::unexpected(std::move(e));
  }
  if (response->status < 200 || response->status > 299)
    return fail(Code::Unavailable, "Azure IMDS at " + host_ + " answered HTTP " +
                                       std::to_string(response->status) + " to " + request.method +
                                       " " + std::string(path));
  return std::move(response->body);
}

Result<Bytes> ImdsClient::vcek_der() {
  http::HttpRequest req;
  req.url = base_url_ + kImdsCertificationPath;
  req.headers = {{"Metadata", "true"}};
  auto body = call(req, kImdsCertificationPath);
  if (!body) return std::unexpected(std::move(body.error()));
  return parse_certification_response(*body);
}

Result<Bytes> ImdsClient::td_quote(ByteView td_report) {
  http::HttpRequest req;
  req.method = "POST";
  req.url = base_url_ + kImdsTdQuotePath;
  // Upstream (azure-cvm-tooling az-tdx-vtpm/src/imds.rs get_td_quote, used by guest-components'
  // az-tdx-vtpm attester) sends the Metadata header here too, as on every IMDS call.
  req.headers = {{"Metadata", "true"}, {"Content-Type", "application/json"}};
  req.body = td_quote_request_body(td_report);
  auto body = call(req, kImdsTdQuotePath);
  if (!body) return std::unexpected(std::move(body.error()));
  return parse_td_quote_response(*body);
}

Result<std::shared_ptr<ImdsClient>> make_imds_client(Clock& clock, ImdsOptions options) {
  if (!options.base_url.starts_with("http://"))
    return fail(Code::InvalidArgument,
                "Azure IMDS base URL must be http://host[:port]: " + options.base_url);
  while (options.base_url.ends_with('/')) options.base_url.pop_back();
  http::HttpOptions h;
  h.allow_insecure_http = true;  // the IMDS speaks nothing else
  h.use_proxy = false;
  h.connect_timeout = options.connect_timeout;
  h.request_timeout = options.total_timeout;
  h.overall_timeout = options.total_timeout;
  h.max_response_bytes = 1u << 20;  // a quote or a certificate chain is a few KiB
  h.retry.max_attempts = options.max_attempts;
  auto client = http::CurlHttpClient::create(std::move(h), clock);
  if (!client) return std::unexpected(std::move(client.error()).with_context("Azure IMDS client"));
  return std::make_shared<ImdsClient>(std::shared_ptr<http::HttpClient>(std::move(*client)),
                                      std::move(options.base_url));
}

}  // namespace attest::azure
