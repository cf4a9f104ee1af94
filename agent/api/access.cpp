#include "agent/api/access.h"

#include <fnmatch.h>

#include <algorithm>

namespace attest::api {
namespace {

constexpr std::size_t kMaxGlobBytes = 3 * 255 + 2;  // three segments as resource_uri.h allows

bool glob_char_allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '*' || c == '?' || c == '[' || c == ']' || c == '!';
}

template <class Id>
bool contains(const std::vector<Id>& ids, Id id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool applies_to(const config::AccessRule& rule, const PeerCred& peer) {
  if (peer.loopback_tcp) return rule.loopback;
  if (contains(rule.uids, peer.uid)) return true;
  if (contains(rule.gids, peer.gid)) return true;
  return std::any_of(peer.groups.begin(), peer.groups.end(),
                     [&](gid_t g) { return contains(rule.gids, g); });
}

bool grants(const config::AccessRule& rule, const AccessRequest& request) {
  switch (request.kind) {
    case RequestKind::Resource:
      return std::any_of(rule.resources.begin(), rule.resources.end(), [&](const std::string& g) {
        return resource_glob_matches(g, request.resource_path);
      });
    case RequestKind::Token:
      return rule.token;
    case RequestKind::Evidence:
      return rule.evidence;
    case RequestKind::Measurements:
      return rule.measurements;
    case RequestKind::Info:
      return true;  // any applicable rule: the caller is known to the operator
    default:
      return false;
  }
}

}  // namespace

Decision decide(const PeerCred& peer, std::span<const config::AccessRule> rules,
                const AccessRequest& request) {
  if (!peer.loopback_tcp && peer.uid == 0) return Decision::Allow;
  for (const auto& rule : rules)
    if (applies_to(rule, peer) && grants(rule, request)) return Decision::Allow;
  return Decision::Deny;
}

Result<void> check_resource_glob(std::string_view glob) {
  const std::string quoted = "resource glob '" + std::string(glob) + "'";
  if (glob.empty() || glob.size() > kMaxGlobBytes)
    return fail(Code::InvalidArgument,
                quoted + ": must be 1 to " + std::to_string(kMaxGlobBytes) + " characters");
  for (const char c : glob)
    if (c != '/' && !glob_char_allowed(c))
      return fail(Code::InvalidArgument,
                  quoted + ": character '" + std::string(1, c) +
                      "' is not allowed (letters, digits, _ . - and the wildcards * ? [ ] !)");
  std::size_t segments = 1;
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= glob.size(); ++i) {
    if (i < glob.size() && glob[i] != '/') continue;
    if (i == segment_start)
      return fail(Code::InvalidArgument, quoted + ": empty segment (expected repo/type/tag)");
    if (i < glob.size()) ++segments;
    segment_start = i + 1;
  }
  if (segments != 3)
    return fail(Code::InvalidArgument,
                quoted + ": expected three segments repo/type/tag (wildcards never cross '/'; " +
                    "write */*/* for everything), got " + std::to_string(segments));
  return {};
}

bool resource_glob_matches(std::string_view glob, std::string_view path) {
  if (!check_resource_glob(glob)) return false;  // a bad pattern never grants anything
  const std::string pattern(glob);
  const std::string subject(path);
  return ::fnmatch(pattern.c_str(), subject.c_str(), FNM_PATHNAME | FNM_NOESCAPE) == 0;
}

}  // namespace attest::api
