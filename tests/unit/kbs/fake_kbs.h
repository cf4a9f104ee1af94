// Test doubles for the RCAR client: an HttpClient whose answers a test scripts per endpoint,
// and an evidence provider that records the report data it was asked to sign.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "agent/http/http_client.h"
#include "common/bytes.h"
#include "providers/provider.h"

namespace attest::kbs::testing {

inline http::HttpResponse response(long status, std::string body,
                                   std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline std::string b64url(std::string_view s) {
  return base64_encode(as_bytes(s), Base64::Url, false);
}

// An unsigned but well-formed compact JWS with the given exp (the client reads claims only).
inline std::string make_token(std::int64_t exp) {
  return b64url(R"({"alg":"ES256","typ":"JWT"})") + "." +
         b64url(R"({"exp":)" + std::to_string(exp) + R"(,"iss":"test"})") + ".c2ln";
}

inline std::string error_body(std::string_view variant, std::string_view detail) {
  return R"({"type":"https://github.com/confidential-containers/kbs/errors/)" +
         std::string(variant) + R"(","detail":")" + std::string(detail) + R"("})";
}

class FakeHttp final : public http::HttpClient {
 public:
  using Handler = std::function<Result<http::HttpResponse>(const http::HttpRequest&)>;
  Handler auth;
  Handler attest;
  Handler resource;

  Result<http::HttpResponse> send(const http::HttpRequest& r) override {
    {
      std::lock_guard lock(mu_);
      // The bearer token lives in the client's locked memory only while send() runs: keep an
      // owned copy of it as the header it becomes on the wire.
      http::HttpRequest copy = r;
      if (copy.bearer_token) {
        copy.headers.emplace_back(
            "Authorization",
            "Bearer " + std::string(copy.bearer_token->begin(), copy.bearer_token->end()));
        copy.bearer_token.reset();
      }
      requests_.push_back(std::move(copy));
    }
    if (r.url.find("/kbs/v0/auth") != std::string::npos) {
      ++auth_count;
      return auth(r);
    }
    if (r.url.find("/kbs/v0/attest") != std::string::npos) return attest(r);
    ++resource_count;
    return resource(r);
  }
  std::vector<http::HttpRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::atomic<int> auth_count{0};
  std::atomic<int> resource_count{0};

 private:
  std::mutex mu_;
  std::vector<http::HttpRequest> requests_;
};

class RecordingProvider final : public EvidenceProvider {
 public:
  explicit RecordingProvider(TeeKind kind = TeeKind::Sample) : kind_(kind) {}
  TeeKind kind() const override { return kind_; }
  Result<Evidence> get_evidence(ByteView report_data) override {
    std::lock_guard lock(mu_);
    seen.emplace_back(report_data.begin(), report_data.end());
    Evidence ev;
    ev.tee = kind_;
    ev.json = {{"svn", "1"}, {"report_data", base64_encode(report_data)}};
    return ev;
  }
  std::vector<Bytes> seen;

 private:
  TeeKind kind_;
  std::mutex mu_;
};

}  // namespace attest::kbs::testing
