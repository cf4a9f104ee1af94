#include "agent/kbs/resource_uri.h"

#include <array>
#include <vector>

namespace attest::kbs {
namespace {

constexpr std::size_t kMaxSegment = 255;
constexpr std::size_t kMaxQuery = 2048;
constexpr std::size_t kMaxPluginSegments = 16;
constexpr std::size_t kMaxPluginName = 64;
// /kbs/v0/<first segment> names that Trustee routes to itself, not to a plugin
// (confidential-containers/trustee@78962cd4, kbs/src/api_server.rs `api`): a kbs+ URI naming one
// would send an attested GET to the protocol or admin endpoints.
constexpr std::array<std::string_view, 5> kNotPlugins = {"auth", "attest", "attestation-policy",
                                                         "reference-value", "resource-policy"};

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Result<void> check_segment(std::string_view seg, std::string_view name, std::string_view uri) {
  auto bad = [&](std::string why) {
    return fail(Code::InvalidArgument,
                "resource URI '" + std::string(uri) + "': " + std::string(name) + " " + why);
  };
  if (seg.empty()) return bad("is empty");
  if (seg.size() > kMaxSegment) return bad("is longer than " + std::to_string(kMaxSegment));
  if (!(is_alnum(seg[0]) || seg[0] == '_' || seg[0] == '-'))
    return bad("must start with a letter, digit, '_' or '-'");
  for (char c : seg)
    if (!(is_alnum(c) || c == '_' || c == '-' || c == '.'))
      return bad("may hold only letters, digits, '_', '-' and '.'");
  return {};
}

// RFC 3986 query = *( pchar / "/" / "?" ), pchar = unreserved / pct-encoded / sub-delims / ":" /
// "@"
Result<void> check_query(std::string_view q, std::string_view uri) {
  auto bad = [&](std::string why) {
    return fail(Code::InvalidArgument, "resource URI '" + std::string(uri) + "': query " + why);
  };
  if (q.size() > kMaxQuery) return bad("is longer than " + std::to_string(kMaxQuery));
  constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/?";
  for (std::size_t i = 0; i < q.size(); ++i) {
    const char c = q[i];
    if (c == '%') {
      if (i + 2 >= q.size() || !is_hex(q[i + 1]) || !is_hex(q[i + 2]))
        return bad("has a bad %-escape at offset " + std::to_string(i));
      i += 2;
      continue;
    }
    if (!is_alnum(c) && kAllowed.find(c) == std::string_view::npos)
      return bad("holds a character not allowed in a URL query at offset " + std::to_string(i));
  }
  return {};
}

Result<void> check_authority(std::string_view a, std::string_view uri) {
  auto bad = [&]() {
    return fail(Code::InvalidArgument, "resource URI '" + std::string(uri) +
                                           "': bad host[:port] '" + std::string(a) + "'");
  };
  if (a.size() > 300) return bad();
  std::string_view host = a;
  std::string_view port;
  if (a.starts_with('[')) {
    const auto close = a.find(']');
    if (close == std::string_view::npos) return bad();
    for (char c : a.substr(1, close - 1))
      if (!is_hex(c) && c != ':' && c != '.') return bad();
    host = a.substr(0, close + 1);
    const std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return bad();
      port = rest.substr(1);
      if (port.empty()) return bad();
    }
  } else {
    const auto colon = a.rfind(':');
    if (colon != std::string_view::npos) {
      host = a.substr(0, colon);
      port = a.substr(colon + 1);
      if (port.empty()) return bad();
    }
    if (host.empty()) return bad();
    for (char c : host)
      if (!is_alnum(c) && c != '-' && c != '.' && c != '_') return bad();
  }
  if (port.size() > 5) return bad();
  for (char c : port)
    if (c < '0' || c > '9') return bad();
  return {};
}

Result<std::string> check_plugin(std::string_view name, std::string_view uri) {
  auto bad = [&](std::string why) {
    return fail(Code::InvalidArgument, "resource URI '" + std::string(uri) + "': plugin '" +
                                           std::string(name) + "' " + why);
  };
  if (name.empty())
    return fail(Code::InvalidArgument, "resource URI '" + std::string(uri) +
                                           "': kbs+ needs a plugin name, as in kbs+provisioner://");
  if (name.size() > kMaxPluginName) return bad("is too long");
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return bad("may hold only lowercase letters, digits, '_' and '-'");
  if (name[0] == '_' || name[0] == '-') return bad("must start with a letter or digit");
  for (std::string_view reserved : kNotPlugins)
    if (name == reserved) return bad("is a KBS endpoint, not a plugin");
  return std::string(name);
}

// Splits "a/b/c" at '/'; at most `max` segments (more is an error naming the expected count).
Result<std::vector<std::string_view>> split_segments(std::string_view rest, std::size_t max,
                                                     std::string_view expected,
                                                     std::string_view uri) {
  std::vector<std::string_view> segs;
  while (true) {
    const auto slash = rest.find('/');
    if (segs.size() == max) break;
    segs.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) return segs;
    rest.remove_prefix(slash + 1);
  }
  return fail(Code::InvalidArgument,
              "resource URI '" + std::string(uri) + "': expected " + std::string(expected));
}

std::string join(const std::vector<std::string>& segs) {
  std::string out;
  for (const auto& s : segs) out += (out.empty() ? "" : "/") + s;
  return out;
}

}  // namespace

std::string ResourceUri::path() const {
  if (is_resource_plugin()) return repository + "/" + type + "/" + tag;
  return plugin + ":" + join(plugin_path);
}

std::string ResourceUri::request_path() const {
  const std::string segments =
      is_resource_plugin() ? repository + "/" + type + "/" + tag : join(plugin_path);
  return "/kbs/v0/" + plugin + "/" + segments + (query.empty() ? "" : "?" + query);
}

std::string ResourceUri::to_string() const {
  const std::string scheme = is_resource_plugin() ? "kbs" : "kbs+" + plugin;
  const std::string segments =
      is_resource_plugin() ? repository + "/" + type + "/" + tag : join(plugin_path);
  return scheme + "://" + authority + "/" + segments + (query.empty() ? "" : "?" + query);
}

Result<ResourceUri> parse_resource_uri(std::string_view text) {
  ResourceUri uri;
  std::string_view rest = text;
  const auto scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string_view scheme = rest.substr(0, scheme_end);
    if (scheme.starts_with("kbs+")) {
      auto plugin = check_plugin(scheme.substr(4), text);
      if (!plugin) return std::unexpected(std::move(plugin.error()));
      uri.plugin = std::move(*plugin);
    } else if (scheme != "kbs") {
      return fail(Code::InvalidArgument, "resource URI '" + std::string(text) +
                                             "': only the kbs:// and kbs+<plugin>:// schemes "
                                             "are supported");
    }
    rest.remove_prefix(scheme_end + 3);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos)
      return fail(Code::InvalidArgument,
                  "resource URI '" + std::string(text) + "': expected kbs:///repository/type/tag");
    const std::string_view authority = rest.substr(0, slash);
    if (!authority.empty()) {
      ATTEST_TRY(check_authority(authority, text));
      uri.authority = std::string(authority);
    }
    rest.remove_prefix(slash + 1);
  } else if (rest.starts_with('/') && !rest.starts_with("//")) {
    // "/repo/type/tag": what trustee-attester's --path passes on (it prefixes the '/' itself;
    // guest-components 060b8d2 attestation-agent/kbs_protocol/src/bin/trustee-attester/main.rs).
    rest.remove_prefix(1);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    ATTEST_TRY(check_query(rest.substr(q + 1), text));
    uri.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (!uri.is_resource_plugin()) {
    auto segs = split_segments(rest, kMaxPluginSegments, "1 to 16 path segments", text);
    if (!segs) return std::unexpected(std::move(segs.error()));
    for (std::size_t i = 0; i < segs->size(); ++i) {
      ATTEST_TRY(check_segment((*segs)[i], "segment " + std::to_string(i + 1), text));
      uri.plugin_path.emplace_back((*segs)[i]);
    }
    return uri;
  }
  constexpr std::string_view kThree = "exactly three segments repository/type/tag";
  auto segs = split_segments(rest, 3, kThree, text);
  if (!segs) return std::unexpected(std::move(segs.error()));
  if (segs->size() != 3)
    return fail(Code::InvalidArgument,
                "resource URI '" + std::string(text) + "': expected " + std::string(kThree));
  ATTEST_TRY(check_segment((*segs)[0], "repository", text));
  ATTEST_TRY(check_segment((*segs)[1], "type", text));
  ATTEST_TRY(check_segment((*segs)[2], "tag", text));
  uri.repository = std::string((*segs)[0]);
  uri.type = std::string((*segs)[1]);
  uri.tag = std::string((*segs)[2]);
  return uri;
}

}  // namespace attest::kbs
