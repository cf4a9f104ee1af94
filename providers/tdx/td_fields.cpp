#include "providers/tdx/td_fields.h"

namespace attest::tdx {

std::uint64_t bits_value(const Bits64& b) { return load_le64(b.data()); }

nlohmann::json td_attributes_flags(const Bits64& attributes) {
  const std::uint64_t v = bits_value(attributes);
  auto bit = [v](int n) { return ((v >> n) & 1U) != 0; };
  return {{"debug", bit(0)},
          {"sept_ve_disable", bit(28)},
          {"pks", bit(30)},
          {"kl", bit(31)},
          {"perfmon", bit(63)}};
}

}  // namespace attest::tdx
