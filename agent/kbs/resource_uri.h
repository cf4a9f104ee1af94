// KBS resource addresses (kbs-protocol.md §5): `kbs:///repo/type/tag`, `kbs://host:port/repo/
// type/tag` and the bare `repo/type/tag` or `/repo/type/tag`, each with an optional `?query` passed
// through to the KBS (it reaches the resource policy as data.query).
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace attest::kbs {

struct ResourceUri {
  std::string authority;  // "host[:port]" from kbs://host:port/..., empty for kbs:/// and bare
  std::string repository;
  std::string type;
  std::string tag;
  std::string query;  // without the leading '?', may be empty

  // "repo/type/tag"
  std::string path() const;
  // "/kbs/v0/resource/repo/type/tag[?query]", appended to the KBS base URL.
  std::string request_path() const;
  // "kbs:///repo/type/tag[?query]" (authority kept when present).
  std::string to_string() const;
  bool operator==(const ResourceUri&) const = default;
};

// Exactly three segments, each matching [A-Za-z0-9_-][A-Za-z0-9_.-]* (what Trustee accepts), at
// most 255 characters each. The query may hold RFC 3986 query characters and %-escapes only
// (no spaces, controls, '#'). The authority is host or [v6] with an optional numeric port.
// Anything else is InvalidArgument naming the part that is wrong.
[[nodiscard]] Result<ResourceUri> parse_resource_uri(std::string_view text);

}  // namespace attest::kbs
