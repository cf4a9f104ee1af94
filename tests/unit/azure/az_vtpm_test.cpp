#include "providers/azure/az_vtpm_provider.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "agent/azure/imds_client.h"
#include "agent/measure/measurement_register.h"
#include "agent/measure/runtime_measurer.h"
#include "common/digest.h"
#include "providers/eventlog/eventlog.h"

#include "providers/tpm/ak.h"
#include "providers/tpm/nv.h"
#include "providers/tpm/quote.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/split_os.h"
#include "tests/fakes/swtpm.h"
#include "tests/fakes/test_kbs.h"
#include "tests/unit/kbs/canned_server.h"

namespace attest::azure {
namespace {

using testing::FakeOs;
using testing::read_test_file;
using testing::SwtpmTest;

const std::filesystem::path kFixtures = ATTEST_FIXTURES_DIR;

Bytes fixture(const std::string& name) { return read_test_file(kFixtures / "azure" / name); }

// The first certificate of a PEM bundle, as DER.
Bytes first_cert_der(const Bytes& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) testing::test_error("no certificate in the VCEK fixture");
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  X509_free(cert);
  return out;
}

Bytes report_data(std::size_t n) {
  Bytes d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(0x30 + i);
  return d;
}

class FakeImds : public Imds {
 public:
  Result<Bytes> vcek_der() override {
    ++vcek_calls;
    return vcek;
  }
  Result<Bytes> td_quote(ByteView td_report) override {
    last_td_report.assign(td_report.begin(), td_report.end());
    return quote;
  }
  Bytes vcek;
  Bytes quote;
  Bytes last_td_report;
  int vcek_calls = 0;
};

TEST(HclReportTee, ReadsReportTypeAtOffset1224) {
  auto snp = hcl_report_tee(fixture("snp-vtpm/hcl_report.bin"));
  ASSERT_TRUE(snp) << snp.error().message;
  EXPECT_EQ(*snp, HclTee::Snp);
  auto old_snp = hcl_report_tee(fixture("cvm-tooling/hcl_report_snp.bin"));
  ASSERT_TRUE(old_snp);
  EXPECT_EQ(*old_snp, HclTee::Snp);
  auto tdx = hcl_report_tee(fixture("tdx-vtpm/hcl_report.bin"));
  ASSERT_TRUE(tdx);
  EXPECT_EQ(*tdx, HclTee::Tdx);
}

TEST(HclReportTee, TruncatedOrUnknownTypeIsAnError) {
  Bytes hcl = fixture("snp-vtpm/hcl_report.bin");
  auto short_one = hcl_report_tee(ByteView(hcl).first(1227));
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().code, Code::Corrupt);
  EXPECT_NE(short_one.error().message.find("hcl report"), std::string::npos);
  hcl[1224] = 3;
  auto other = hcl_report_tee(hcl);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Code::Unsupported);
  EXPECT_EQ(other.error().message,
            "hcl report: report_type 3 at offset 1224 is neither SNP (2) nor TDX (4)");
}

// swtpm provisioned the way an Azure CVM's vTPM looks to the guest: the HCL report in NV
// 0x01400001 (owner read) and an RSA AK persisted at 0x81000003.
class AzureSwtpm : public SwtpmTest {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;
    cfg_.tcti = tcti();
    os_.add_file(cfg_.tpm_device, {});
    imds_->vcek = first_cert_der(fixture("snp-vtpm/vcek_and_chain.pem"));
    imds_->quote = fixture("tdx-vtpm/td_quote_v4.bin");
  }

  void provision(const Bytes& hcl) {
    auto esys = tpm::Esys::open(tcti());
    ASSERT_TRUE(esys);
    ASSERT_TRUE(tpm::nv_define(*esys, kHclReportIndex, static_cast<std::uint16_t>(hcl.size())));
    auto w = tpm::nv_write(*esys, kHclReportIndex, hcl);
    ASSERT_TRUE(w) << w.error().message;
    auto ak = tpm::provision_ak(*esys, {kVtpmAkHandle, tpm::AkAlg::Rsa, false});
    ASSERT_TRUE(ak) << ak.error().message;
    ak_spki_ = ak->spki_der;
  }

  std::unique_ptr<EvidenceProvider> make(TeeKind kind, AzVtpmOptions opts) {
    auto p = make_az_vtpm_provider(kind, os_, cfg_, std::move(opts));
    EXPECT_TRUE(p);
    return p ? std::move(*p) : nullptr;
  }
  AzVtpmOptions with_imds() {
    AzVtpmOptions o;
    o.imds = imds_;
    return o;
  }

  FakeOs os_;
  ProviderConfig cfg_;
  std::shared_ptr<FakeImds> imds_ = std::make_shared<FakeImds>();
  Bytes ak_spki_;
};

TEST_F(AzureSwtpm, SnpEvidenceV2) {
  const Bytes hcl = fixture("cvm-tooling/hcl_report_snp.bin");
  provision(hcl);
  if (HasFatalFailure()) return;
  auto p = make(TeeKind::AzSnpVtpm, with_imds());
  ASSERT_NE(p, nullptr);
  const Bytes data = report_data(48);  // the raw SHA-384 digest the KBS client binds
  auto ev = p->get_evidence(data);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->tee, TeeKind::AzSnpVtpm);
  EXPECT_EQ(ev->raw, hcl);
  EXPECT_EQ(ev->aux, imds_->vcek);
  // The HCL needs time to regenerate its report after the report data is written.
  EXPECT_EQ(os_.slept(), std::chrono::milliseconds(3000));

  const auto& j = ev->json;
  EXPECT_EQ(j.size(), 4u);
  EXPECT_EQ(j.at("version"), 2);
  const auto& tq = j.at("tpm_quote");
  EXPECT_EQ(tq.size(), 3u);
  auto message = hex_decode(tq.at("message").get<std::string>());
  ASSERT_TRUE(message);
  auto info = tpm::parse_quote_message(*message);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->extra_data, data);  // the raw report data, not padded or cut
  EXPECT_EQ(tpm::pcr_selection_string(info->selection), "sha256:all");
  auto sig = hex_decode(tq.at("signature").get<std::string>());
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), 256u);  // the bare RSASSA signature, not a TPMT_SIGNATURE
  EXPECT_TRUE(testing::verify_sha256_signature(ak_spki_, *message, *sig));
  ASSERT_EQ(tq.at("pcrs").size(), 24u);
  for (const auto& pcr : tq.at("pcrs")) {
    auto v = hex_decode(pcr.get<std::string>());
    ASSERT_TRUE(v);
    EXPECT_EQ(v->size(), 32u);
  }
  auto hcl_back =
      base64_decode(j.at("hcl_report").get<std::string>(), Base64::Url, Padding::Required);
  ASSERT_TRUE(hcl_back) << hcl_back.error().message;
  EXPECT_EQ(*hcl_back, hcl);
  auto vcek = base64_decode(j.at("vcek").get<std::string>(), Base64::Url, Padding::Required);
  ASSERT_TRUE(vcek);
  EXPECT_EQ(*vcek, imds_->vcek);

  // The report data went to NV 0x01400002, sized to it.
  auto esys = tpm::Esys::open(tcti());
  ASSERT_TRUE(esys);
  auto written = tpm::nv_read(*esys, kReportDataIndex);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(*written, data);
}

TEST_F(AzureSwtpm, ReportDataIndexIsRedefinedForAnotherLength) {
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  auto p = make(TeeKind::AzSnpVtpm, with_imds());
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->get_evidence(report_data(48)));
  auto ev = p->get_evidence(report_data(32));
  ASSERT_TRUE(ev) << ev.error().message;
  auto esys = tpm::Esys::open(tcti());
  ASSERT_TRUE(esys);
  auto pub = tpm::nv_read_public(*esys, kReportDataIndex);
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->size, 32u);
  auto written = tpm::nv_read(*esys, kReportDataIndex);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, report_data(32));
}

TEST_F(AzureSwtpm, VcekWithoutImdsIsUnavailable) {
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  auto p = make(TeeKind::AzSnpVtpm, {});
  ASSERT_NE(p, nullptr);
  auto ev = p->get_evidence(report_data(32));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Unavailable);
  EXPECT_EQ(ev.error().message, "az-snp-vtpm: VCEK: Azure IMDS not reachable");
}

TEST_F(AzureSwtpm, CertTableVcekIsPreferredOverImds) {
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  AzVtpmOptions opts = with_imds();
  opts.report_settle = std::chrono::milliseconds(0);
  const Bytes from_table{0x30, 0x03, 0x02, 0x01, 0x07};
  opts.vcek_from_cert_table = [&] { return Result<std::optional<Bytes>>(from_table); };
  auto p = make(TeeKind::AzSnpVtpm, std::move(opts));
  ASSERT_NE(p, nullptr);
  auto ev = p->get_evidence(report_data(16));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->aux, from_table);
  EXPECT_EQ(imds_->vcek_calls, 0);
  EXPECT_EQ(os_.slept(), std::chrono::milliseconds(0));
}

TEST_F(AzureSwtpm, TdxEvidenceCarriesTheImdsQuote) {
  // swtpm's NV indices hold at most 2048 bytes: keep the header, TDREPORT and report_type.
  const Bytes full = fixture("tdx-vtpm/hcl_report.bin");
  const Bytes hcl(full.begin(), full.begin() + 2048);
  provision(hcl);
  if (HasFatalFailure()) return;
  auto p = make(TeeKind::AzTdxVtpm, with_imds());
  ASSERT_NE(p, nullptr);
  auto ev = p->get_evidence(report_data(64));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(imds_->last_td_report, Bytes(hcl.begin() + 32, hcl.begin() + 32 + 1024));
  const auto& j = ev->json;
  EXPECT_EQ(j.size(), 4u);
  EXPECT_FALSE(j.contains("vcek"));
  auto quote = base64_decode(j.at("td_quote").get<std::string>(), Base64::Url, Padding::Required);
  ASSERT_TRUE(quote);
  EXPECT_EQ(*quote, imds_->quote);
  auto message = hex_decode(j.at("tpm_quote").at("message").get<std::string>());
  ASSERT_TRUE(message);
  auto info = tpm::parse_quote_message(*message);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->extra_data, report_data(64));
}

TEST_F(AzureSwtpm, ProviderForTheOtherTeeIsFailedPrecondition) {
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  auto p = make(TeeKind::AzTdxVtpm, with_imds());
  ASSERT_NE(p, nullptr);
  auto ev = p->get_evidence(report_data(32));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::FailedPrecondition);
  EXPECT_EQ(ev.error().message, "az-tdx-vtpm: the HCL report is for SNP, not TDX");
}

TEST_F(AzureSwtpm, EmptyReportDataIsInvalid) {
  auto p = make(TeeKind::AzSnpVtpm, with_imds());
  ASSERT_NE(p, nullptr);
  auto ev = p->get_evidence({});
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::InvalidArgument);
}

TEST_F(AzureSwtpm, DetectionPicksAzureOverPlainTpm) {
  auto plain = detect_tee(os_, cfg_);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(*plain, TeeKind::Tpm);
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::AzSnpVtpm);
}

TEST_F(AzureSwtpm, DetectionTellsTdxFromTheReportType) {
  const Bytes full = fixture("tdx-vtpm/hcl_report.bin");
  provision(Bytes(full.begin(), full.begin() + 2048));
  if (HasFatalFailure()) return;
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::AzTdxVtpm);
}

std::string http_200(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

std::shared_ptr<Imds> imds_client_at(const http::testing::CannedServer& server) {
  ImdsOptions o;
  o.base_url = server.url("");
  o.max_attempts = 1;
  auto c = make_imds_client(attest::testing::real_clock(), o);
  if (!c) testing::test_error("make_imds_client: " + c.error().message);
  return *c;
}

// The registry's provider (what attest-cli runs) takes its IMDS from ProviderConfig, and the
// real HTTP client carries the VCEK from the IMDS answer into the evidence.
TEST_F(AzureSwtpm, RegistryProviderGetsTheVcekThroughTheImdsClient) {
  const Bytes pem = fixture("snp-vtpm/vcek_and_chain.pem");
  http::testing::CannedServer server({http_200(nlohmann::json{
      {"vcekCert", std::string(pem.begin(), pem.end())},
      {"certificateChain", ""}}.dump())});
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  cfg_.azure_imds = imds_client_at(server);
  auto p = make_provider(TeeKind::AzSnpVtpm, os_, cfg_);
  ASSERT_TRUE(p) << p.error().message;
  auto ev = (*p)->get_evidence(report_data(32));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->aux, imds_->vcek);  // the first certificate of the fixture, as DER
  auto vcek = base64_decode(ev->json.at("vcek").get<std::string>(), Base64::Url, Padding::Required);
  ASSERT_TRUE(vcek);
  EXPECT_EQ(*vcek, imds_->vcek);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].starts_with("GET /metadata/THIM/amd/certification HTTP/1.1\r\n"));
}

TEST_F(AzureSwtpm, RegistryProviderGetsTheTdQuoteThroughTheImdsClient) {
  const Bytes full = fixture("tdx-vtpm/hcl_report.bin");
  const Bytes hcl(full.begin(), full.begin() + 2048);
  http::testing::CannedServer server({http_200(
      nlohmann::json{{"quote", base64_encode(imds_->quote, Base64::Url, false)}}.dump())});
  provision(hcl);
  if (HasFatalFailure()) return;
  cfg_.azure_imds = imds_client_at(server);
  auto p = make_provider(TeeKind::AzTdxVtpm, os_, cfg_);
  ASSERT_TRUE(p) << p.error().message;
  auto ev = (*p)->get_evidence(report_data(64));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->aux, imds_->quote);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const auto body = nlohmann::json::parse(reqs[0].substr(reqs[0].find("\r\n\r\n") + 4));
  const Bytes td_report(hcl.begin() + 32, hcl.begin() + 32 + 1024);
  EXPECT_EQ(body.at("report"), base64_encode(td_report, Base64::Url, false));
}

TEST_F(AzureSwtpm, RegistryProviderWithoutImdsSaysSo) {
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  auto p = make_provider(TeeKind::AzSnpVtpm, os_, cfg_);
  ASSERT_TRUE(p) << p.error().message;
  auto ev = (*p)->get_evidence(report_data(32));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::Unavailable);
  EXPECT_EQ(ev.error().message, "az-snp-vtpm: VCEK: Azure IMDS not reachable");
}

TEST(AzVtpmFactory, RejectsOtherKinds) {
  FakeOs os;
  auto p = make_az_vtpm_provider(TeeKind::Tpm, os, {}, {});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Code::InvalidArgument);
}

// Runtime measurements through the Azure vTPM providers (issue 7): the same PCR extend as tpm,
// on the default PCR, checked at start like the daemon does; the evidence quotes the changed PCR
// and carries the record in aa_eventlog, and replaying that log gives the PCR. The AAEL lives on
// the real file system (the pending record needs the shared atomic writer), the rest in FakeOs.
void measure_through(TeeKind kind, testing::SplitOs& os, const ProviderConfig& cfg,
                     AzVtpmOptions opts) {
  auto made = make_az_vtpm_provider(kind, os, cfg, std::move(opts));
  ASSERT_TRUE(made) << made.error().message;
  EvidenceProvider& p = **made;
  const unsigned pcr = measure::default_measurement_pcr(kind);
  ASSERT_EQ(pcr, 23u);
  auto checked = measure::check_measurement_register(p, pcr, cfg.tcti);
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_TRUE(*checked);  // PCR 23 is resettable at locality 0: warned about, not refused

  auto before = p.get_evidence(report_data(32));
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_FALSE(before->json.contains("aa_eventlog"));
  EXPECT_EQ(before->json.at("tpm_quote").at("pcrs").at(pcr), std::string(64, '0'));

  measure::RuntimeMeasurer m(os, p, {cfg.aael_path, pcr});
  auto r = m.extend("github.com/confidential-containers", "PullImage", "busybox@sha256:ab");
  ASSERT_TRUE(r) << r.error().message;

  auto after = p.get_evidence(report_data(32));
  ASSERT_TRUE(after) << after.error().message;
  const std::string quoted = after->json.at("tpm_quote").at("pcrs").at(pcr).get<std::string>();
  EXPECT_NE(quoted, std::string(64, '0'));
  auto now = p.read_register(pcr);
  ASSERT_TRUE(now);
  EXPECT_EQ(quoted, hex_encode(*now));
  ASSERT_TRUE(after->json.contains("aa_eventlog")) << after->json.dump();
  auto log = base64_decode(after->json.at("aa_eventlog").get<std::string>(), Base64::Standard,
                           Padding::Required);
  ASSERT_TRUE(log);
  auto parsed = eventlog::parse_eventlog(*log);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->events.size(), 1u);
  EXPECT_EQ(parsed->events[0].index, pcr);
  EXPECT_EQ(std::string(parsed->events[0].data.begin() + 8, parsed->events[0].data.end()),
            "github.com/confidential-containers PullImage busybox@sha256:ab");
  EXPECT_EQ(hex_encode(eventlog::replay(*parsed).at(tcg_id(HashAlg::Sha256)).at(pcr)), quoted);
}

TEST_F(AzureSwtpm, SnpRuntimeMeasurementChangesThePcrAndTheEvidenceCarriesIt) {
  testing::TempDir tmp;
  testing::SplitOs split(os_, {tmp.path()});
  cfg_.aael_path = tmp.path() / "attest-agent" / "eventlog";
  AzVtpmOptions opts = with_imds();
  opts.report_settle = std::chrono::milliseconds(0);
  provision(fixture("cvm-tooling/hcl_report_snp.bin"));
  if (HasFatalFailure()) return;
  measure_through(TeeKind::AzSnpVtpm, split, cfg_, std::move(opts));
}

TEST_F(AzureSwtpm, TdxRuntimeMeasurementChangesThePcrAndTheEvidenceCarriesIt) {
  testing::TempDir tmp;
  testing::SplitOs split(os_, {tmp.path()});
  cfg_.aael_path = tmp.path() / "attest-agent" / "eventlog";
  const Bytes full = fixture("tdx-vtpm/hcl_report.bin");
  AzVtpmOptions opts = with_imds();
  opts.report_settle = std::chrono::milliseconds(0);
  provision(Bytes(full.begin(), full.begin() + 2048));  // swtpm NV holds at most 2048 bytes
  if (HasFatalFailure()) return;
  measure_through(TeeKind::AzTdxVtpm, split, cfg_, std::move(opts));
}

}  // namespace
}  // namespace attest::azure
