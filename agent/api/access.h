// Who may ask the agent for what: peer credentials x [[access]] rules -> allow or deny.
//
// Pure: no I/O. The server fills PeerCred from SO_PEERCRED/SO_PEERGROUPS (Unix socket) or
// from the loopback TCP listener, and asks decide() BEFORE any work is done for the request,
// so that a refused caller learns nothing (not even whether a resource exists).
//
// Semantics (documented for operators in the README's API section):
// - root (uid 0 on the Unix socket) may do everything: it can read the agent's memory anyway.
//   With no rule at all, only root is served.
// - A rule applies to a Unix-socket caller whose uid is in `uids`, or whose primary or
//   supplementary gid is in `gids`; to a loopback TCP caller (no uid) only when
//   `loopback = true`. uids/gids never match a TCP caller, and `loopback` never a Unix one.
// - Applicable rules are OR-ed: a resource is allowed when any of them has a matching glob;
//   token/evidence/measurements when any of them sets that boolean.
// - info, healthz and metrics (no secrets, but cached resource paths) need any applicable rule.
//
// Resource globs match "repo/type/tag" one segment at a time: a pattern has exactly three
// '/'-separated segments, and `*`, `?` and `[...]` never match '/' (fnmatch with FNM_PATHNAME
// and FNM_NOESCAPE). So "default/key/*" is every key of repository "default", "*/*/*" is
// everything, and "default/*" is not a shorter way to write "default/*/*": it is refused by
// check_resource_glob() (the config loader calls it) and never matches here, rather than
// silently matching something other than what it seems to say.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.h"
#include "common/error.h"

namespace attest::api {

struct PeerCred {
  pid_t pid = 0;  // 0 for a loopback TCP caller (unknown)
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  std::vector<gid_t> groups;  // supplementary groups (SO_PEERGROUPS), may be empty
  bool loopback_tcp = false;  // came through the loopback TCP listener: uid/gid/pid unknown
};

enum class RequestKind : std::uint8_t { Resource, Token, Evidence, Measurements, Info };

struct AccessRequest {
  RequestKind kind = RequestKind::Info;
  std::string_view resource_path;  // "repo/type/tag" for Resource, else empty
};

enum class Decision : std::uint8_t { Allow, Deny };

[[nodiscard]] Decision decide(const PeerCred& peer, std::span<const config::AccessRule> rules,
                              const AccessRequest& request);

// InvalidArgument when a resource glob is not three non-empty segments of
// [A-Za-z0-9_.-] and the wildcards * ? [ ] ! (names the glob and what is wrong).
[[nodiscard]] Result<void> check_resource_glob(std::string_view glob);

// Whether `glob` (valid per check_resource_glob) matches `path` ("repo/type/tag").
[[nodiscard]] bool resource_glob_matches(std::string_view glob, std::string_view path);

}  // namespace attest::api
