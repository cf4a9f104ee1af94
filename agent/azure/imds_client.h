// The Azure Instance Metadata Service client behind providers/azure's Imds interface: the VCEK
// of an SEV-SNP CVM and the TD quote of a TDX CVM (the guest has no quoting enclave; the host
// quotes the TDREPORT for it). Wire format: kinvolk/azure-cvm-tooling az-snp-vtpm/src/imds.rs
// and az-tdx-vtpm/src/imds.rs.
//
//   GET  <base>/metadata/THIM/amd/certification   header Metadata: true
//        -> {"vcekCert": "<PEM>", "certificateChain": "<PEM>"}   (only vcekCert is used)
//   POST <base>/acc/tdquote   {"report": "<base64url TDREPORT, unpadded>"}
//        -> {"quote": "<base64url TD quote>"}   (padding accepted either way)
//
// The IMDS is plain http on the link-local address 169.254.169.254: this client, and only this
// one, allows http://, and it never goes through a proxy (no proxy can reach a link-local
// address, and an https_proxy meant for the KBS must not capture it).
//
// Errors: unreachable or timed out -> Unavailable / DeadlineExceeded "Azure IMDS unreachable at
// <host>: ..."; a non-2xx answer -> Unavailable naming the status; a malformed answer -> Corrupt.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "agent/http/http_client.h"
#include "providers/azure/az_vtpm_provider.h"

namespace attest::azure {

inline constexpr const char* kImdsBaseUrl = "http://169.254.169.254";
inline constexpr const char* kImdsCertificationPath = "/metadata/THIM/amd/certification";
inline constexpr const char* kImdsTdQuotePath = "/acc/tdquote";

struct ImdsOptions {
  std::string base_url = kImdsBaseUrl;  // tests point it at a loopback server
  // The IMDS answers in milliseconds when it is there; off Azure nothing answers at all, and
  // a command should not hang for long to find out.
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds total_timeout{10'000};
  int max_attempts = 3;
};

class ImdsClient final : public Imds {
 public:
  // `base_url` without a trailing slash, e.g. http://169.254.169.254.
  ImdsClient(std::shared_ptr<http::HttpClient> http, std::string base_url);

  [[nodiscard]] Result<Bytes> vcek_der() override;
  [[nodiscard]] Result<Bytes> td_quote(ByteView td_report) override;

 private:
  [[nodiscard]] Result<std::string> call(const http::HttpRequest& request, std::string_view path);

  std::shared_ptr<http::HttpClient> http_;
  std::string base_url_;
  std::string host_;  // for messages: "169.254.169.254"
};

// The real client over libcurl (http::CurlHttpClient) with the options above.
[[nodiscard]] Result<std::shared_ptr<ImdsClient>> make_imds_client(Clock& clock,
                                                                   ImdsOptions options = {});

// The pieces of the wire format, as pure functions.
// {"vcekCert": PEM, ...} -> the VCEK certificate as DER.
[[nodiscard]] Result<Bytes> parse_certification_response(std::string_view body);
// {"report": base64url(td_report) without padding}.
std::string td_quote_request_body(ByteView td_report);
// {"quote": base64url} -> the quote bytes.
[[nodiscard]] Result<Bytes> parse_td_quote_response(std::string_view body);

}  // namespace attest::azure
