// A user/group table for config tests, so that they never depend on this machine's
// /etc/passwd and /etc/group.
#pragma once

#include <map>
#include <string>

#include "agent/config/id_resolver.h"

namespace attest::testing {

class FakeIds final : public config::IdResolver {
 public:
  std::optional<uid_t> uid_of(const std::string& user) const override {
    auto it = users.find(user);
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
  std::optional<gid_t> gid_of(const std::string& group) const override {
    ++group_lookups;
    auto it = groups.find(group);
    if (it == groups.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, uid_t> users{{"root", 0}, {"alice", 1000}, {"postgres", 112}};
  mutable int group_lookups = 0;  // a lookup may load NSS modules: the CLI must not pay it
  std::map<std::string, gid_t> groups{{"root", 0}, {"attest", 990}, {"wheel", 10}};
};

}  // namespace attest::testing
