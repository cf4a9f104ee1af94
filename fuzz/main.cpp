// The libFuzzer entry points of attest_fuzz: dispatch to the target the binary is named after
// (build-fuzz/fuzz/fuzz_<name> are symlinks to attest_fuzz), or to $ATTEST_FUZZ_TARGET.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "fuzz/fuzz_support.h"

namespace {
const attest::fuzz::Target* g_target = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  std::string_view name;
  if (const char* env = std::getenv("ATTEST_FUZZ_TARGET")) name = env;
  if (name.empty() && *argc > 0) {
    name = (*argv)[0];
    if (const auto slash = name.rfind('/'); slash != std::string_view::npos)
      name.remove_prefix(slash + 1);
    if (name.starts_with("fuzz_")) name.remove_prefix(5);
  }
  for (const auto& t : attest::fuzz::registry())
    if (name == t.name) g_target = &t;
  if (g_target == nullptr) {
    std::fprintf(stderr,
                 "attest_fuzz: no target '%.*s'; run as fuzz_<target> or set "
                 "ATTEST_FUZZ_TARGET to one of:",
                 static_cast<int>(name.size()), name.data());
    for (const auto& t : attest::fuzz::registry()) std::fprintf(stderr, " %s", t.name);
    std::fprintf(stderr, "\n");
    std::exit(2);
  }
  if (g_target->init != nullptr) g_target->init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_target->run(data, size);
  return 0;
}
