// Shared by the micro benchmarks: fixture bytes (ATTEST_FIXTURES_DIR from bench/CMakeLists.txt).
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "common/bytes.h"

namespace attest::bench {

// The bytes of tests/fixtures/<rel>; empty when the file is missing (the benchmark then reports
// an error instead of a figure).
inline Bytes fixture(const std::string& rel) {
  std::ifstream f(std::string(ATTEST_FIXTURES_DIR) + "/" + rel, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace attest::bench
