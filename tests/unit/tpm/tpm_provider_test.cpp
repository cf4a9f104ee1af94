#include "providers/tpm/tpm_provider.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "providers/eventlog/eventlog.h"
#include "providers/tpm/ak.h"
#include "providers/tpm/pcr.h"
#include "providers/tpm/quote.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/swtpm.h"

namespace attest::tpm {
namespace {

using testing::FakeOs;
using testing::SwtpmTest;

constexpr TPM2_HANDLE kAk = 0x81010002;

Bytes report_data(std::size_t n) {
  Bytes d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(i + 1);
  return d;
}

class TpmProviderSwtpm : public SwtpmTest {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;
    cfg_.tcti = tcti();
    cfg_.tpm_device = "/dev/tpmrm0";
    cfg_.tpm_eventlog = "/sys/kernel/security/tpm0/binary_bios_measurements";
    os_.add_file(cfg_.tpm_device, {});
  }
  Bytes provision(AkAlg alg = AkAlg::Rsa) {
    auto esys = Esys::open(tcti());
    EXPECT_TRUE(esys);
    if (!esys) return {};
    auto ak = provision_ak(*esys, {kAk, alg, false});
    EXPECT_TRUE(ak) << ak.error().message;
    return ak ? ak->spki_der : Bytes{};
  }

  FakeOs os_;
  ProviderConfig cfg_;
};

TEST(TpmNonce, RegularizesTo32Bytes) {
  const Bytes long_data = report_data(48);
  const auto n = tpm_nonce(long_data);
  EXPECT_EQ(Bytes(n.begin(), n.end()), Bytes(long_data.begin(), long_data.begin() + 32));
  const auto short_n = tpm_nonce(report_data(3));
  Bytes expected(32, 0);
  expected[0] = 1;
  expected[1] = 2;
  expected[2] = 3;
  EXPECT_EQ(Bytes(short_n.begin(), short_n.end()), expected);
}

TEST_F(TpmProviderSwtpm, EvidenceHasTrusteeTpmShape) {
  const Bytes spki = provision();
  const Bytes log{0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00};
  os_.add_file(cfg_.tpm_eventlog, log);
  TpmProvider p(os_, cfg_);
  const Bytes data = report_data(48);  // a SHA-384 digest, as the KBS client binds it
  auto ev = p.get_evidence(data);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->tee, TeeKind::Tpm);
  EXPECT_EQ(ev->aux, log);
  EXPECT_FALSE(p.eventlog_note().has_value());

  const auto& j = ev->json;
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 2u);
  const auto& tq = j.at("tpm_quote");
  EXPECT_EQ(tq.size(), 3u);
  auto ak =
      base64_decode(j.at("ak_public").get<std::string>(), Base64::Standard, Padding::Required);
  ASSERT_TRUE(ak);
  EXPECT_EQ(*ak, spki);
  auto message =
      base64_decode(tq.at("message").get<std::string>(), Base64::Standard, Padding::Required);
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, ev->raw);
  auto info = parse_quote_message(*message);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->extra_data, Bytes(data.begin(), data.begin() + 32));
  EXPECT_EQ(pcr_selection_string(info->selection), "sha256:all");

  // The signature is a marshalled TPMT_SIGNATURE: sigAlg RSASSA, hash SHA-256, TPM2B sig.
  auto sig =
      base64_decode(tq.at("signature").get<std::string>(), Base64::Standard, Padding::Required);
  ASSERT_TRUE(sig);
  ASSERT_EQ(sig->size(), 2u + 2u + 2u + 256u);
  EXPECT_EQ((*sig)[0] << 8 | (*sig)[1], TPM2_ALG_RSASSA);
  EXPECT_EQ((*sig)[2] << 8 | (*sig)[3], TPM2_ALG_SHA256);
  EXPECT_EQ((*sig)[4] << 8 | (*sig)[5], 256);
  EXPECT_TRUE(testing::verify_sha256_signature(spki, *message, ByteView(*sig).subspan(6)));

  const auto& pcrs = tq.at("pcrs");
  ASSERT_EQ(pcrs.size(), 24u);
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys);
  auto values = pcr_read(*esys, sha256_all_pcrs());
  ASSERT_TRUE(values);
  for (unsigned i = 0; i < 24; ++i) {
    ASSERT_EQ(pcrs[i].get<std::string>().size(), 64u);
    EXPECT_EQ(pcrs[i].get<std::string>(), hex_encode((*values)[0].values[i].digest)) << i;
  }
}

TEST_F(TpmProviderSwtpm, MissingEventLogIsNotedNotFatal) {
  provision();
  TpmProvider p(os_, cfg_);
  auto ev = p.get_evidence(report_data(32));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->aux.empty());
  ASSERT_TRUE(p.eventlog_note().has_value());
  EXPECT_EQ(p.eventlog_note()->code, Code::NotFound);
}

TEST_F(TpmProviderSwtpm, ShortReportDataIsZeroPaddedInTheNonce) {
  provision();
  TpmProvider p(os_, cfg_);
  for (std::size_t n : {0u, 5u, 64u}) {
    const Bytes data = report_data(n);
    auto ev = p.get_evidence(data);
    ASSERT_TRUE(ev) << ev.error().message;
    auto info = parse_quote_message(ev->raw);
    ASSERT_TRUE(info);
    const auto nonce = tpm_nonce(data);
    EXPECT_EQ(info->extra_data, Bytes(nonce.begin(), nonce.end())) << n;
  }
  auto too_long = p.get_evidence(report_data(65));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, Code::InvalidArgument);
}

TEST_F(TpmProviderSwtpm, MissingAkIsNotFound) {
  TpmProvider p(os_, cfg_);
  auto ev = p.get_evidence(report_data(32));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::NotFound);
  EXPECT_EQ(ev.error().message,
            "tpm/esys: no AK at 0x81010002 (provision one with 'attest-cli tpm provision-ak')");
}

TEST_F(TpmProviderSwtpm, ExtendChangesSha256Pcr) {
  TpmProvider p(os_, cfg_);
  const Bytes digest(32, 0x11);
  ASSERT_TRUE(p.extend(8, digest));
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys);
  auto v = pcr_read(*esys, {{TPM2_ALG_SHA256, {8}}});
  ASSERT_TRUE(v);
  // Trustee's init-data check: PCR8 == SHA-256(32 zero bytes || digest).
  Bytes both(64, 0);  // 32 zero bytes (the reset PCR) || digest
  std::copy(digest.begin(), digest.end(), both.begin() + 32);
  Bytes expected(32);
  SHA256(both.data(), both.size(), expected.data());
  EXPECT_EQ((*v)[0].values[0].digest, expected);
  auto bad = p.extend(8, Bytes(20, 0x11));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Code::InvalidArgument);
}

TEST_F(TpmProviderSwtpm, DetectedThroughTheRegistryWhenTheDeviceExists) {
  auto kind = detect_tee(os_, cfg_);
  ASSERT_TRUE(kind) << kind.error().message;
  EXPECT_EQ(*kind, TeeKind::Tpm);
  os_.remove(cfg_.tpm_device);
  auto none = detect_tee(os_, cfg_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Code::NotFound);
}

TEST_F(TpmProviderSwtpm, CliGetReportPrintsTheQuotedAttest) {
  provision();
  const auto [status, out] = testing::run_command(
      std::string(ATTEST_CLI_BINARY) + " get-report --tee tpm --tcti " + tcti() +
      " --report-data " + hex_encode(report_data(32)) + " --format hex");
  ASSERT_EQ(status, 0);
  auto raw = hex_decode(out.substr(0, out.find('\n')));
  ASSERT_TRUE(raw);
  auto info = parse_quote_message(*raw);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->extra_data, report_data(32));
}

// End to end with a real firmware log: extend its SHA-256 digests into swtpm as firmware would,
// then the evidence's PCRs equal the replay of the event log the evidence carries.
TEST_F(TpmProviderSwtpm, EvidencePcrsMatchTheReplayedEventLog) {
  provision();
  const Bytes log = testing::read_test_file(std::filesystem::path(ATTEST_FIXTURES_DIR) / "tpm" /
                                            "eventlog_sdboot_fedora37.bin");
  auto parsed = eventlog::parse_eventlog(log);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_FALSE(parsed->startup_locality.has_value());  // swtpm starts PCR0 at locality 0
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys);
  for (const auto& e : parsed->events) {
    if (e.type == 0x3) continue;  // EV_NO_ACTION is never extended
    for (const auto& d : e.digests) {
      if (d.alg == TPM2_ALG_SHA256) {
        ASSERT_TRUE(pcr_extend(*esys, e.index, d.value));
      }
    }
  }
  os_.add_file(cfg_.tpm_eventlog, log);
  TpmProvider p(os_, cfg_);
  auto ev = p.get_evidence(report_data(32));
  ASSERT_TRUE(ev) << ev.error().message;
  auto replayed = eventlog::parse_eventlog(ev->aux);
  ASSERT_TRUE(replayed);
  const auto banks = eventlog::replay(*replayed);
  ASSERT_TRUE(banks.contains(TPM2_ALG_SHA256));
  const auto& sha256 = banks.at(TPM2_ALG_SHA256);
  ASSERT_FALSE(sha256.empty());
  const auto& pcrs = ev->json.at("tpm_quote").at("pcrs");
  for (const auto& [index, value] : sha256)
    EXPECT_EQ(pcrs.at(index).template get<std::string>(), hex_encode(value)) << "PCR " << index;
}

}  // namespace
}  // namespace attest::tpm
