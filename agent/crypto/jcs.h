// RFC 8785 JSON Canonicalization Scheme (JCS). The KBS runtime-data binding hashes this exact
// serialization (kbs-protocol.md §2.2), so every byte matters.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace attest::crypto {

// Object members sorted by their names' UTF-16 code units, no whitespace, strings escaped
// minimally (\" \\ \b \f \n \r \t, other controls as \u00xx lowercase, '/' and non-ASCII raw).
// Numbers: integers are written exactly; a non-integral double or one whose magnitude reaches
// 2^53 is written in the ECMAScript Number::toString shortest round-trip form; NaN/Inf cannot
// occur in JSON and are rejected as Unsupported. Invalid UTF-8 in a key or string -> Corrupt.
[[nodiscard]] Result<std::string> canonicalize(const nlohmann::json& value);

}  // namespace attest::crypto
