// api::Service on top of the provider, the KBS client and the secret store: what the socket API
// answers with. Also the daemon's readiness (set by the start-up and refresh loop) and its
// metrics. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "agent/api/service.h"
#include "agent/daemon/metrics.h"
#include "agent/kbs/rcar_client.h"
#include "agent/store/secret_store.h"
#include "common/os/clock.h"
#include "providers/provider.h"

namespace attest::daemon {

// Runtime measurements (agent/measure's RuntimeMeasurer, composed in daemon.cpp). Unset (tests
// that need no measurements): extend_measurement answers Unsupported.
using MeasurementSink = std::function<Result<void>(const api::MeasurementRequest&)>;

struct ServiceIdentity {
  std::string version;
  std::string kbs_url;  // without credentials
};

class AgentService final : public api::Service {
 public:
  // `clock` tells the wall time that token lifetimes are counted from.
  AgentService(EvidenceProvider& provider, kbs::KbsClient& kbs, store::SecretStore& store,
               Metrics& metrics, Clock& clock, ServiceIdentity identity,
               MeasurementSink measure = {});

  [[nodiscard]] Result<api::SecretRef> resource(const kbs::ResourceUri& uri) override;
  [[nodiscard]] api::SecretRef cached_resource(const kbs::ResourceUri& uri) override;
  [[nodiscard]] Result<api::TokenReply> token() override;
  [[nodiscard]] Result<std::string> evidence(ByteView runtime_data) override;
  [[nodiscard]] Result<void> extend_measurement(const api::MeasurementRequest& request) override;
  api::Info info() override;
  api::Health health() override;
  void append_metrics(std::string& out) override;

  // A fresh handshake (start-up and refresh): the token's expiry is remembered for info().
  // Returns the token's remaining lifetime (the KBS client's default when it has no "exp").
  [[nodiscard]] Result<std::chrono::seconds> attest();
  void set_ready();
  void set_not_ready(std::string reason);

 private:
  void note_token(ByteView token);  // remembers its "exp" for info()
  template <class T>
  Result<T> counted(std::string_view operation, Result<T> r);

  EvidenceProvider& provider_;
  kbs::KbsClient& kbs_;
  store::SecretStore& store_;
  Metrics& metrics_;
  Clock& clock_;
  const ServiceIdentity identity_;
  MeasurementSink measure_;
  std::mutex mu_;
  bool ready_ = false;                            // guarded by mu_
  std::string not_ready_reason_ = "starting";     // guarded by mu_
  std::optional<std::int64_t> token_expires_at_;  // guarded by mu_
};

}  // namespace attest::daemon
