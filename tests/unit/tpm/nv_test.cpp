#include "providers/tpm/nv.h"

#include <gtest/gtest.h>

#include "tests/fakes/swtpm.h"

namespace attest::tpm {
namespace {

using testing::run_command;

class NvSwtpm : public testing::SwtpmTest {
 protected:
  void SetUp() override {
    SwtpmTest::SetUp();
    if (HasFatalFailure()) return;
    auto esys = Esys::open(tcti());
    ASSERT_TRUE(esys) << esys.error().message;
    esys_ = std::make_unique<Esys>(std::move(*esys));
  }
  void TearDown() override {
    esys_.reset();
    SwtpmTest::TearDown();
  }
  std::unique_ptr<Esys> esys_;
};

Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

// 2000 bytes take two NV_Read/NV_Write calls at swtpm's TPM2_PT_NV_BUFFER_MAX of 1024.
TEST_F(NvSwtpm, ChunkedWriteAndReadRoundTrip) {
  const TPM2_HANDLE index = 0x01500010;
  ASSERT_TRUE(nv_define(*esys_, index, 2000));
  const Bytes data = pattern(2000);
  auto w = nv_write(*esys_, index, data);
  ASSERT_TRUE(w) << w.error().message;
  auto r = nv_read(*esys_, index);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, data);
  // tpm2-tools reads the same bytes.
  auto [status, out] = run_command("tpm2_nvread " + handle_hex(index) + " -C o --tcti=" + tcti() +
                                   " 2>/dev/null | od -An -v -tx1 | tr -d ' \\n'");
  ASSERT_EQ(status, 0);
  EXPECT_EQ(out, hex_encode(data));
}

TEST_F(NvSwtpm, DefineTwiceIsFailedPreconditionAndUndefineRemoves) {
  const TPM2_HANDLE index = 0x01500011;
  ASSERT_TRUE(nv_define(*esys_, index, 16));
  auto again = nv_define(*esys_, index, 16);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Code::FailedPrecondition);
  ASSERT_TRUE(nv_undefine(*esys_, index));
  auto exists = nv_exists(*esys_, index);
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists);
}

TEST_F(NvSwtpm, UndefinedIndexIsNotFound) {
  auto r = nv_read(*esys_, 0x01500012);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::NotFound);
  EXPECT_EQ(r.error().message, "tpm/esys: NV index 0x01500012 is not defined");
}

TEST_F(NvSwtpm, WriteLargerThanIndexIsInvalid) {
  const TPM2_HANDLE index = 0x01500013;
  ASSERT_TRUE(nv_define(*esys_, index, 8));
  auto w = nv_write(*esys_, index, pattern(9));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Code::InvalidArgument);
}

// An index readable only with its own auth value (no owner read) is read with the index auth.
TEST_F(NvSwtpm, AuthReadIndexIsReadWithItsOwnAuth) {
  const TPM2_HANDLE index = 0x01500014;
  ASSERT_TRUE(nv_define(*esys_, index, 4, TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE));
  ASSERT_TRUE(nv_write(*esys_, index, Bytes{1, 2, 3, 4}));
  auto r = nv_read(*esys_, index);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (Bytes{1, 2, 3, 4}));
}

TEST_F(NvSwtpm, EkCertificateAbsentOnFreshSwtpmThenRead) {
  auto none = ek_certificate(*esys_, AkAlg::Rsa);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->has_value());
  // Stand-in certificate bytes where a manufacturer would provision the RSA EK certificate.
  const Bytes cert = pattern(1200);
  ASSERT_TRUE(nv_define(*esys_, kEkCertRsaIndex, static_cast<std::uint16_t>(cert.size())));
  ASSERT_TRUE(nv_write(*esys_, kEkCertRsaIndex, cert));
  auto got = ek_certificate(*esys_, AkAlg::Rsa);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, cert);
  auto ecc = ek_certificate(*esys_, AkAlg::Ecc);
  ASSERT_TRUE(ecc);
  EXPECT_FALSE(ecc->has_value());
}

}  // namespace
}  // namespace attest::tpm
