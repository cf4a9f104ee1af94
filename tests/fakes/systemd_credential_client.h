// The client side of systemd's LoadCredential= on an AF_UNIX socket, as systemd does it
// (src/basic/fileio.c `xfopenat_unix_socket` @015e2148): bind the client to the abstract name
// "\0<random>/unit/<unit>/<ID>", connect to the socket path, shut down the write side, read
// until EOF. Used by the in-process credential server tests and by the ones against the real
// attest-agent binary.
#pragma once

#include <filesystem>
#include <string>

namespace attest::testing {

// Binds `bind_name` ("" = leave unbound; leading '@' = abstract, as systemd's
// sockaddr_un_set_path; else a filesystem path), connects, SHUT_WR. Returns the fd (the
// failures are gtest failures).
int connect_as(const std::filesystem::path& socket_path, const std::string& bind_name);
// Reads until EOF and closes `fd`.
std::string read_to_eof(int fd);
// What systemd would put in $CREDENTIALS_DIRECTORY/<id> for `unit` ("" when nothing came).
std::string load_credential(const std::filesystem::path& socket_path, const std::string& unit,
                            const std::string& id);

}  // namespace attest::testing
