#include "tests/unit/kbs_tees/kbs_tees.h"

#include <gtest/gtest.h>

#include <chrono>

#include "agent/http/http_client.h"
#include "agent/kbs/rcar_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/test_kbs.h"

namespace attest::testing {

std::optional<nlohmann::json> verified_claims(const std::string& token, const std::string& tee) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return std::nullopt;
  auto payload = base64_decode(std::string_view(token).substr(first + 1, second - first - 1),
                               Base64::Url, Padding::Forbidden);
  if (!payload) return std::nullopt;
  auto j = nlohmann::json::parse(payload->begin(), payload->end(), nullptr, false);
  const auto ptr =
      nlohmann::json::json_pointer("/submods/cpu0/ear.veraison.annotated-evidence/" + tee);
  if (j.is_discarded() || !j.contains(ptr)) return std::nullopt;
  return j.at(ptr);
}

Result<Evidence> TamperingProvider::get_evidence(ByteView report_data) {
  auto ev = inner_->get_evidence(report_data);
  if (ev) tamper_(ev->json);
  return ev;
}

Result<std::string> attest_in_process(EvidenceProvider& provider, const std::string& url) {
  bypass_proxy_for_loopback();
  http::HttpOptions h;
  h.allow_insecure_http = true;
  h.retry.max_attempts = 1;
  h.overall_timeout = std::chrono::seconds(10);
  auto http = http::CurlHttpClient::create(h, real_clock());
  if (!http) return std::unexpected(std::move(http.error()));
  kbs::KbsClientOptions opts;
  opts.base_url = url;
  kbs::KbsClient client(**http, provider, std::move(opts));
  auto token = client.attest();
  if (!token) return std::unexpected(std::move(token.error()));
  return to_string(token->bytes());
}

void expect_tamper_outcomes(const std::vector<TamperCase>& cases, const ProviderFactory& make,
                            TestKbs& kbs) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto inner = make();
    ASSERT_TRUE(inner) << inner.error().message;
    TamperingProvider provider(
        std::move(*inner), c.tamper ? c.tamper : [](nlohmann::json&) {});
    const auto log_before = kbs.log().size();
    const auto token = attest_in_process(provider, kbs.url());
    const std::string log = kbs.log().substr(log_before);
    if (!c.tamper) {
      EXPECT_TRUE(token) << token.error().message << "\nKBS log:\n" << log;
    } else {
      ASSERT_FALSE(token) << "tampered evidence was accepted";
      EXPECT_EQ(token.error().code, Code::Unauthenticated) << token.error().message;
    }
    EXPECT_NE(log.find(c.kbs_log), std::string::npos) << log;
  }
}

void flip_bit_b64(nlohmann::json& field, std::ptrdiff_t offset) {
  ASSERT_TRUE(field.is_string());
  auto bytes = base64_decode(field.get<std::string>());
  ASSERT_TRUE(bytes);
  const auto size = static_cast<std::ptrdiff_t>(bytes->size());
  const auto at = offset < 0 ? size + offset : offset;
  ASSERT_TRUE(at >= 0 && at < size) << "offset " << offset << " of " << size << " bytes";
  (*bytes)[static_cast<std::size_t>(at)] ^= 0x01;
  field = base64_encode(*bytes);
}

std::string pem_body(const std::string& pem) {
  std::string body;
  std::size_t pos = 0;
  while (pos < pem.size()) {
    const auto end = std::min(pem.find('\n', pos), pem.size());
    const std::string line = pem.substr(pos, end - pos);
    if (!line.starts_with("-----")) body += line;
    pos = end + 1;
  }
  return body;
}

}  // namespace attest::testing
