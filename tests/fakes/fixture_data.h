// Test support for parsers: read a copied fixture, and pick which truncation lengths and byte
// flips a robustness test tries. Header-only; ATTEST_FIXTURES_DIR comes from the test target.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace attest::testing {

// The bytes of tests/fixtures/<rel>; a missing file fails the test and returns empty.
inline Bytes fixture_bytes(const std::string& rel) {
  const std::string path = std::string(ATTEST_FIXTURES_DIR) + "/" + rel;
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    ADD_FAILURE() << "test error: cannot open fixture " << path;
    return {};
  }
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline std::string fixture_text(const std::string& rel) {
  const Bytes b = fixture_bytes(rel);
  return std::string(b.begin(), b.end());
}

// Truncation lengths in [0, size): every length below `dense_below`, every length within
// `radius` of each boundary, and a sparse stride elsewhere.
inline std::vector<std::size_t> truncation_lengths(std::size_t size, std::size_t dense_below,
                                                   const std::vector<std::size_t>& boundaries,
                                                   std::size_t radius = 16,
                                                   std::size_t stride = 1021) {
  std::set<std::size_t> out;
  for (std::size_t n = 0; n < std::min(size, dense_below); ++n) out.insert(n);
  for (std::size_t b : boundaries)
    for (std::size_t n = b > radius ? b - radius : 0; n <= b + radius && n < size; ++n)
      out.insert(n);
  for (std::size_t n = 0; n < size; n += stride) out.insert(n);
  return {out.begin(), out.end()};
}

// A copy of `in` with one byte in [0, limit) replaced by a random different value.
class ByteFlipper {
 public:
  explicit ByteFlipper(std::uint32_t seed) : rng_(seed) {}
  Bytes flip(const Bytes& in, std::size_t limit) {
    Bytes out = in;
    if (out.empty()) return out;
    std::uniform_int_distribution<std::size_t> pos(0, std::min(limit, out.size()) - 1);
    std::uniform_int_distribution<int> delta(1, 255);
    const std::size_t p = pos(rng_);
    out[p] = static_cast<std::uint8_t>(out[p] + delta(rng_));
    return out;
  }

 private:
  std::mt19937 rng_;
};

}  // namespace attest::testing
