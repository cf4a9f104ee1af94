// Arm CCA evidence through the fake configfs-tsm.
#include "providers/cca/cca_provider.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_evidence.h"
#include "tests/fakes/fake_tsm.h"

namespace attest {
namespace {

using testing::FakeOs;
using testing::FakeTsm;
using testing::TsmProvider;

class CcaProviderTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(os_.open_handles(), 0); }

  Result<Evidence> get_evidence(ByteView rd) {
    auto provider = make_provider(TeeKind::Cca, os_, cfg_);
    if (!provider) return std::unexpected(provider.error());
    return (*provider)->get_evidence(rd);
  }

  FakeOs os_;
  ProviderConfig cfg_;
};

TEST_F(CcaProviderTest, TokenCarriesTheChallengeAndJsonIsAnIntArray) {
  FakeTsm tsm(os_, TsmProvider::ArmCcaGuest);
  Bytes challenge(32);
  for (std::size_t i = 0; i < challenge.size(); ++i) challenge[i] = static_cast<std::uint8_t>(i);
  auto ev = get_evidence(challenge);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->tee, TeeKind::Cca);
  Bytes padded = challenge;
  padded.resize(64, 0);
  EXPECT_EQ(tsm.last_inblob(), padded);
  EXPECT_EQ(ev->raw, testing::make_cca_token(padded));
  // CBOR tag 399 at the start, the challenge inside the realm token.
  ASSERT_GE(ev->raw.size(), 3u);
  EXPECT_EQ(ev->raw[0], 0xD9);
  EXPECT_EQ(ev->raw[1], 0x01);
  EXPECT_EQ(ev->raw[2], 0x8F);
  EXPECT_NE(std::search(ev->raw.begin(), ev->raw.end(), padded.begin(), padded.end()),
            ev->raw.end());
  ASSERT_TRUE(ev->json.is_object());
  EXPECT_EQ(ev->json.size(), 1u);
  const auto& token = ev->json.at("token");
  ASSERT_TRUE(token.is_array());
  ASSERT_EQ(token.size(), ev->raw.size());
  for (std::size_t i = 0; i < token.size(); ++i) EXPECT_EQ(token[i].get<int>(), ev->raw[i]);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

TEST_F(CcaProviderTest, NoConfigfsIsNotFound) {
  auto ev = get_evidence(Bytes(32, 1));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::NotFound);
}

TEST_F(CcaProviderTest, OtherProviderIsNotFound) {
  FakeTsm tsm(os_, TsmProvider::TdxGuest);
  auto ev = get_evidence(Bytes(32, 1));
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, Code::NotFound);
  EXPECT_EQ(tsm.live_entries(), 0u);
}

}  // namespace
}  // namespace attest
