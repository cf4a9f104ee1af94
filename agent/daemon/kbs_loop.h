// The daemon's one thread that talks to the KBS on its own initiative:
//  - at start, attest and fetch every [[secrets]] resource, deliver each file, and only then
//    declare readiness (sd_notify READY=1 through `on_ready`); while the KBS is unreachable or
//    refuses, retry with jittered exponential backoff honouring Retry-After (RefreshPolicy),
//    and keep /healthz at 503 with the reason;
//  - afterwards, refresh the token and every cached secret at the policy's time, re-delivering
//    the files; a failed refresh keeps the cached values (they are still served) and retries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "agent/daemon/agent_service.h"
#include "agent/daemon/metered_http.h"
#include "agent/daemon/refresh_policy.h"
#include "agent/kbs/resource_uri.h"
#include "agent/store/secret_file.h"
#include "agent/store/secret_store.h"

namespace attest::daemon {

// One [[secrets]] entry: the resource and the file it is delivered to.
struct SecretDelivery {
  kbs::ResourceUri uri;
  store::SecretFile file;
};

struct KbsLoopHooks {
  std::function<void()> on_ready;                       // once, after every file is in place
  std::function<void(std::string_view status)> status;  // sd_notify STATUS=
};

class KbsLoop {
 public:
  // `os` writes the [[secrets]] files.
  KbsLoop(Os& os, AgentService& service, store::SecretStore& store, MeteredHttpClient& http,
          RefreshPolicy& policy, std::vector<SecretDelivery> secrets, KbsLoopHooks hooks);

  // Runs until stop(); the thread body.
  void run();
  // Wakes the loop and makes run() return (a cycle in progress finishes its current request).
  void stop();
  // Cuts the current wait short: the next cycle (start-up or refresh) runs now rather than at
  // the policy's time (SIGUSR1: an operator who has fixed the KBS need not wait out a backoff).
  // A request made while a cycle runs makes one more cycle follow at once (the running one may
  // have started before the KBS was fixed); several requests in between make one. Thread-safe.
  void refresh_now();
  // Runs one cycle now (tests): start-up cycle until the first success, refresh cycles after.
  [[nodiscard]] Result<std::chrono::seconds> cycle();

 private:
  [[nodiscard]] Result<void> deliver(const SecretDelivery& d);
  bool wait(std::chrono::milliseconds delay);  // false when stopped

  Os& os_;
  AgentService& service_;
  store::SecretStore& store_;
  MeteredHttpClient& http_;
  RefreshPolicy& policy_;
  std::vector<SecretDelivery> secrets_;
  KbsLoopHooks hooks_;
  bool started_ = false;  // a start-up cycle succeeded; later cycles refresh
  bool ready_ = false;    // readiness announced; only run()'s thread touches both
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool wake_ = false;      // guarded by mu_: refresh_now() was called since the last wait
};

}  // namespace attest::daemon
