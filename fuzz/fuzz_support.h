// Shared by the libFuzzer targets in fuzz/targets/: the invariants every parser must keep on any
// input, checked with abort() so that libFuzzer records the input as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::fuzz {

inline ByteView input(const std::uint8_t* data, std::size_t size) { return {data, size}; }
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property that must hold for every input; a violation is a finding, like a sanitizer report.
[[noreturn]] inline void violated(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant violated at %s:%d: %s\n", file, line, what);
  std::abort();
}
#define ATTEST_FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::attest::fuzz::violated(#cond, __FILE__, __LINE__))

// Every refusal must tell a person what was wrong (style.md §2): an empty message is a bug.
template <class T>
void check_error_named(const Result<T>& r) {
  if (!r) ATTEST_FUZZ_CHECK(!r.error().message.empty());
}

// One libFuzzer entry point per input. Every target registers itself here; fuzz/main.cpp picks
// the one named by the binary (fuzz_<name>, a symlink to attest_fuzz) or by ATTEST_FUZZ_TARGET.
// One binary for all targets keeps the ASan + coverage build of the harness to a single
// (unity) compile and a single link.
using TargetFn = void (*)(const std::uint8_t* data, std::size_t size);
using InitFn = void (*)();
struct Target {
  const char* name;
  TargetFn run;
  InitFn init;  // may be null: one-time setup (keys, files) before the first input
};
inline std::vector<Target>& registry() {
  static std::vector<Target> targets;
  return targets;
}
inline bool register_target(const char* name, TargetFn run, InitFn init = nullptr) {
  registry().push_back({name, run, init});
  return true;
}

}  // namespace attest::fuzz

// ATTEST_FUZZ_TARGET(tdx_quote) { ...body using `data` and `size`... }
#define ATTEST_FUZZ_TARGET(name)                                              \
  static void attest_fuzz_##name(const std::uint8_t* data, std::size_t size); \
  [[maybe_unused]] static const bool attest_fuzz_registered_##name =          \
      ::attest::fuzz::register_target(#name, attest_fuzz_##name);             \
  static void attest_fuzz_##name([[maybe_unused]] const std::uint8_t* data,   \
                                 [[maybe_unused]] std::size_t size)
