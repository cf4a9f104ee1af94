#include "providers/tpm/pcr.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "tests/fakes/swtpm.h"

namespace attest::tpm {
namespace {

using testing::run_command;
using testing::SwtpmTest;

TEST(PcrSelection, ParsesTpm2ToolsSyntax) {
  auto sel = parse_pcr_selection("sha256:7,0,1,1+sha1:all");
  ASSERT_TRUE(sel) << sel.error().message;
  ASSERT_EQ(sel->size(), 2u);
  EXPECT_EQ((*sel)[0].alg, TPM2_ALG_SHA256);
  EXPECT_EQ((*sel)[0].indices, (std::vector<unsigned>{0, 1, 7}));
  EXPECT_EQ((*sel)[1].alg, TPM2_ALG_SHA1);
  EXPECT_EQ((*sel)[1].indices.size(), 24u);
  EXPECT_EQ(pcr_selection_string(*sel), "sha256:0,1,7+sha1:all");
}

TEST(PcrSelection, RejectsMalformedSpecs) {
  for (const char* bad : {"sha256", "sha999:1", "sha256:24", "sha256:1,,2", "sha256:", "sha256:-1",
                          "sha256:1+sha256:2", "sha256:0x1"}) {
    auto sel = parse_pcr_selection(bad);
    ASSERT_FALSE(sel) << bad;
    EXPECT_EQ(sel.error().code, Code::InvalidArgument) << bad;
  }
}

TEST(PcrSelection, ToTpmlSetsBitmaps) {
  auto sel = parse_pcr_selection("sha256:0,9,23");
  ASSERT_TRUE(sel);
  auto tpml = to_tpml(*sel);
  ASSERT_TRUE(tpml);
  ASSERT_EQ(tpml->count, 1u);
  EXPECT_EQ(tpml->pcrSelections[0].hash, TPM2_ALG_SHA256);
  EXPECT_EQ(tpml->pcrSelections[0].sizeofSelect, 3);
  EXPECT_EQ(tpml->pcrSelections[0].pcrSelect[0], 0x01);
  EXPECT_EQ(tpml->pcrSelections[0].pcrSelect[1], 0x02);
  EXPECT_EQ(tpml->pcrSelections[0].pcrSelect[2], 0x80);
}

class PcrSwtpm : public SwtpmTest {};

TEST_F(PcrSwtpm, FreshSwtpmHasFourBanks) {
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys) << esys.error().message;
  auto banks = allocated_pcr_banks(*esys);
  ASSERT_TRUE(banks) << banks.error().message;
  EXPECT_EQ(pcr_selection_string(*banks), "sha1:all+sha256:all+sha384:all+sha512:all");
}

// 96 PCRs take 12 PCR_Read calls (8 digests each); the CLI's text must equal tpm2_pcrread's.
TEST_F(PcrSwtpm, ReadAllBanksEqualsTpm2Pcrread) {
  ASSERT_EQ(
      tpm2("pcrextend 16:sha1=" + std::string(40, 'a') + ",sha256=" + std::string(64, 'b')).first,
      0);
  const auto [ours_status, ours] =
      run_command(std::string(ATTEST_CLI_BINARY) + " pcr read --tcti " + tcti());
  const auto [theirs_status, theirs] = tpm2("pcrread");
  ASSERT_EQ(ours_status, 0);
  ASSERT_EQ(theirs_status, 0);
  EXPECT_EQ(ours, theirs);
  EXPECT_NE(ours.find("    16: 0x"), std::string::npos);
}

TEST_F(PcrSwtpm, ReadSelectionEqualsTpm2Pcrread) {
  const std::string spec = "sha512:23,0+sha256:17,16,1";
  const auto [ours_status, ours] =
      run_command(std::string(ATTEST_CLI_BINARY) + " pcr read " + spec + " --tcti " + tcti());
  const auto [theirs_status, theirs] = tpm2("pcrread " + spec);
  ASSERT_EQ(ours_status, 0);
  ASSERT_EQ(theirs_status, 0);
  EXPECT_EQ(ours, theirs);
}

TEST_F(PcrSwtpm, ReadReturnsValuesInSelectionOrder) {
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys);
  auto sel = parse_pcr_selection("sha256:0,17");
  ASSERT_TRUE(sel);
  auto banks = pcr_read(*esys, *sel);
  ASSERT_TRUE(banks) << banks.error().message;
  ASSERT_EQ(banks->size(), 1u);
  ASSERT_EQ((*banks)[0].values.size(), 2u);
  EXPECT_EQ((*banks)[0].values[0].index, 0u);
  EXPECT_EQ((*banks)[0].values[0].digest, Bytes(32, 0x00));
  // PCRs 17-22 (D-RTM) start as all ones after TPM2_Startup.
  EXPECT_EQ((*banks)[0].values[1].index, 17u);
  EXPECT_EQ((*banks)[0].values[1].digest, Bytes(32, 0xff));
}

// swtpm does not implement SM3 at all: the TPM answers TPM_RC_HASH.
TEST_F(PcrSwtpm, UnimplementedBankIsUnsupported) {
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys);
  auto sel = parse_pcr_selection("sm3_256:0");
  ASSERT_TRUE(sel);
  auto banks = pcr_read(*esys, *sel);
  ASSERT_FALSE(banks);
  EXPECT_EQ(banks.error().code, Code::Unsupported);
  EXPECT_EQ(banks.error().message.rfind("tpm/esys: PCR_Read: ", 0), 0u) << banks.error().message;
}

TEST_F(PcrSwtpm, ExtendIsSha256OfOldValueAndDigest) {
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys);
  const PcrSelection sel{{TPM2_ALG_SHA256, {16}}};
  Bytes expected(32, 0);  // PCR 16 is resettable and starts at zero
  for (std::uint8_t round = 1; round <= 3; ++round) {
    const Bytes digest(32, round);
    ASSERT_TRUE(pcr_extend(*esys, 16, digest));
    Bytes both = expected;
    both.insert(both.end(), digest.begin(), digest.end());
    SHA256(both.data(), both.size(), expected.data());
    auto banks = pcr_read(*esys, sel);
    ASSERT_TRUE(banks);
    EXPECT_EQ((*banks)[0].values[0].digest, expected) << "round " << int(round);
  }
  auto [status, text] = tpm2("pcrread sha256:16");
  ASSERT_EQ(status, 0);
  EXPECT_NE(text.find(hex_encode(expected, true)), std::string::npos);
}

TEST_F(PcrSwtpm, ExtendRejectsBadArguments) {
  auto esys = Esys::open(tcti());
  ASSERT_TRUE(esys);
  auto r = pcr_extend(*esys, 24, Bytes(32, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  r = pcr_extend(*esys, 16, Bytes(31, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_EQ(r.error().message, "tpm/esys: a SHA-256 PCR extend takes 32 bytes, not 31");
}

TEST(EsysOpen, NothingListeningIsNotFound) {
  // Port 1 on loopback: nothing listens there, so the TCTI cannot connect.
  auto esys = Esys::open("swtpm:host=127.0.0.1,port=1");
  ASSERT_FALSE(esys);
  EXPECT_EQ(esys.error().code, Code::NotFound);
  EXPECT_EQ(esys.error().message.rfind("tpm/esys: opening TCTI 'swtpm:host=127.0.0.1,port=1': ", 0),
            0u)
      << esys.error().message;
}

TEST(EsysRc, CodesFollowWhatTheCallerShouldDo) {
  EXPECT_EQ(code_for_rc(TPM2_RC_HANDLE | TPM2_RC_P | TPM2_RC_1), Code::NotFound);
  EXPECT_EQ(code_for_rc(TPM2_RC_NV_DEFINED), Code::FailedPrecondition);
  EXPECT_EQ(code_for_rc(TPM2_RC_OBJECT_MEMORY), Code::Unavailable);
  EXPECT_EQ(code_for_rc(TPM2_RC_BAD_AUTH | TPM2_RC_S | TPM2_RC_1), Code::PermissionDenied);
  EXPECT_EQ(code_for_rc(TSS2_ESYS_RC_BAD_VALUE), Code::InvalidArgument);
  EXPECT_EQ(code_for_rc(TSS2_TCTI_RC_IO_ERROR), Code::Unavailable);
  auto e = fail_rc(TPM2_RC_OBJECT_MEMORY, "Quote");
  EXPECT_EQ(e.error().message.rfind("tpm/esys: Quote: ", 0), 0u);
  EXPECT_NE(e.error().message.find("(0x902)"), std::string::npos);
}

}  // namespace
}  // namespace attest::tpm
