// KBS resource addresses (kbs-protocol.md §5): `kbs:///repo/type/tag`, `kbs://host:port/repo/
// type/tag` and the bare `repo/type/tag`, each with an optional `?query` passed through to the
// KBS (it reaches the resource policy as data.query).
//
// `kbs+<plugin>:///seg/...` addresses another KBS plugin, as guest-components does
// (confidential-containers/guest-components@8246e5e0,
// attestation-agent/deps/resource_uri/src/lib.rs: the scheme's suffix is the plugin name,
// `kbs://` is the plugin `resource`, and the client GETs /kbs/v0/<plugin>/<path>, see
// kbs_protocol/src/client/rcar_client.rs). Trustee's `provisioner` plugin serves root-disk keys
// as `kbs+provisioner:///default/<uuid>/root` (confidential-containers/trustee@78962cd4,
// kbs/src/plugins/implementations/provisioner/mod.rs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace attest::kbs {

inline constexpr std::string_view kResourcePlugin = "resource";

struct ResourceUri {
  std::string authority;   // "host[:port]" from kbs://host:port/..., empty for kbs:/// and bare
  std::string repository;  // the `resource` plugin's three segments
  std::string type;
  std::string tag;
  std::string query;  // without the leading '?', may be empty
  // The KBS plugin that serves it: "resource" for kbs://, <plugin> for kbs+<plugin>://.
  std::string plugin = std::string(kResourcePlugin);
  // Another plugin's path, 1 to 16 segments; empty for the resource plugin (repository/type/tag).
  std::vector<std::string> plugin_path;

  bool is_resource_plugin() const { return plugin == kResourcePlugin; }
  // The name in messages, access rules and caches. "repo/type/tag" for the resource plugin;
  // "<plugin>:seg/seg" for another one, so that kbs+provisioner:///default/x/root never looks
  // like (or matches a glob for) the resource default/x/root.
  std::string path() const;
  // "/kbs/v0/<plugin>/<segments>[?query]", appended to the KBS base URL.
  std::string request_path() const;
  // "kbs:///repo/type/tag[?query]" or "kbs+<plugin>:///seg/...[?query]" (authority kept).
  std::string to_string() const;
  bool operator==(const ResourceUri&) const = default;
};

// The resource plugin takes exactly three segments, each matching
// [A-Za-z0-9_-][A-Za-z0-9_.-]* (what Trustee accepts), at most 255 characters each; another
// plugin takes 1 to 16 such segments. A plugin name is [a-z0-9][a-z0-9_-]* (at most 64); the KBS's
// own endpoints (auth, attest, and the admin ones) are not plugins and are refused. The query may
// hold RFC 3986 query characters and %-escapes only (no spaces, controls, '#'). The authority is
// host or [v6] with an optional numeric port. Anything else is InvalidArgument naming the part
// that is wrong.
[[nodiscard]] Result<ResourceUri> parse_resource_uri(std::string_view text);

}  // namespace attest::kbs
