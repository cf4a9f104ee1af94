#include "agent/config/agent_values.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>

namespace attest::config {
namespace {

std::string octal(mode_t m) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%04o", static_cast<unsigned>(m & 07777));
  return buf.data();
}

}  // namespace

Result<mode_t> parse_mode(std::string_view text) {
  const bool four = text.size() == 4;
  if (!(text.size() == 3 || four))
    return fail(Code::InvalidArgument, quoted(text) + " is not an octal mode like \"0640\"");
  mode_t m = 0;
  for (char c : text) {
    if (c < '0' || c > '7')
      return fail(Code::InvalidArgument, quoted(text) + " is not an octal mode like \"0640\"");
    m = static_cast<mode_t>(m * 8 + static_cast<mode_t>(c - '0'));
  }
  if ((m & (S_ISUID | S_ISGID | S_ISVTX)) != 0)
    return fail(Code::InvalidArgument,
                quoted(text) + " sets setuid, setgid or sticky bits; refusing them");
  return m;
}

Result<mode_t> parse_secret_mode(std::string_view text) {
  auto m = parse_mode(text);
  if (!m) return m;
  if ((*m & (S_IWGRP | S_IWOTH)) != 0)
    return fail(Code::InvalidArgument, octal(*m) +
                                           " lets group or others write a secret file; use "
                                           "at most 0644 (default 0400)");
  return m;
}

Result<LoopbackListen> parse_loopback_listen(std::string_view text) {
  const auto refuse = [&](std::string_view why) {
    return fail(Code::InvalidArgument, quoted(text) + " " + std::string(why));
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    return refuse("needs a port: \"127.0.0.1:8006\" or \"[::1]:8006\"");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned long port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) return refuse("has an invalid port (1..65535)");
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port == 0 || port > 65535) return refuse("has an invalid port (1..65535)");
  LoopbackListen out;
  out.port = static_cast<std::uint16_t>(port);
  if (host.starts_with('[') && host.ends_with(']')) {
    const std::string inner(host.substr(1, host.size() - 2));
    in6_addr a6{};
    if (::inet_pton(AF_INET6, inner.c_str(), &a6) != 1)
      return refuse("has an invalid IPv6 address");
    if (!IN6_IS_ADDR_LOOPBACK(&a6)) return refuse("is not a loopback address (want [::1])");
    out.address = "::1";
    out.ipv6 = true;
    return out;
  }
  const std::string v4(host);
  in_addr a4{};
  // inet_pton takes dotted-quad only (no "127.1", no hex), so what passes is what it looks like.
  if (::inet_pton(AF_INET, v4.c_str(), &a4) != 1)
    return refuse("is not an IP address and port (names like localhost are refused)");
  if ((ntohl(a4.s_addr) >> 24) != 127) return refuse("is not a loopback address (127.0.0.0/8)");
  out.address = v4;
  return out;
}

bool credential_id_valid(std::string_view id) {
  if (id.empty() || id.size() > 255 || id == "." || id == "..") return false;
  for (char c : id)
    if (c < ' ' || c >= 127 || c == '/' || c == ':') return false;
  return true;
}

}  // namespace attest::config
