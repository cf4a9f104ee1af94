// What a systemd LoadCredential= client tells us about itself, and which [[credentials]] entry
// answers it. Pure functions: the socket handling lives in credential_server.cpp.
//
// systemd (src/core/exec-credential.c `load_credential`, systemd/systemd@000d9ef2) reads a
// credential whose LoadCredential= path is an AF_UNIX stream socket by binding its client socket
// to the abstract address "@<random u64 in hex>/unit/<unit name>/<credential ID>" before it
// connects (src/basic/fileio.c `xfopenat_unix_socket`, systemd/systemd@015e2148: bind, connect,
// shutdown(SHUT_WR), read to EOF). getpeername() on the accepted socket returns that address.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agent/config/config.h"
#include "common/error.h"

namespace attest::api {

// systemd's CREDENTIAL_SIZE_MAX (src/shared/creds-util.h): it refuses a larger credential.
inline constexpr std::size_t kCredentialSizeMax = 1024 * 1024;

struct CredentialPeer {
  std::string unit;  // "foo.service"
  std::string id;    // the credential ID ("disk-key")
};

// `sun_path` is the peer address's sun_path bytes as getpeername() returned them (addrlen minus
// offsetof(sockaddr_un, sun_path)). Only an abstract name of exactly systemd's shape is accepted:
// a leading NUL, 1-16 lowercase hex digits, "/unit/", a unit name (1-255 of
// [A-Za-z0-9:_.\\@-] holding a '.'), '/', and a credential ID (1-255 printable ASCII bytes, no
// '/', not "." or ".."). Anything else (an unbound or path-bound peer, another layout) is
// InvalidArgument saying what was wrong; the message never repeats the raw bytes.
[[nodiscard]] Result<CredentialPeer> parse_credential_peer(std::span<const char> sun_path);

// The resource of the first entry whose `unit` glob (fnmatch(3), no flags) matches the unit
// and whose `id` equals the ID; nullopt when none does.
[[nodiscard]] std::optional<std::string> match_credential(
    std::span<const config::CredentialEntry> entries, const CredentialPeer& peer);

}  // namespace attest::api
