#include "agent/daemon/kbs_loop.h"

#include "common/log.h"

namespace attest::daemon {

KbsLoop::KbsLoop(Os& os, AgentService& service, store::SecretStore& store, MeteredHttpClient& http,
                 RefreshPolicy& policy, std::vector<SecretDelivery> secrets, KbsLoopHooks hooks)
    : os_(os),
      service_(service),
      store_(store),
      http_(http),
      policy_(policy),
      secrets_(std::move(secrets)),
      hooks_(std::move(hooks)) {}

Result<void> KbsLoop::deliver(const SecretDelivery& d) {
  auto secret = store_.get(d.uri);  // cached: fetched (or refreshed) just before
  if (!secret) return std::unexpected(std::move(secret.error()));
  return with_context(store::deliver_secret_file(os_, d.file, (*secret)->bytes()),
                      "[[secrets]] " + d.uri.path());
}

Result<std::chrono::seconds> KbsLoop::cycle() {
  auto lifetime = service_.attest();
  if (!lifetime) return std::unexpected(std::move(lifetime.error()));
  if (started_) {
    // Refresh everything cached, [[secrets]] and what clients asked for. A failure keeps the
    // old value, which is still served; the next cycle comes sooner (after_failure).
    Result<void> first_error;
    for (const auto& uri : store_.cached()) {
      if (auto r = store_.refresh(uri); !r && first_error)
        first_error = std::unexpected(std::move(r.error()).with_context(uri.path()));
    }
    if (!first_error) return std::unexpected(std::move(first_error.error()));
  }
  for (const auto& d : secrets_) {
    // At start the first get() fetches; after a refresh it reads the new value.
    ATTEST_TRY(deliver(d));
  }
  started_ = true;
  return *lifetime;
}

bool KbsLoop::wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [this] { return stopping_ || wake_; });
  if (wake_ && !stopping_) log::notice("refreshing now, as asked (SIGUSR1)");
  wake_ = false;
  return !stopping_;
}

void KbsLoop::refresh_now() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void KbsLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

void KbsLoop::run() {
  if (hooks_.status) hooks_.status("attesting to the KBS");
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto r = cycle();
    std::chrono::milliseconds delay{0};
    if (r) {
      delay = policy_.after_success(*r);
      if (!ready_) {
        ready_ = true;  // cycle() has put every file in place
        service_.set_ready();
        log::notice("attested; " + std::to_string(secrets_.size()) +
                    " secret file(s) in place; ready");
        if (hooks_.on_ready) hooks_.on_ready();
      } else {
        log::info("refreshed the token and the cached secrets");
      }
      if (hooks_.status) hooks_.status("ready");
    } else {
      const Error& e = r.error();
      delay = policy_.after_failure(http_.take_retry_after());
      const std::string when = " (attempt " + std::to_string(policy_.consecutive_failures()) +
                               ", next in " + std::to_string(delay.count()) + " ms)";
      if (!ready_) {
        service_.set_not_ready("KBS: " + e.message);
        log::warning("start-up: " + e.to_string() + when);
        if (hooks_.status) hooks_.status("waiting for the KBS: " + e.message);
      } else {
        log::warning("refresh: " + e.to_string() + "; cached secrets are still served" + when);
      }
    }
    if (!wait(delay)) return;
  }
}

}  // namespace attest::daemon
