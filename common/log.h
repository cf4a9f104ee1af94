// The daemon's log: one line per event on stderr, prefixed with the syslog priority in the form
// journald understands ("<3>..."; sd-daemon(3)), so that systemd files each line at the right
// level without a logging library. Messages never carry secrets: callers log resource paths,
// uids and error codes, never values.
#pragma once

#include <string_view>

#include "common/error.h"

namespace attest::log {

// syslog priorities (sd-daemon.h SD_ERR .. SD_DEBUG).
enum class Level : int { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// "error", "warning", "notice", "info", "debug"; anything else is InvalidArgument.
[[nodiscard]] Result<Level> parse_level(std::string_view name);
std::string_view level_name(Level level) noexcept;

// Lines above this level are dropped. Default: Info. Thread-safe.
void set_level(Level level) noexcept;
Level level() noexcept;

// Writes "<N>message\n" to stderr in one write(2), so concurrent lines never interleave.
// Control characters in the message are escaped (a hostile resource name cannot forge lines).
void write(Level level, std::string_view message) noexcept;

inline void error(std::string_view m) noexcept { write(Level::Error, m); }
inline void warning(std::string_view m) noexcept { write(Level::Warning, m); }
inline void notice(std::string_view m) noexcept { write(Level::Notice, m); }
inline void info(std::string_view m) noexcept { write(Level::Info, m); }
inline void debug(std::string_view m) noexcept { write(Level::Debug, m); }

}  // namespace attest::log
