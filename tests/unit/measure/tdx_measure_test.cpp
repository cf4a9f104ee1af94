// Runtime measurements and init-data on TDX, over the fake kernel ABIs: tsm-mr (RTMR extend,
// MRCONFIGID), configfs-tsm (the quote), the real CCEL fixture, and the AAEL in the same FakeOs.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/measure/initdata.h"
#include "agent/measure/runtime_measurer.h"
#include "common/digest.h"
#include "providers/eventlog/eventlog.h"
#include "tests/fakes/fake_tsm.h"
#include "tests/fakes/fake_tsm_mr.h"
#include "tests/fakes/fixture_data.h"
#include "tests/fakes/split_os.h"
#include "tests/fakes/test_kbs.h"

namespace attest::measure {
namespace {

using testing::FakeOs;
using testing::FakeTsm;
using testing::FakeTsmMr;
using testing::TsmProvider;

constexpr const char* kInitData =
    "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"aa.toml\" = '''\nx = 1\n'''\n";

Bytes sha384(ByteView data) {
  auto h = digest(HashAlg::Sha384, data);
  EXPECT_TRUE(h);
  return h ? *h : Bytes{};
}

class TdxMeasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The AAEL and its pending record on a real file system (the shared atomic writer needs
    // one); the kernel interfaces in the fake.
    cfg_.aael_path = tmp_.path() / "attest-agent" / "eventlog";
    os_.add_file(cfg_.ccel_data, testing::fixture_bytes("tdx/ccel-gce-cos113/ccel_data.bin"));
    auto p = make_provider(TeeKind::Tdx, split_, cfg_);
    ASSERT_TRUE(p) << p.error().message;
    provider_ = std::move(*p);
  }
  void TearDown() override { EXPECT_EQ(os_.open_handles(), 0); }

  MeasurerOptions options() const { return {cfg_.aael_path, 17}; }
  Bytes log_file() {
    auto b = read_file(split_, cfg_.aael_path);
    return b ? *b : Bytes{};
  }
  bool log_exists() { return std::filesystem::exists(cfg_.aael_path); }

  FakeOs os_;
  testing::TempDir tmp_;
  testing::SplitOs split_{os_, {tmp_.path()}};
  ProviderConfig cfg_;
  std::unique_ptr<EvidenceProvider> provider_;
};

TEST_F(TdxMeasureTest, ExtendsRtmr3AndTheEvidenceLogReplaysToIt) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  FakeTsmMr mr(os_);
  RuntimeMeasurer m(split_, *provider_, options());
  ASSERT_TRUE(m.extend("github.com/confidential-containers", "PullImage", "busybox@sha256:ab"));
  ASSERT_TRUE(m.extend("attest-agent", "load", "{\"config\": \"/etc/app.toml\"}"));
  EXPECT_EQ(mr.extends(3), 2);
  EXPECT_EQ(mr.extends(0) + mr.extends(1) + mr.extends(2), 0);
  // Each measurement's pending record is gone once the log holds it.
  EXPECT_FALSE(std::filesystem::exists(m.pending_path()));

  auto ev = provider_->get_evidence(Bytes(48, 0xab));
  ASSERT_TRUE(ev) << ev.error().message;
  auto log = base64_decode(ev->json.at("cc_eventlog").get<std::string>(), Base64::Standard,
                           Padding::Required);
  ASSERT_TRUE(log);
  // trimmed CCEL (18101 bytes of the 256 KiB area) + the AAEL file + 8 x 0xFF
  const Bytes aael = log_file();
  ASSERT_EQ(log->size(), 18101 + aael.size() + 8);
  EXPECT_TRUE(std::equal(aael.begin(), aael.end(), log->begin() + 18101));
  EXPECT_TRUE(std::all_of(log->end() - 8, log->end(), [](std::uint8_t b) { return b == 0xFF; }));

  auto parsed = eventlog::parse_eventlog(*log);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto banks = eventlog::replay(*parsed);
  EXPECT_EQ(banks.at(tcg_id(HashAlg::Sha384)).at(4), mr.rtmr(3));  // Trustee's RTMR3 check

  // The record is the AAEL text the caller gave, on CC MR 4 (RTMR3).
  const auto& last = parsed->events.back();
  EXPECT_EQ(last.index, 4u);
  EXPECT_EQ(last.type, 6u);
  const std::string text(last.data.begin() + 8, last.data.end());
  EXPECT_EQ(text, "attest-agent load {\"config\": \"/etc/app.toml\"}");
  EXPECT_EQ(last.digests.at(0).value, sha384(last.data));
}

TEST_F(TdxMeasureTest, BadEventChangesNothing) {
  FakeTsmMr mr(os_);
  RuntimeMeasurer m(split_, *provider_, options());
  auto r = m.extend("domain", "op", "two\nlines");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_EQ(mr.extends(3), 0);
  EXPECT_FALSE(log_exists());
}

TEST_F(TdxMeasureTest, WithoutTsmMrItIsUnsupportedAndNothingIsLogged) {
  RuntimeMeasurer m(split_, *provider_, options());
  auto r = m.extend("domain", "op", "content");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unsupported);
  EXPECT_NE(r.error().message.find("tsm-mr"), std::string::npos) << r.error().message;
  EXPECT_FALSE(log_exists());
}

TEST_F(TdxMeasureTest, FailedExtendLeavesTheLogAlone) {
  FakeTsmMr mr(os_);
  os_.remove(cfg_.tdx_measurements_dir / "rtmr3:sha384");  // the kernel refuses (ENOENT here)
  RuntimeMeasurer m(split_, *provider_, options());
  auto r = m.extend("domain", "op", "content");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::NotFound);
  EXPECT_FALSE(log_exists());
}

TEST_F(TdxMeasureTest, TsmMrTakesExactly48Bytes) {
  FakeTsmMr mr(os_);
  auto short_digest = provider_->extend(17, Bytes(32, 1));
  ASSERT_FALSE(short_digest);
  EXPECT_EQ(short_digest.error().code, Code::InvalidArgument);
  ASSERT_TRUE(provider_->extend(17, Bytes(48, 1)));
  ASSERT_TRUE(provider_->extend(8, Bytes(48, 2)));  // PCR 8 -> RTMR2, as upstream maps it
  EXPECT_EQ(mr.extends(3), 1);
  EXPECT_EQ(mr.extends(2), 1);
  Bytes chain(48, 0);
  chain.insert(chain.end(), 48, 1);
  EXPECT_EQ(mr.rtmr(3), sha384(chain));
  auto read = provider_->read_register(17);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, mr.rtmr(3));
  EXPECT_EQ(mr.refused_writes(), 0);
}

TEST_F(TdxMeasureTest, DamagedLogIsNotAppendedTo) {
  FakeTsmMr mr(os_);
  std::filesystem::create_directories(cfg_.aael_path.parent_path());
  testing::write_text_file(cfg_.aael_path, "\x01\x02\x03");
  RuntimeMeasurer m(split_, *provider_, options());
  auto r = m.extend("domain", "op", "content");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  EXPECT_EQ(mr.extends(3), 0);
}

TEST_F(TdxMeasureTest, InitDataMatchingMrconfigidIsAccepted) {
  const Bytes digest = sha384(as_bytes(std::string_view(kInitData)));
  FakeTsmMr mr(os_, digest);
  auto r = bind_initdata(*provider_, kInitData);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, InitDataBinding::Matched);
}

TEST_F(TdxMeasureTest, InitDataMismatchIsRefusedNamingBothDigests) {
  const Bytes other(48, 0x5a);
  FakeTsmMr mr(os_, other);
  auto r = bind_initdata(*provider_, kInitData);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  const std::string ours = hex_encode(sha384(as_bytes(std::string_view(kInitData))));
  EXPECT_NE(r.error().message.find("MRCONFIGID is " + hex_encode(other)), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("sha384 digest is " + ours), std::string::npos)
      << r.error().message;
}

TEST_F(TdxMeasureTest, InitDataFromTheQuoteWithoutTsmMr) {
  // No tsm-mr and no /dev/tdx_guest: MRCONFIGID comes from a quote (the fake's is zero).
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto r = bind_initdata(*provider_, kInitData);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  EXPECT_NE(r.error().message.find("MRCONFIGID is " + std::string(96, '0')), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace attest::measure
