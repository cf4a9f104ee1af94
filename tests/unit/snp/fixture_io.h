// Fixture loading shared by the snp and azure unit tests (header-only; each test binary
// defines ATTEST_FIXTURES_DIR).
#pragma once

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/bytes.h"

namespace attest::testing {

inline Bytes read_fixture(const std::string& rel) {
  std::ifstream f(std::string(ATTEST_FIXTURES_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(f.good()) << "test error: missing fixture " << rel;
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// virtee's report_milan.hex is ASCII hex text (with a trailing newline).
inline Bytes read_hex_fixture(const std::string& rel) {
  std::string text = to_string(read_fixture(rel));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto bytes = hex_decode(text);
  EXPECT_TRUE(bytes) << "test error: " << rel << " is not hex";
  return bytes ? *bytes : Bytes{};
}

// Every certificate of a PEM bundle, as DER, in file order.
inline std::vector<Bytes> pem_fixture_to_der(const std::string& rel) {
  const Bytes pem = read_fixture(rel);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                &BIO_free);
  std::vector<Bytes> out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    if (len > 0) out.emplace_back(der, der + len);
    OPENSSL_free(der);
    X509_free(cert);
  }
  ERR_clear_error();  // the loop ends on PEM_R_NO_START_LINE
  EXPECT_FALSE(out.empty()) << "test error: no certificates in " << rel;
  return out;
}

inline Bytes hex(std::string_view text) {
  auto b = hex_decode(text);
  EXPECT_TRUE(b) << "test error: bad hex literal " << text;
  return b ? *b : Bytes{};
}

template <std::size_t N>
Bytes to_bytes(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

}  // namespace attest::testing
