#include "agent/api/credential_peer.h"

#include <fnmatch.h>

namespace attest::api {
namespace {

constexpr std::size_t kMaxName = 255;  // NAME_MAX for the ID, UNIT_NAME_MAX - 1 for the unit
constexpr std::size_t kMaxRandomHex = 16;
constexpr std::string_view kUnitMarker = "/unit/";

Result<CredentialPeer> bad(std::string_view why) {
  return fail(Code::InvalidArgument, "credential peer address " + std::string(why));
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_unit_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '_' || c == '.' || c == '\\' || c == '@' || c == '-';
}

}  // namespace

Result<CredentialPeer> parse_credential_peer(std::span<const char> sun_path) {
  if (sun_path.empty()) return bad("is unnamed (the client did not bind)");
  if (sun_path[0] != '\0') return bad("is a filesystem path, not an abstract name");
  std::string_view name(sun_path.data() + 1, sun_path.size() - 1);

  std::size_t hex = 0;
  while (hex < name.size() && is_lower_hex(name[hex])) ++hex;
  if (hex == 0 || hex > kMaxRandomHex) return bad("does not start with 1-16 hex digits");
  name.remove_prefix(hex);
  if (!name.starts_with(kUnitMarker)) return bad("lacks \"/unit/\" after the random part");
  name.remove_prefix(kUnitMarker.size());

  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return bad("has no credential ID after the unit");
  const std::string_view unit = name.substr(0, slash);
  const std::string_view id = name.substr(slash + 1);

  if (unit.empty() || unit.size() > kMaxName) return bad("has a unit name of bad length");
  for (char c : unit)
    if (!is_unit_char(c)) return bad("has a character not allowed in a unit name");
  if (unit.find('.') == std::string_view::npos || unit.front() == '.')
    return bad("has a unit name without a type suffix");

  if (id.empty() || id.size() > kMaxName) return bad("has a credential ID of bad length");
  if (id == "." || id == "..") return bad("has \".\" or \"..\" as credential ID");
  for (char c : id)
    if (c <= ' ' || c > '~' || c == '/')
      return bad("has a credential ID with a '/', a space or a non-ASCII byte");
  return CredentialPeer{std::string(unit), std::string(id)};
}

std::optional<std::string> match_credential(std::span<const config::CredentialEntry> entries,
                                            const CredentialPeer& peer) {
  for (const auto& e : entries)
    if (e.id == peer.id && ::fnmatch(e.unit.c_str(), peer.unit.c_str(), 0) == 0) return e.resource;
  return std::nullopt;
}

}  // namespace attest::api
