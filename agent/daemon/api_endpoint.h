// The one place the daemon meets the socket API server (agent/api/server.h, built on the
// h/daemon-api branch): it hands over the listening sockets, the service and the access rules.
// The lead adjusts only this file when the server's shape changes.
#pragma once

#include <memory>
#include <vector>

#include "agent/api/service.h"
#include "agent/config/config.h"
#include "agent/daemon/listeners.h"
#include "common/error.h"

namespace attest::daemon {

class ApiEndpoint {
 public:
  virtual ~ApiEndpoint() = default;
  // SIGHUP: the reloaded [[access]] rules apply to the next request.
  virtual void set_rules(std::vector<config::AccessRule> rules) = 0;
  // Stops accepting, lets requests in flight finish, closes the sockets.
  virtual void stop() = 0;
};

// Starts serving `service` on `sockets` (the server owns them from here).
[[nodiscard]] Result<std::unique_ptr<ApiEndpoint>> start_api(api::Service& service,
                                                             std::vector<ListenSocket> sockets,
                                                             std::vector<config::AccessRule> rules);

}  // namespace attest::daemon
