#include "agent/config/agent_sections.h"

#include <array>
#include <limits>

#include "agent/config/agent_values.h"
#include "agent/config/glob.h"
#include "agent/kbs/resource_uri.h"
#include "common/log.h"

namespace attest::config {
namespace {

constexpr std::array<std::string_view, 9> kAgentKeys{
    "socket_path",     "socket_mode", "socket_group",      "secrets_dir",    "log_level",
    "refresh_seconds", "rest_listen", "credential_socket", "measurement_pcr"};
constexpr std::array<std::string_view, 7> kAccessKeys{
    "uids", "gids", "loopback", "resources", "token", "evidence", "measurements"};
constexpr std::array<std::string_view, 5> kSecretKeys{"resource", "path", "mode", "owner", "group"};
constexpr std::array<std::string_view, 3> kCredentialKeys{"unit", "id", "resource"};

// refresh_seconds: 0 (a fraction of the token lifetime) or a fixed interval in this range. Under
// 10 s a fleet of agents would hammer its KBS; over a day no token lives that long anyway.
constexpr std::uint32_t kMinRefreshSeconds = 10;
constexpr std::uint32_t kMaxRefreshSeconds = 86400;

enum class IdKind { User, Group };

// One uid or gid: a TOML integer, a string of digits, or a name resolved now. uid_t(-1) is
// refused: libc uses it as "no id" (chown's "leave unchanged").
Result<std::uint32_t> read_id(const Section& s, std::string_view key, const toml::node& n,
                              IdKind kind, const IdResolver& ids) {
  const char* what = kind == IdKind::User ? "user" : "group";
  constexpr std::int64_t kMaxId = std::numeric_limits<std::uint32_t>::max() - 1;
  const auto bad = [&](const std::string& why) {
    return fail(Code::InvalidArgument,
                s.at(n.source()) + s.label() + " " + std::string(key) + ": " + why);
  };
  std::int64_t v = -1;
  if (n.is_integer()) {
    v = n.as_integer()->get();
  } else if (n.is_string()) {
    const std::string& name = n.as_string()->get();
    if (name.empty()) return bad(std::string("empty ") + what + " name");
    bool digits = true;
    for (char c : name) digits = digits && c >= '0' && c <= '9';
    if (!digits) {
      const auto id = kind == IdKind::User ? ids.uid_of(name) : ids.gid_of(name);
      if (!id) return bad(std::string("no ") + what + " named '" + name + "' on this system");
      return static_cast<std::uint32_t>(*id);
    }
    v = name.size() > 10 ? kMaxId + 1 : std::stoll(name);
  } else {
    return bad(std::string("must be a ") + what + " name or number, not " +
               std::string(type_name(n.type())));
  }
  if (v < 0 || v > kMaxId)
    return bad(std::to_string(v) + " is not a valid " + what + " id (0.." + std::to_string(kMaxId) +
               ")");
  return static_cast<std::uint32_t>(v);
}

Result<std::optional<std::uint32_t>> read_optional_id(const Section& s, std::string_view key,
                                                      IdKind kind, const IdResolver& ids) {
  const toml::node* n = s.node(key);
  if (n == nullptr) return std::optional<std::uint32_t>{};
  auto id = read_id(s, key, *n, kind, ids);
  if (!id) return std::unexpected(std::move(id.error()));
  return std::optional<std::uint32_t>(*id);
}

template <class Id>
Result<std::vector<Id>> read_id_list(const Section& s, std::string_view key, IdKind kind,
                                     const IdResolver& ids) {
  std::vector<Id> out;
  const toml::node* n = s.node(key);
  if (n == nullptr) return out;
  if (!n->is_array()) return s.wrong_type(key, *n, "an array of names or numbers");
  for (const toml::node& e : *n->as_array()) {
    auto id = read_id(s, key, e, kind, ids);
    if (!id) return std::unexpected(std::move(id.error()));
    out.push_back(static_cast<Id>(*id));
  }
  return out;
}

bool get_bool(const std::optional<bool>& b) { return b.value_or(false); }

// A [[secrets]] path: relative ones live under secrets_dir; absolute ones must already be
// there. Outside is refused on purpose: the agent runs as root and replaces the target, so a
// free absolute path would make one config line (or one config mistake) a way to overwrite any
// file of the system (/etc/sudoers.d/..., a unit file). Whoever needs another place moves
// secrets_dir. ".." is refused everywhere, even where it would stay inside, so that what the
// file says is what the reader sees.
Result<std::filesystem::path> secret_path(const Section& s, const std::filesystem::path& written,
                                          const std::filesystem::path& secrets_dir) {
  const std::string text = written.string();
  for (const auto& part : written)
    if (part == "..") return s.invalid("path", "'" + text + "' must not contain '..'");
  if (text.ends_with('/') || text.ends_with("/."))
    return s.invalid("path", "'" + text + "' names a directory, not a file");
  const std::filesystem::path full =
      (written.is_absolute() ? written : secrets_dir / written).lexically_normal();
  const std::filesystem::path rel = full.lexically_relative(secrets_dir.lexically_normal());
  if (rel.empty() || rel == "." || *rel.begin() == "..")
    return s.invalid("path", "'" + text + "' is outside secrets_dir " + secrets_dir.string() +
                                 " (write relative paths; see packaging/config.toml)");
  return full;
}

// A resource named in [[secrets]] or [[credentials]]: it is fetched from [kbs] url, so a
// kbs://other-host/ address would promise something the agent does not do.
Result<std::string> read_resource(const Section& s) {
  auto text = s.require<std::string>("resource");
  if (!text) return text;
  auto uri = kbs::parse_resource_uri(*text);
  if (!uri) return s.invalid("resource", "is invalid: " + uri.error().message);
  if (!uri->authority.empty())
    return s.invalid("resource", "'" + *text +
                                     "' names a host; resources come from [kbs] url "
                                     "(write kbs:///repo/type/tag)");
  return text;
}

}  // namespace

Result<void> read_agent(const Section& s, const IdResolver& ids, AgentSection& a) {
  ATTEST_TRY(s.check_keys(kAgentKeys));
  std::optional<std::filesystem::path> socket, secrets, credential_socket;
  std::optional<std::string> mode, log_level, rest_listen;
  std::optional<std::uint32_t> refresh;
  ATTEST_TRY(s.get("socket_path", socket));
  ATTEST_TRY(s.get("secrets_dir", secrets));
  ATTEST_TRY(s.get("credential_socket", credential_socket));
  ATTEST_TRY(s.get("socket_mode", mode));
  ATTEST_TRY(s.get("log_level", log_level));
  ATTEST_TRY(s.get("rest_listen", rest_listen));
  ATTEST_TRY(s.get("refresh_seconds", refresh, kMaxRefreshSeconds));
  std::optional<std::uint32_t> measurement_pcr;
  ATTEST_TRY(s.get("measurement_pcr", measurement_pcr, 23));  // PCRs 0-23
  if (measurement_pcr) a.measurement_pcr = *measurement_pcr;  // else the TEE's default
  // The daemon runs from / under systemd: relative paths would be a trap.
  if (socket && socket->is_relative()) return s.invalid("socket_path", "must be absolute");
  if (secrets && secrets->is_relative()) return s.invalid("secrets_dir", "must be absolute");
  if (credential_socket && credential_socket->is_relative())
    return s.invalid("credential_socket", "must be absolute");
  if (socket) a.socket_path = *socket;
  if (secrets) {
    // One spelling ("/run/x", not "/run/x/" or "/run/./x") for the "under secrets_dir" check.
    std::filesystem::path dir = secrets->lexically_normal();
    if (!dir.has_filename() && dir.has_relative_path()) dir = dir.parent_path();
    // "/" would make "under secrets_dir" mean "anywhere", undoing the [[secrets]] path rule.
    if (!dir.has_relative_path()) return s.invalid("secrets_dir", "must not be /");
    a.secrets_dir = dir;
  }
  if (credential_socket) a.credential_socket = *credential_socket;
  if (mode) {
    auto m = parse_mode(*mode);
    if (!m) return s.invalid("socket_mode", m.error().message);
    a.socket_mode = *m;
  }
  auto group = read_optional_id(s, "socket_group", IdKind::Group, ids);
  if (!group) return std::unexpected(std::move(group.error()));
  if (group->has_value()) a.socket_group = static_cast<gid_t>(**group);
  if (log_level) {
    if (auto l = log::parse_level(*log_level); !l)
      return s.invalid("log_level",
                       "'" + *log_level + "' is not one of error, warning, notice, info, debug");
    a.log_level = *log_level;
  }
  if (refresh && *refresh != 0 && *refresh < kMinRefreshSeconds)
    return s.invalid("refresh_seconds", "is " + std::to_string(*refresh) +
                                            ": use 0 (80 % of the token lifetime) or " +
                                            std::to_string(kMinRefreshSeconds) + ".." +
                                            std::to_string(kMaxRefreshSeconds));
  if (refresh) a.refresh_seconds = *refresh;
  if (rest_listen) {
    if (auto l = parse_loopback_listen(*rest_listen); !l)
      return s.invalid("rest_listen", l.error().message);
    a.rest_listen = *rest_listen;
  }
  return {};
}

Result<AccessRule> read_access(const Section& s, const IdResolver& ids) {
  ATTEST_TRY(s.check_keys(kAccessKeys));
  AccessRule r;
  auto uids = read_id_list<uid_t>(s, "uids", IdKind::User, ids);
  if (!uids) return std::unexpected(std::move(uids.error()));
  auto gids = read_id_list<gid_t>(s, "gids", IdKind::Group, ids);
  if (!gids) return std::unexpected(std::move(gids.error()));
  r.uids = std::move(*uids);
  r.gids = std::move(*gids);
  std::optional<bool> loopback, token, evidence, measurements;
  std::optional<std::vector<std::string>> resources;
  ATTEST_TRY(s.get("loopback", loopback));
  ATTEST_TRY(s.get("token", token));
  ATTEST_TRY(s.get("evidence", evidence));
  ATTEST_TRY(s.get("measurements", measurements));
  ATTEST_TRY(s.get("resources", resources));
  r.loopback = get_bool(loopback);
  r.token = get_bool(token);
  r.evidence = get_bool(evidence);
  r.measurements = get_bool(measurements);
  if (resources) {
    for (const auto& g : *resources)
      if (auto v = validate_resource_glob(g); !v) return s.invalid("resources", v.error().message);
    r.resources = std::move(*resources);
  }
  // A rule that matches no caller or grants nothing is certainly a mistake (a misspelt key
  // would already have been refused, but an empty list would not).
  if (r.uids.empty() && r.gids.empty() && !r.loopback)
    return fail(Code::InvalidArgument, s.where("uids") + s.label() +
                                           " names no caller: give uids, gids or loopback = true");
  if (r.resources.empty() && !r.token && !r.evidence && !r.measurements)
    return fail(Code::InvalidArgument,
                s.where("resources") + s.label() +
                    " grants nothing: give resources, or token/evidence/measurements = true");
  return r;
}

Result<SecretEntry> read_secret(const Section& s, const IdResolver& ids,
                                const std::filesystem::path& secrets_dir) {
  ATTEST_TRY(s.check_keys(kSecretKeys));
  SecretEntry e;
  auto resource = read_resource(s);
  if (!resource) return std::unexpected(std::move(resource.error()));
  e.resource = std::move(*resource);
  auto written = s.require<std::filesystem::path>("path");
  if (!written) return std::unexpected(std::move(written.error()));
  auto full = secret_path(s, *written, secrets_dir);
  if (!full) return std::unexpected(std::move(full.error()));
  e.path = std::move(*full);
  std::optional<std::string> mode;
  ATTEST_TRY(s.get("mode", mode));
  if (mode) {
    auto m = parse_secret_mode(*mode);
    if (!m) return s.invalid("mode", m.error().message);
    e.mode = *m;
  }
  auto owner = read_optional_id(s, "owner", IdKind::User, ids);
  if (!owner) return std::unexpected(std::move(owner.error()));
  auto group = read_optional_id(s, "group", IdKind::Group, ids);
  if (!group) return std::unexpected(std::move(group.error()));
  if (*owner) e.owner = static_cast<uid_t>(**owner);
  if (*group) e.group = static_cast<gid_t>(**group);
  return e;
}

Result<CredentialEntry> read_credential(const Section& s) {
  ATTEST_TRY(s.check_keys(kCredentialKeys));
  CredentialEntry c;
  auto unit = s.require<std::string>("unit");
  if (!unit) return std::unexpected(std::move(unit.error()));
  if (auto v = validate_unit_glob(*unit); !v) return s.invalid("unit", v.error().message);
  auto id = s.require<std::string>("id");
  if (!id) return std::unexpected(std::move(id.error()));
  if (!credential_id_valid(*id))
    return s.invalid("id", "'" + *id +
                               "' is not a valid credential ID (1..255 printable ASCII "
                               "characters, no '/' or ':', not '.' or '..')");
  auto resource = read_resource(s);
  if (!resource) return std::unexpected(std::move(resource.error()));
  c.unit = std::move(*unit);
  c.id = std::move(*id);
  c.resource = std::move(*resource);
  return c;
}

}  // namespace attest::config
