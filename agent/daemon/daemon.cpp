#include "agent/daemon/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "agent/api/credential_server.h"
#include "agent/azure/imds_client.h"
#include "agent/daemon/agent_service.h"
#include "agent/daemon/api_endpoint.h"
#include "agent/daemon/kbs_loop.h"
#include "agent/daemon/metered_http.h"
#include "agent/daemon/metrics.h"
#include "agent/daemon/serialized_provider.h"
#include "agent/measure/initdata.h"
#include "agent/measure/measurement_register.h"
#include "agent/measure/runtime_measurer.h"
#include "agent/store/secret_store.h"
#include "common/os/posix_os.h"

namespace attest::daemon {
namespace {

// No core dump may carry a secret, token or TEE key (SecureBuffer marks its pages
// MADV_DONTDUMP, but OpenSSL's own key copies are ordinary heap), and non-dumpable also keeps
// other non-root processes from ptrace-attaching or reading /proc/<pid>/mem.
void harden_process() {
  const rlimit no_core{0, 0};
  (void)setrlimit(RLIMIT_CORE, &no_core);
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

sigset_t lifecycle_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  return set;
}

void notify(const std::string& state) { (void)sd_notify(0, state.c_str()); }

Result<std::unique_ptr<EvidenceProvider>> open_provider(const DaemonSettings& s, Os& os) {
  TeeKind kind = TeeKind::Sample;
  if (s.tee == "auto") {
    auto detected = detect_tee(os, s.providers);
    if (!detected) return std::unexpected(std::move(detected.error()));
    kind = *detected;
  } else {
    auto parsed = parse_tee(s.tee);
    if (!parsed) return std::unexpected(std::move(parsed.error()));
    kind = *parsed;
  }
  return make_provider(kind, os, s.providers);
}

int fatal(const Error& e, int status) {
  log::error(e.to_string());
  notify("STATUS=failed: " + e.message);
  return status;
}

// SIGHUP: what can change without a restart (access rules, [[credentials]], log level). Everything
// else (KBS URL, TEE, socket, [[secrets]]) needs a restart; the log says so when it differs.
config::CocoSources coco_sources() {
  config::CocoSources c;
  if (const char* v = std::getenv(std::string(config::kAaKbcParamsEnv).c_str()))
    c.aa_kbc_params_env = v;
  return c;
}

void reload(const DaemonFlags& flags, const DaemonSettings& running, ApiEndpoint& api,
            api::CredentialServer* credentials, Os& os) {
  auto fresh = resolve_settings(flags, coco_sources(), os);
  if (!fresh) {
    log::error("reload failed, keeping the running configuration: " + fresh.error().to_string());
    return;
  }
  log::set_level(fresh->log_level);
  api.set_rules(fresh->config.access);
  if (credentials != nullptr)
    credentials->set_entries(fresh->config.credentials);
  else if (!fresh->config.credentials.empty())
    log::warning("reload: a credential socket for the new [[credentials]] opens on restart");
  if (fresh->kbs.url != running.kbs.url || fresh->tee != running.tee ||
      fresh->listen.socket_path != running.listen.socket_path ||
      fresh->secrets.size() != running.secrets.size())
    log::warning("reload: KBS, TEE, socket and [[secrets]] changes take effect on restart");
  log::notice("configuration reloaded: " + std::to_string(fresh->config.access.size()) +
              " access rule(s)");
}

// A PCR that locality 0 cannot extend refuses the start (exit 2, a configuration error) instead
// of failing every POST /v1/measurements with the TPM's "bad locality"; a resettable one is
// logged as the weak choice it is. A TEE that cannot extend at all starts: POST answers 501.
int check_measurement_pcr(const EvidenceProvider& provider, unsigned pcr, const std::string& tcti) {
  auto checked = measure::check_measurement_register(provider, pcr, tcti);
  if (!checked && checked.error().code == Code::Unsupported) return kExitOk;
  if (!checked) {
    const bool config = checked.error().code == Code::FailedPrecondition ||
                        checked.error().code == Code::InvalidArgument;
    return fatal(std::move(checked.error()).with_context("measurement_pcr"),
                 config ? kExitConfig : kExitFailure);
  }
  if (*checked) log::warning("measurement_pcr: " + **checked);
  return kExitOk;
}

}  // namespace

int run(const DaemonFlags& flags) {
  harden_process();
  SystemClock clock;
  PosixOs os(clock);
  auto settings = resolve_settings(flags, coco_sources(), os);
  if (!settings) return fatal(settings.error(), kExitConfig);
  DaemonSettings& s = *settings;
  log::set_level(s.log_level);
  if (flags.check_config) {
    std::cout << "attest-agent: configuration OK (" << s.secrets.size() << " secret file(s), "
              << s.config.access.size() << " access rule(s))\n";
    return kExitOk;
  }

  // Before any thread exists, so that every thread inherits the mask and only sigwait() below
  // sees these signals.
  const sigset_t signals = lifecycle_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (auto imds = azure::make_imds_client(clock); imds) s.providers.azure_imds = *imds;
  auto device = open_provider(s, os);
  if (!device) return fatal(device.error(), kExitFailure);
  SerializedProvider provider(**device);
  auto client_options = kbs::client_options(s.kbs, os);  // init-data text included
  if (!client_options) return fatal(client_options.error(), kExitConfig);
  // The init-data (initdata_file, read by client_options) is bound before any KBS traffic: a
  // mismatch with what the hardware carries refuses to start, naming both digests.
  if (client_options->initdata_toml) {
    auto bound = measure::bind_initdata(provider, *client_options->initdata_toml);
    if (!bound) return fatal(std::move(bound.error()).with_context("initdata_file"), kExitConfig);
    log::notice(std::string("init-data: ") + std::string(measure::binding_name(*bound)));
  }
  const unsigned pcr =
      s.config.agent.measurement_pcr.value_or(measure::default_measurement_pcr(provider.kind()));
  if (auto checked = check_measurement_pcr(provider, pcr, s.providers.tcti); checked != kExitOk)
    return checked;
  // Each measurement runs with no evidence taken between its extend and its log append.
  measure::RuntimeMeasurer measurer(os, **device, {s.providers.aael_path, pcr});
  // A measurement a crash interrupted is settled before any evidence is served. Failing that,
  // the agent still serves secrets; measurements answer the same error until it is fixed.
  if (provider.runtime_register(pcr)) {
    auto recovered = provider.exclusive([&](EvidenceProvider&) { return measurer.recover(); });
    if (!recovered) log::error("runtime measurements: " + recovered.error().to_string());
  }
  auto measure = [&provider, &measurer](const api::MeasurementRequest& m) {
    return provider.exclusive(
        [&](EvidenceProvider&) { return measurer.extend(m.domain, m.operation, m.content); });
  };

  // One HTTP client for the daemon's lifetime: the CA file is loaded once.
  auto curl = http::CurlHttpClient::create(kbs::http_options(s.kbs), clock);
  if (!curl) return fatal(curl.error(), kExitConfig);
  Metrics metrics;
  MeteredHttpClient http(**curl, metrics);
  kbs::KbsClient kbs_client(http, provider, std::move(*client_options));
  store::SecretStore store(
      [&kbs_client](const kbs::ResourceUri& uri) { return kbs_client.get_resource(uri); });
  AgentService service(provider, kbs_client, store, metrics, clock,
                       {kAgentVersion, url_without_credentials(s.kbs.url)}, measure);

  auto listeners = open_listeners(s.listen);
  if (!listeners) return fatal(listeners.error(), kExitFailure);
  const std::filesystem::path owned_socket = listeners->owned_socket_path;
  auto api = start_api(service, std::move(listeners->sockets), s.config.access);
  if (!api) {
    remove_owned_socket(owned_socket);
    remove_owned_socket(listeners->owned_credential_path);
    return fatal(api.error(), kExitFailure);
  }
  std::unique_ptr<api::CredentialServer> credentials;
  if (listeners->credential) {
    auto started =
        api::CredentialServer::start(service, listeners->credential->fd(), s.config.credentials);
    if (!started) {
      (*api)->stop();
      remove_owned_socket(owned_socket);
      remove_owned_socket(listeners->owned_credential_path);
      return fatal(started.error(), kExitConfig);
    }
    credentials = std::move(*started);
  }
  log::notice(std::string("attest-agent ") + kAgentVersion + " serving on " +
              s.listen.socket_path.string() + " (TEE " + std::string(provider.name()) + ", KBS " +
              url_without_credentials(s.kbs.url) + ")");

  RefreshPolicy policy(s.refresh, clock);
  KbsLoop loop(os, service, store, http, policy, s.secrets,
               {[] { notify("READY=1\nSTATUS=ready"); },
                [](std::string_view status) { notify("STATUS=" + std::string(status)); }});
  std::thread loop_thread([&loop] { loop.run(); });

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      reload(flags, s, **api, credentials.get(), os);
      continue;
    }
    if (sig == SIGUSR1) {
      loop.refresh_now();
      continue;
    }
    break;
  }
  notify("STOPPING=1\nSTATUS=stopping");
  log::notice("stopping: finishing requests in flight");
  // A KBS that accepted and never answers must not hold the stop up until the request timeout.
  (*curl)->cancel();
  loop.stop();
  if (credentials) credentials->stop();
  (*api)->stop();
  loop_thread.join();
  store.wipe();
  remove_owned_socket(owned_socket);
  remove_owned_socket(listeners->owned_credential_path);
  log::notice("stopped; secrets wiped");
  return kExitOk;
}

}  // namespace attest::daemon
