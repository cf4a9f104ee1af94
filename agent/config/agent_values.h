// Pure parsers for the values of the daemon's config keys, shared by the loader and by the
// modules that use them (the socket server binds rest_listen with parse_loopback_listen). Each
// error message says what is wrong with the value; the loader adds file:line and the key.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace attest::config {

// A mode written as an octal string, "0660" or "660" (a string, because TOML has no octal
// literal with a leading 0 and 660 as an integer would be decimal). setuid, setgid and sticky
// bits are refused: they mean nothing for a socket and something dangerous for a secret file.
[[nodiscard]] Result<mode_t> parse_mode(std::string_view text);
// A secret file's mode: parse_mode, and never writable by group or others.
[[nodiscard]] Result<mode_t> parse_secret_mode(std::string_view text);

struct LoopbackListen {
  std::string address;  // "127.0.0.1", "::1" (no brackets)
  std::uint16_t port = 0;
  bool ipv6 = false;
};
// "127.x.y.z:PORT" (127.0.0.0/8) or "[::1]:PORT"; PORT 1..65535. Anything else, names
// ("localhost") and 0.0.0.0 included, is refused: this listener has no peer uid to check, so
// only processes of this VM (its pods) may reach it.
[[nodiscard]] Result<LoopbackListen> parse_loopback_listen(std::string_view text);

// systemd's credential ID rules, credential_name_valid() = filename_is_valid() &&
// fdname_is_valid() (systemd/systemd src/shared/creds-util.c 6c2fa89e2cb3,
// src/basic/fd-util.c d858a84a336a): 1..255 printable ASCII characters, no '/', no ':',
// not "." or "..".
[[nodiscard]] bool credential_id_valid(std::string_view id);

}  // namespace attest::config
