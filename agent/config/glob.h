// The globs of the config file: [[access]] resources (over "repo/type/tag") and
// [[credentials]] unit (over systemd unit names). Deliberately small: '*' matches any run of
// characters and '?' exactly one, neither crossing a '/'; no character classes, no escapes,
// no "**". Validated at load so that a pattern the matcher would read differently from its
// author (a '[', a space, a fourth segment) is an error, not a rule that silently never matches.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace attest::config {

// Exactly three '/'-separated, non-empty segments of [A-Za-z0-9_.-] and '*' '?', at most 255
// characters each (Trustee's resource segment alphabet, kbs::parse_resource_uri). The message
// says what is wrong, without the location (the caller adds file:line).
[[nodiscard]] Result<void> validate_resource_glob(std::string_view pattern);

// A systemd unit name with wildcards: [A-Za-z0-9:_.\@-] and '*' '?', 1..256 characters (the
// characters systemd allows in unit names: systemd/systemd src/basic/unit-name.c VALID_CHARS).
[[nodiscard]] Result<void> validate_unit_glob(std::string_view pattern);

// Whether `text` matches `pattern` (validated or not: an invalid pattern simply matches what
// its characters say). Linear in practice: one backtrack point per segment.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace attest::config
