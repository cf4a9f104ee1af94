#include "agent/daemon/api_endpoint.h"

#include "common/log.h"

#if __has_include("agent/api/server.h")
#include "agent/api/server.h"
#define ATTEST_HAVE_API_SERVER 1
#endif

namespace attest::daemon {
namespace {

#ifdef ATTEST_HAVE_API_SERVER
class ServerEndpoint final : public ApiEndpoint {
 public:
  explicit ServerEndpoint(std::unique_ptr<api::Server> server) : server_(std::move(server)) {}
  ~ServerEndpoint() override { stop(); }
  void set_rules(std::vector<config::AccessRule> rules) override {
    server_->set_rules(std::move(rules));
  }
  void stop() override {
    if (!stopped_) server_->stop();
    stopped_ = true;
  }

 private:
  std::unique_ptr<api::Server> server_;
  bool stopped_ = false;
};
#else
// FIXME(h/daemon-api): until agent/api/server.h is merged there is no HTTP server. The sockets
// stay open (so the socket file, its mode and its removal at exit are real) but nothing answers.
class NoServerEndpoint final : public ApiEndpoint {
 public:
  explicit NoServerEndpoint(std::vector<ListenSocket> sockets) : sockets_(std::move(sockets)) {}
  void set_rules(std::vector<config::AccessRule>) override {}
  void stop() override { sockets_.clear(); }

 private:
  std::vector<ListenSocket> sockets_;
};
#endif

}  // namespace

Result<std::unique_ptr<ApiEndpoint>> start_api(api::Service& service,
                                               std::vector<ListenSocket> sockets,
                                               std::vector<config::AccessRule> rules) {
#ifdef ATTEST_HAVE_API_SERVER
  api::ServerOptions options;
  for (auto& s : sockets) {
    const bool loopback_tcp = s.loopback_tcp();
    options.listeners.push_back(api::Listener{s.release(), loopback_tcp});
  }
  options.rules = std::move(rules);
  auto server = api::Server::start(service, std::move(options));
  if (!server) return std::unexpected(std::move(server.error()));
  return std::make_unique<ServerEndpoint>(std::move(*server));
#else
  (void)service;
  (void)rules;
  log::warning(
      "socket API server not in this build (agent/api/server.h missing): "
      "requests on the socket are not answered");
  return std::make_unique<NoServerEndpoint>(std::move(sockets));
#endif
}

}  // namespace attest::daemon
