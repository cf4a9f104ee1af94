// Runtime measurements and init-data on a real TPM 2.0 (swtpm): the measurement changes PCR 17
// and shows up in the event log the evidence carries; replaying that log gives the quoted PCR;
// init-data extends PCR 8 exactly once, with the value Trustee's verifier expects.
#include <gtest/gtest.h>

#include <tuple>

#include "agent/measure/initdata.h"
#include "agent/measure/runtime_measurer.h"
#include "common/digest.h"
#include "providers/eventlog/eventlog.h"
#include "providers/tpm/ak.h"
#include "providers/tpm/esys.h"
#include "providers/tpm/tpm_provider.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/split_os.h"
#include "tests/fakes/swtpm.h"
#include "tests/fakes/test_kbs.h"

namespace attest::measure {
namespace {

constexpr const char* kInitData =
    "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\nk = \"v\"\n";

Bytes sha256(ByteView data) {
  auto d = digest(HashAlg::Sha256, data);
  EXPECT_TRUE(d);
  return d ? *d : Bytes{};
}

Bytes extend_chain(Bytes reg, ByteView digest) {
  reg.insert(reg.end(), digest.begin(), digest.end());
  return sha256(reg);
}

class TpmMeasureTest : public testing::SwtpmTest {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;
    cfg_.tcti = tcti();
    // The AAEL and its pending record on a real file system (the shared atomic writer needs
    // one); the TPM device node in the fake.
    cfg_.aael_path = tmp_.path() / "attest-agent" / "eventlog";
    os_.add_file(cfg_.tpm_device, {});
    provider_ = std::make_unique<tpm::TpmProvider>(split_, cfg_);
  }
  void provision_ak() {
    auto esys = tpm::Esys::open(tcti());
    ASSERT_TRUE(esys) << esys.error().message;
    auto ak = tpm::provision_ak(*esys, {cfg_.tpm_ak_handle, tpm::AkAlg::Rsa, false});
    ASSERT_TRUE(ak) << ak.error().message;
  }
  Bytes pcr(unsigned index) {
    auto v = provider_->read_register(index);
    EXPECT_TRUE(v) << v.error().message;
    return v ? *v : Bytes{};
  }

  testing::FakeOs os_;
  testing::TempDir tmp_;
  testing::SplitOs split_{os_, {tmp_.path()}};
  ProviderConfig cfg_;
  std::unique_ptr<tpm::TpmProvider> provider_;
};

// PCR 17, guest-components' default, is refused at locality 0 (PC Client PTP: only DRTM
// localities 2-4 extend it); the agent says so and logs nothing.
TEST_F(TpmMeasureTest, Pcr17IsRefusedAtLocalityZeroAndNothingIsLogged) {
  RuntimeMeasurer m(split_, *provider_, {cfg_.aael_path, 17});
  auto r = m.extend("domain", "op", "content");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("locality"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(cfg_.aael_path));
  EXPECT_FALSE(std::filesystem::exists(m.pending_path()));
  EXPECT_EQ(pcr(17), Bytes(32, 0xFF));  // PC Client: PCRs 17-22 reset to all ones
}

TEST_F(TpmMeasureTest, MeasurementChangesThePcrAndTheEvidenceLogReplaysToIt) {
  provision_ak();
  const Bytes before = pcr(23);
  EXPECT_EQ(before, Bytes(32, 0));

  RuntimeMeasurer m(split_, *provider_, {cfg_.aael_path, 23});
  for (const auto& [domain, op, content] :
       {std::tuple{"github.com/confidential-containers", "PullImage", "busybox@sha256:ab"},
        std::tuple{"attest-agent", "load", "app.toml"}}) {
    auto r = m.extend(domain, op, content);
    ASSERT_TRUE(r) << r.error().message;
  }
  const Bytes after = pcr(23);
  EXPECT_NE(after, before);

  auto ev = provider_->get_evidence(Bytes(48, 0x42));
  ASSERT_TRUE(ev) << ev.error().message;
  // The quote's PCR 23 is the extended one...
  EXPECT_EQ(ev->json.at("tpm_quote").at("pcrs").at(23), hex_encode(after));
  // ...and the log the evidence carries explains it.
  auto log = base64_decode(ev->json.at("aa_eventlog").get<std::string>(), Base64::Standard,
                           Padding::Required);
  ASSERT_TRUE(log);
  auto parsed = eventlog::parse_eventlog(*log);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->spec.algorithms.size(), 1u);
  EXPECT_EQ(parsed->spec.algorithms[0].id, tcg_id(HashAlg::Sha256));
  ASSERT_EQ(parsed->events.size(), 2u);
  Bytes replayed = before;
  for (const auto& e : parsed->events) {
    EXPECT_EQ(e.index, 23u);  // the PCR itself, as upstream's az-*-vtpm pcr_to_ccmr
    EXPECT_EQ(e.type, 6u);    // EV_EVENT_TAG
    ASSERT_EQ(e.digests.size(), 1u);
    EXPECT_EQ(e.digests[0].value, sha256(e.data));
    replayed = extend_chain(replayed, e.digests[0].value);
  }
  EXPECT_EQ(replayed, after);
  const std::string text(parsed->events[1].data.begin() + 8, parsed->events[1].data.end());
  EXPECT_EQ(text, "attest-agent load app.toml");
  // PCR 23 starts at zero, as the generic replay does.
  EXPECT_EQ(eventlog::replay(*parsed).at(tcg_id(HashAlg::Sha256)).at(23), after);
}

TEST_F(TpmMeasureTest, NoLogNoAaEventlogMember) {
  provision_ak();
  auto ev = provider_->get_evidence(Bytes(32, 1));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_FALSE(ev->json.contains("aa_eventlog"));
}

TEST_F(TpmMeasureTest, InitDataExtendsPcr8OnceWithWhatTrusteeExpects) {
  ASSERT_EQ(pcr(8), Bytes(32, 0));
  auto first = bind_initdata(*provider_, kInitData);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, InitDataBinding::Extended);
  // trustee deps/verifier/src/tpm/mod.rs verify_init_data: sha256(0x00 * 32 || digest)
  Bytes input(32, 0);
  const Bytes digest = sha256(as_bytes(std::string_view(kInitData)));
  input.insert(input.end(), digest.begin(), digest.end());
  const Bytes want = sha256(input);
  EXPECT_EQ(pcr(8), want);

  // An agent restart binds again: PCR 8 already holds the value and is not extended twice.
  auto again = bind_initdata(*provider_, kInitData);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, InitDataBinding::AlreadyBound);
  EXPECT_EQ(pcr(8), want);

  // Other init-data on the same boot: refused, naming both values, PCR 8 untouched.
  const std::string other = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\nk = \"w\"\n";
  auto mismatch = bind_initdata(*provider_, other);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, Code::FailedPrecondition);
  EXPECT_NE(mismatch.error().message.find("PCR 8 is " + hex_encode(want)), std::string::npos)
      << mismatch.error().message;
  EXPECT_NE(mismatch.error().message.find(hex_encode(sha256(as_bytes(other)))), std::string::npos)
      << mismatch.error().message;
  EXPECT_EQ(pcr(8), want);
}

TEST_F(TpmMeasureTest, NonSha256InitDataIsRefusedAndPcr8Untouched) {
  for (const char* alg : {"sha384", "sha512"}) {
    const std::string toml =
        std::string("version = \"0.1.0\"\nalgorithm = \"") + alg + "\"\n[data]\n";
    auto r = bind_initdata(*provider_, toml);
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().code, Code::InvalidArgument);
    EXPECT_EQ(r.error().message, std::string("init-data algorithm ") + alg +
                                     " cannot be verified on tpm: Trustee checks PCR8 = "
                                     "SHA-256(0^32 || digest) with a 32-byte digest; use "
                                     "algorithm = \"sha256\"");
  }
  EXPECT_EQ(pcr(8), Bytes(32, 0));
}

}  // namespace
}  // namespace attest::measure
