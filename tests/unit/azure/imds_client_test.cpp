// The Azure IMDS client against a loopback HTTP server standing in for 169.254.169.254.
#include "agent/azure/imds_client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/scoped_env.h"
#include "tests/fakes/swtpm.h"
#include "tests/unit/kbs/canned_server.h"

namespace attest::azure {
namespace {

using http::testing::CannedServer;

const std::filesystem::path kFixtures = ATTEST_FIXTURES_DIR;

std::string fixture_text(const std::string& name) {
  const Bytes b = testing::read_test_file(kFixtures / "azure" / name);
  return std::string(b.begin(), b.end());
}

// The VCEK fixture's first PEM block, and its DER read straight from the base64 body (not
// through OpenSSL, which the client uses).
struct VcekPem {
  std::string pem;    // first certificate
  std::string chain;  // the rest (ASK, ARK)
  Bytes der;
};

VcekPem vcek_pem() {
  const std::string all = fixture_text("snp-vtpm/vcek_and_chain.pem");
  const std::string end = "-----END CERTIFICATE-----\n";
  const auto cut = all.find(end) + end.size();
  VcekPem v{all.substr(0, cut), all.substr(cut), {}};
  std::string b64;
  std::size_t line_start = v.pem.find('\n') + 1;
  while (line_start < v.pem.size() && v.pem[line_start] != '-') {
    const auto nl = v.pem.find('\n', line_start);
    b64 += v.pem.substr(line_start, nl - line_start);
    line_start = nl + 1;
  }
  auto der = base64_decode(b64);
  if (!der) testing::test_error("VCEK fixture is not base64");
  v.der = std::move(*der);
  return v;
}

std::string http_200(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string certification_body(const VcekPem& v) {
  return nlohmann::json{{"vcekCert", v.pem}, {"certificateChain", v.chain}}.dump();
}

std::string request_body(const std::string& request) {
  const auto end = request.find("\r\n\r\n");
  return end == std::string::npos ? "" : request.substr(end + 4);
}

std::shared_ptr<ImdsClient> client_for(const std::string& base,
                                       std::chrono::milliseconds total = std::chrono::seconds(10)) {
  ImdsOptions o;
  o.base_url = base;
  o.total_timeout = total;
  o.max_attempts = 1;
  auto c = make_imds_client(attest::testing::real_clock(), o);
  if (!c) testing::test_error("make_imds_client: " + c.error().message);
  return *c;
}

TEST(ImdsParse, CertificationAnswerGivesTheVcekDer) {
  const VcekPem v = vcek_pem();
  auto der = parse_certification_response(certification_body(v));
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ(*der, v.der);
  // The chain is not needed: the verifier has AMD's roots.
  auto alone = parse_certification_response(nlohmann::json{{"vcekCert", v.pem}}.dump());
  ASSERT_TRUE(alone) << alone.error().message;
  EXPECT_EQ(*alone, v.der);
}

TEST(ImdsParse, MalformedAnswersAreCorrupt) {
  struct Case {
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {"<html>", "Azure IMDS certification answer: not a JSON object"},
      {"[]", "Azure IMDS certification answer: not a JSON object"},
      {"{\"vcek\":\"x\"}", "Azure IMDS certification answer: no string member \"vcekCert\""},
      {"{\"vcekCert\":5}", "Azure IMDS certification answer: no string member \"vcekCert\""},
      {"{\"vcekCert\":\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n\"}",
       "Azure IMDS certification answer: vcekCert: not a PEM certificate"},
  };
  for (const auto& c : cases) {
    auto r = parse_certification_response(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, Code::Corrupt) << c.body;
    EXPECT_EQ(r.error().message, c.message) << c.body;
  }
  const Case quotes[] = {
      {"{", "Azure IMDS tdquote answer: not a JSON object"},
      {"{\"Quote\":\"AAAA\"}", "Azure IMDS tdquote answer: no string member \"quote\""},
      {"{\"quote\":\"\"}", "Azure IMDS tdquote answer: quote is empty"},
  };
  for (const auto& c : quotes) {
    auto r = parse_td_quote_response(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, Code::Corrupt) << c.body;
    EXPECT_EQ(r.error().message, c.message) << c.body;
  }
  auto not_b64 = parse_td_quote_response("{\"quote\":\"a+b/\"}");
  ASSERT_FALSE(not_b64);
  EXPECT_EQ(not_b64.error().code, Code::Corrupt);
  EXPECT_TRUE(
      not_b64.error().message.starts_with("Azure IMDS tdquote answer: quote is not base64url ("))
      << not_b64.error().message;
}

TEST(ImdsParse, TdQuoteWireEncoding) {
  // base64url without padding, as azure-cvm-tooling sends it.
  EXPECT_EQ(td_quote_request_body(Bytes{0xfb, 0xff}), "{\"report\":\"-_8\"}");
  auto unpadded = parse_td_quote_response("{\"quote\":\"-_8\"}");
  ASSERT_TRUE(unpadded) << unpadded.error().message;
  EXPECT_EQ(*unpadded, (Bytes{0xfb, 0xff}));
  auto padded = parse_td_quote_response("{\"quote\":\"-_8=\"}");
  ASSERT_TRUE(padded) << padded.error().message;
  EXPECT_EQ(*padded, (Bytes{0xfb, 0xff}));
}

TEST(ImdsClientHttp, VcekIsFetchedWithTheMetadataHeader) {
  const VcekPem v = vcek_pem();
  CannedServer imds({http_200(certification_body(v))});
  auto der = client_for(imds.url(""))->vcek_der();
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ(*der, v.der);
  const auto reqs = imds.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].starts_with("GET /metadata/THIM/amd/certification HTTP/1.1\r\n")) << reqs[0];
  EXPECT_NE(reqs[0].find("\r\nMetadata: true\r\n"), std::string::npos) << reqs[0];
}

TEST(ImdsClientHttp, TdQuoteRoundTrip) {
  const Bytes quote = testing::read_test_file(kFixtures / "azure" / "tdx-vtpm" / "td_quote_v4.bin");
  Bytes td_report(1024);
  for (std::size_t i = 0; i < td_report.size(); ++i)
    td_report[i] = static_cast<std::uint8_t>(i * 7);
  CannedServer imds(
      {http_200(nlohmann::json{{"quote", base64_encode(quote, Base64::Url, false)}}.dump())});
  auto got = client_for(imds.url("/"))->td_quote(td_report);  // a trailing slash is dropped
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, quote);
  const auto reqs = imds.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].starts_with("POST /acc/tdquote HTTP/1.1\r\n")) << reqs[0];
  EXPECT_NE(reqs[0].find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(reqs[0].find("\r\nMetadata: true\r\n"), std::string::npos) << reqs[0];
  const auto body = nlohmann::json::parse(request_body(reqs[0]));
  EXPECT_EQ(body, (nlohmann::json{{"report", base64_encode(td_report, Base64::Url, false)}}));
}

TEST(ImdsClientHttp, ErrorStatusIsUnavailable) {
  CannedServer imds({"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"});
  auto r = client_for(imds.url(""))->vcek_der();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unavailable);
  EXPECT_EQ(r.error().message, "Azure IMDS at 127.0.0.1:" + std::to_string(imds.port()) +
                                   " answered HTTP 404 to GET /metadata/THIM/amd/certification");
}

TEST(ImdsClientHttp, MalformedJsonOverHttpIsCorrupt) {
  CannedServer imds({http_200("{\"quote\": 12}")});
  auto r = client_for(imds.url(""))->td_quote(Bytes(1024));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Corrupt);
  EXPECT_EQ(r.error().message, "Azure IMDS tdquote answer: no string member \"quote\"");
}

TEST(ImdsClientHttp, UnreachableNamesTheHost) {
  int port = 0;
  {
    CannedServer closed({});  // a port that was just free, and is closed again
    port = closed.port();
  }
  auto r = client_for("http://127.0.0.1:" + std::to_string(port))->vcek_der();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unavailable);
  const std::string prefix = "Azure IMDS unreachable at 127.0.0.1:" + std::to_string(port) + ": ";
  EXPECT_TRUE(r.error().message.starts_with(prefix)) << r.error().message;
}

TEST(ImdsClientHttp, SilentServerTimesOut) {
  CannedServer imds({CannedServer::kHang});
  auto r = client_for(imds.url(""), std::chrono::milliseconds(300))->td_quote(Bytes(1024));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::DeadlineExceeded);
  const std::string prefix =
      "Azure IMDS unreachable at 127.0.0.1:" + std::to_string(imds.port()) + ": ";
  EXPECT_TRUE(r.error().message.starts_with(prefix)) << r.error().message;
}

TEST(ImdsClientHttp, ProxyEnvironmentIsIgnored) {
  // A proxy that does not exist: going through it would fail to connect.
  testing::ScopedEnv http_proxy("http_proxy", "http://127.0.0.1:9");
  testing::ScopedEnv all_proxy("ALL_PROXY", "http://127.0.0.1:9");
  testing::ScopedEnv no_proxy("no_proxy", nullptr);
  testing::ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
  const VcekPem v = vcek_pem();
  CannedServer imds({http_200(certification_body(v))});
  auto der = client_for(imds.url(""))->vcek_der();
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ(*der, v.der);
}

TEST(ImdsClientFactory, BaseUrlMustBePlainHttp) {
  ImdsOptions o;
  o.base_url = "https://169.254.169.254";
  auto r = make_imds_client(attest::testing::real_clock(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_EQ(r.error().message,
            "Azure IMDS base URL must be http://host[:port]: https://169.254.169.254");
  auto real = make_imds_client(attest::testing::real_clock());
  ASSERT_TRUE(real) << real.error().message;  // creating it sends nothing
}

}  // namespace
}  // namespace attest::azure
