// User and group names in the config ([[access]] uids/gids, [[secrets]] owner/group,
// [agent] socket_group) are resolved once, at load: the daemon then compares numbers only, and
// a name that does not exist is a config error at start, not a silent "nobody matches" later.
// The resolver is injected so that tests do not depend on this machine's /etc/passwd.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace attest::config {

class IdResolver {
 public:
  virtual ~IdResolver() = default;
  // nullopt: no such user/group (or the name service failed, which we cannot tell apart
  // safely: either way the name cannot be trusted to mean anything).
  [[nodiscard]] virtual std::optional<uid_t> uid_of(const std::string& user) const = 0;
  [[nodiscard]] virtual std::optional<gid_t> gid_of(const std::string& group) const = 0;
};

// getpwnam_r / getgrnam_r (NSS: /etc/passwd, /etc/group, sssd, ...). Thread-safe.
const IdResolver& system_id_resolver();

}  // namespace attest::config
