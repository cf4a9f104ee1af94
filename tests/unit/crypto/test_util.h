// Shared by the crypto tests: fixture loading and the doc's known-answer key.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "agent/crypto/tee_key.h"
#include "common/bytes.h"

namespace attest::crypto::testing {

inline std::string read_fixture(const std::string& relative) {
  std::ifstream in(std::string(ATTEST_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Bytes hex(std::string_view s) {
  auto b = hex_decode(s);
  EXPECT_TRUE(b.has_value()) << s;
  return b ? *b : Bytes{};
}

// kbs-protocol.md §2.5 / §3.4: the client's P-256 private scalar.
inline constexpr std::string_view kDocClientD =
    "f9f8f33d218dc055152e872f0bde4d9fbc0cfdb0caa6c87029d6fe1982514b9e";

inline TeeKey doc_client_key() {
  auto k = TeeKey::from_ec_private_scalar(KeyAlg::EcP256, hex(kDocClientD));
  EXPECT_TRUE(k.has_value()) << (k ? "" : k.error().to_string());
  if (!k) std::abort();
  return std::move(*k);
}

inline std::string as_string(const SecureBuffer& b) {
  return {reinterpret_cast<const char*>(b.bytes().data()), b.size()};
}

}  // namespace attest::crypto::testing
