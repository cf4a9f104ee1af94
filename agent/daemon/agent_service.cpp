#include "agent/daemon/agent_service.h"

#include <openssl/crypto.h>

#include <chrono>

#include "agent/crypto/jwt.h"
#include "agent/daemon/coco_key_pem.h"

namespace attest::daemon {
AgentService::AgentService(EvidenceProvider& provider, kbs::KbsClient& kbs,
                           store::SecretStore& store, Metrics& metrics, Clock& clock,
                           ServiceIdentity identity, MeasurementSink measure)
    : provider_(provider),
      kbs_(kbs),
      store_(store),
      metrics_(metrics),
      clock_(clock),
      identity_(std::move(identity)),
      measure_(std::move(measure)) {}

template <class T>
Result<T> AgentService::counted(std::string_view operation, Result<T> r) {
  if (!r) metrics_.failure(operation, r.error().code);
  return r;
}

Result<api::SecretRef> AgentService::resource(const kbs::ResourceUri& uri) {
  auto secret = counted("resource", store_.get(uri));
  if (secret) metrics_.release(uri.path());
  return secret;
}

api::SecretRef AgentService::cached_resource(const kbs::ResourceUri& uri) {
  auto secret = store_.peek(uri);
  if (secret) metrics_.release(uri.path());
  return secret;
}

void AgentService::note_token(ByteView token) {
  auto claims = crypto::decode_jwt_claims(
      std::string_view(reinterpret_cast<const char*>(token.data()), token.size()));
  std::lock_guard lock(mu_);
  token_expires_at_ = claims ? claims->exp : std::nullopt;
}

Result<api::TokenReply> AgentService::token() {
  auto got = counted("token", kbs_.token());
  if (!got) return std::unexpected(std::move(got.error()));
  note_token(got->token.bytes());
  auto pem = counted("token", coco_key_pem(got->private_key_pem));
  if (!pem) return std::unexpected(std::move(pem.error()));
  api::TokenReply reply{std::move(got->token), std::move(*pem), std::nullopt};
  std::lock_guard lock(mu_);
  reply.expires_at = token_expires_at_;
  return reply;
}

Result<std::chrono::seconds> AgentService::attest() {
  auto token = counted("attest", kbs_.attest());
  if (!token) return std::unexpected(std::move(token.error()));
  note_token(token->bytes());
  std::optional<std::int64_t> exp;
  {
    std::lock_guard lock(mu_);
    exp = token_expires_at_;
  }
  // Without "exp" the KBS client re-attests after its default lifetime (60 s): schedule by that.
  if (!exp) return std::chrono::seconds(60);
  return std::chrono::seconds(std::max<std::int64_t>(0, *exp - clock_.unix_now()));
}

Result<std::string> AgentService::evidence(ByteView runtime_data) {
  if (runtime_data.size() > kMaxReportData)
    return counted<std::string>(
        "evidence",
        fail(Code::InvalidArgument, "runtime data is " + std::to_string(runtime_data.size()) +
                                        " bytes; the maximum is 64"));
  auto ev = counted("evidence", provider_.get_evidence(runtime_data));
  if (!ev) return std::unexpected(std::move(ev.error()));
  return ev->json.dump();
}

Result<void> AgentService::extend_measurement(const api::MeasurementRequest& request) {
  if (!measure_)
    return counted<void>("measurement",
                         fail(Code::Unsupported, std::string(provider_.name()) +
                                                     ": runtime measurements are not wired into "
                                                     "this agent build"));
  return counted("measurement", measure_(request));
}

api::Info AgentService::info() {
  api::Info i;
  i.version = identity_.version;
  i.tee = std::string(provider_.name());
  i.kbs_url = identity_.kbs_url;
  i.cached_resources = store_.cached_names();
  std::lock_guard lock(mu_);
  i.token_expires_at = token_expires_at_;
  return i;
}

api::Health AgentService::health() {
  std::lock_guard lock(mu_);
  return {ready_, ready_ ? std::string() : not_ready_reason_};
}

void AgentService::set_ready() {
  std::lock_guard lock(mu_);
  ready_ = true;
  not_ready_reason_.clear();
}

void AgentService::set_not_ready(std::string reason) {
  std::lock_guard lock(mu_);
  ready_ = false;
  not_ready_reason_ = std::move(reason);
}

void AgentService::append_metrics(std::string& out) { metrics_.append(out, store_.stats()); }

}  // namespace attest::daemon
