// RFC 8785 JSON Canonicalization Scheme (JCS). The KBS runtime-data binding hashes this exact
// serialization (kbs-protocol.md §2.2), so every byte matters.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace attest::crypto {

// Object members sorted by their names' UTF-16 code units, no whitespace, strings escaped
// minimally (\" \\ \b \f \n \r \t, other controls as \u00xx lowercase, '/' and non-ASCII raw).
// Numbers: integers up to 2^53 in magnitude are written exactly; larger integers are refused as
// Unsupported (ECMAScript would round them); floating-point values are written in the
// ECMAScript Number::toString form from their shortest round-trip digits (RFC 8785 §3.2.2.3).
// NaN/Infinity and binary values -> Unsupported. Invalid UTF-8 in a name or string -> Corrupt.
[[nodiscard]] Result<std::string> canonicalize(const nlohmann::json& value);

}  // namespace attest::crypto
