#include "agent/daemon/settings.h"

#include <cstdlib>

namespace attest::daemon {
namespace {

Result<std::filesystem::path> place_under(const std::filesystem::path& secrets_dir,
                                          const std::filesystem::path& path,
                                          std::string_view what) {
  if (path.empty()) return fail(Code::InvalidArgument, std::string(what) + ": empty path");
  if (path.is_absolute()) return path.lexically_normal();
  for (const auto& part : path)
    if (part == "..")
      return fail(Code::InvalidArgument,
                  std::string(what) + ": '" + path.string() + "' climbs out of secrets_dir");
  return (secrets_dir / path).lexically_normal();
}

Result<kbs::ResourceUri> secret_resource(std::string_view text, std::string_view what) {
  auto uri = kbs::parse_resource_uri(text);
  if (!uri) return std::unexpected(std::move(uri.error()).with_context(what));
  // The daemon talks to one KBS; a resource naming another would silently go to ours.
  if (!uri->authority.empty())
    return fail(Code::InvalidArgument, std::string(what) + ": '" + std::string(text) +
                                           "' names a KBS host; write kbs:///repo/type/tag");
  return uri;
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

std::string url_without_credentials(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto host_start = scheme + 3;
  const auto path_start = url.find('/', host_start);
  const auto authority =
      url.substr(host_start, path_start == std::string_view::npos ? std::string_view::npos
                                                                  : path_start - host_start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, host_start)) + std::string(url.substr(host_start + at + 1));
}

Result<SecretDelivery> parse_secret_flag(std::string_view text,
                                         const std::filesystem::path& secrets_dir) {
  const auto eq = text.rfind('=');
  if (eq == std::string_view::npos)
    return fail(Code::InvalidArgument,
                "--secret '" + std::string(text) + "': expected kbs:///repo/type/tag=PATH");
  auto uri = secret_resource(text.substr(0, eq), "--secret");
  if (!uri) return std::unexpected(std::move(uri.error()));
  auto path = place_under(secrets_dir, std::filesystem::path(text.substr(eq + 1)), "--secret");
  if (!path) return std::unexpected(std::move(path.error()));
  SecretDelivery d;
  d.uri = std::move(*uri);
  d.file.path = std::move(*path);
  return d;
}

Result<DaemonSettings> resolve_settings(const DaemonFlags& flags, const config::CocoSources& coco,
                                        Os& os) {
  DaemonSettings s;
  Result<config::AgentConfig> loaded = config::AgentConfig{};
  if (flags.config)
    loaded = config::load_config(os, *flags.config, config::ConfigOrigin::Explicit);
  else if (const char* path = env("ATTEST_CONFIG"))
    loaded = config::load_config(os, path, config::ConfigOrigin::Explicit);
  else
    loaded = config::load_config(os, config::kDefaultConfigPath, config::ConfigOrigin::Default);
  if (!loaded) return std::unexpected(std::move(loaded.error()));
  s.config = std::move(*loaded);
  config::AgentSection& agent = s.config.agent;

  kbs::apply_kbs_section(s.config.kbs, s.kbs);
  if (flags.url) s.kbs.url = *flags.url;
  if (flags.cert_file) s.kbs.cert_file = *flags.cert_file;
  if (flags.trust_system_store) s.kbs.trust_system_store = true;
  if (!flags.pin_sha256.empty()) s.kbs.pin_sha256 = flags.pin_sha256;
  auto url = config::resolve_kbs_url(
      s.kbs.url.empty() ? std::nullopt : std::optional<std::string>(s.kbs.url), coco, os);
  if (!url) return std::unexpected(std::move(url.error()));
  if (url->url) s.kbs.url = *url->url;
  s.kbs_url_origin = url->origin;
  auto client = kbs::client_options(s.kbs, os);
  if (!client) return std::unexpected(std::move(client.error()));

  if (s.config.evidence.tee) s.tee = *s.config.evidence.tee;
  if (flags.tee) s.tee = *flags.tee;
  if (s.tee != "auto") {
    auto kind = parse_tee(s.tee);
    if (!kind) return std::unexpected(std::move(kind.error()).with_context("--tee"));
  }
  config::apply_evidence(s.config.evidence, s.providers);
  if (const char* tcti = env("ATTEST_TCTI")) s.providers.tcti = tcti;
  if (flags.tcti) s.providers.tcti = *flags.tcti;

  if (flags.log_level) agent.log_level = *flags.log_level;
  auto level = log::parse_level(agent.log_level);
  if (!level) return std::unexpected(std::move(level.error()).with_context("log level"));
  s.log_level = *level;

  if (flags.socket) agent.socket_path = *flags.socket;
  if (!agent.socket_path.is_absolute())
    return fail(Code::InvalidArgument,
                "socket path '" + agent.socket_path.string() + "' must be absolute");
  s.listen.socket_path = agent.socket_path;
  s.listen.socket_mode = agent.socket_mode;
  s.listen.socket_group = agent.socket_group;
  s.listen.rest_listen = agent.rest_listen;
  // No [[credentials]]: nothing to serve, so no socket (it would only collide with another
  // agent's default path).
  if (!s.config.credentials.empty()) s.listen.credential_socket = agent.credential_socket;
  if (agent.rest_listen) {
    auto addr = parse_loopback_address(*agent.rest_listen);
    if (!addr) return std::unexpected(std::move(addr.error()));
  }
  if (!agent.secrets_dir.is_absolute())
    return fail(Code::InvalidArgument,
                "secrets_dir '" + agent.secrets_dir.string() + "' must be absolute");

  for (const auto& entry : s.config.secrets) {
    const std::string what = "[[secrets]] " + entry.resource;
    auto uri = secret_resource(entry.resource, what);
    if (!uri) return std::unexpected(std::move(uri.error()));
    auto path = place_under(agent.secrets_dir, entry.path, what);
    if (!path) return std::unexpected(std::move(path.error()));
    s.secrets.push_back(
        {std::move(*uri), {std::move(*path), entry.mode, entry.owner, entry.group}});
  }
  for (const auto& text : flags.secrets) {
    auto d = parse_secret_flag(text, agent.secrets_dir);
    if (!d) return std::unexpected(std::move(d.error()));
    s.secrets.push_back(std::move(*d));
  }
  // Two entries writing one file would race each other on every refresh.
  for (std::size_t i = 0; i < s.secrets.size(); ++i)
    for (std::size_t j = i + 1; j < s.secrets.size(); ++j)
      if (s.secrets[i].file.path == s.secrets[j].file.path)
        return fail(Code::InvalidArgument,
                    "two secrets are delivered to " + s.secrets[i].file.path.string());

  s.refresh.fixed_interval = std::chrono::seconds(agent.refresh_seconds);
  return s;
}

}  // namespace attest::daemon
