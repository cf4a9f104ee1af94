// A pre-scan that bounds JSON nesting before a DOM parser sees the text. nlohmann's parser is
// iterative, so depth costs no stack, but each level is a heap node: 8 MiB of '[' from a hostile
// KBS grew to about 650 MB (issue 9). Answers we parse are a few levels deep.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/error.h"

namespace attest {

// Deep enough for every KBS, token, JWE and IMDS answer (EAR tokens nest about 8 levels).
inline constexpr std::size_t kMaxJsonDepth = 64;

// Corrupt ("<what>: JSON nested deeper than N levels at byte B") when arrays/objects nest deeper
// than max_depth. Brackets inside strings do not count; the text is not otherwise validated.
[[nodiscard]] Result<void> check_json_depth(std::string_view text, std::string_view what,
                                            std::size_t max_depth = kMaxJsonDepth);

}  // namespace attest
