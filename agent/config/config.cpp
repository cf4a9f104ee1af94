#include "agent/config/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <span>

#include <toml++/toml.h>

#include "agent/config/agent_sections.h"
#include "agent/config/toml_section.h"

namespace attest::config {
namespace {

constexpr std::array<std::string_view, 10> kKbsKeys{
    "url",        "cert_file", "trust_system_store", "pin_sha256",    "client_cert",
    "client_key", "key_alg",   "timeout_seconds",    "insecure_http", "initdata_file"};
constexpr std::array<std::string_view, 8> kEvidenceKeys{
    "tee",          "tcti",      "ak_handle", "tsm_report_dir",
    "tpm_eventlog", "ccel_path", "snp_vmpl",  "aael_path"};
constexpr std::array<std::string_view, 3> kSections{"kbs", "evidence", "agent"};
// Arrays of tables: [[access]], [[secrets]], [[credentials]].
constexpr std::array<std::string_view, 3> kEntryLists{"access", "secrets", "credentials"};
constexpr std::array<std::string_view, 3> kKeyAlgs{"ec-p256", "ec-p521", "rsa-oaep-256"};

Result<void> read_kbs(const Section& s, KbsSection& k) {
  ATTEST_TRY(s.check_keys(kKbsKeys));
  ATTEST_TRY(s.get("url", k.url));
  ATTEST_TRY(s.get("cert_file", k.cert_file));
  ATTEST_TRY(s.get("trust_system_store", k.trust_system_store));
  ATTEST_TRY(s.get("pin_sha256", k.pin_sha256));
  ATTEST_TRY(s.get("client_cert", k.client_cert));
  ATTEST_TRY(s.get("client_key", k.client_key));
  ATTEST_TRY(s.get("key_alg", k.key_alg));
  ATTEST_TRY(s.get("timeout_seconds", k.timeout_seconds));
  ATTEST_TRY(s.get("insecure_http", k.insecure_http));
  ATTEST_TRY(s.get("initdata_file", k.initdata_file));
  if (k.key_alg) {
    bool ok = false;
    for (auto a : kKeyAlgs) ok = ok || *k.key_alg == a;
    if (!ok) return s.invalid("key_alg", "'" + *k.key_alg + "' is not one of " + join(kKeyAlgs));
  }
  // The same bounds as --timeout.
  if (k.timeout_seconds && !(*k.timeout_seconds >= 0.1 && *k.timeout_seconds <= 3600.0))
    return s.invalid("timeout_seconds", "must be between 0.1 and 3600");
  // mTLS needs both halves, as on the command line.
  if (k.client_cert.has_value() != k.client_key.has_value())
    return s.invalid(k.client_cert ? "client_cert" : "client_key",
                     "needs client_cert and client_key together");
  return {};
}

Result<void> read_evidence(const Section& s, EvidenceSection& e) {
  ATTEST_TRY(s.check_keys(kEvidenceKeys));
  ATTEST_TRY(s.get("tee", e.tee));
  ATTEST_TRY(s.get("tcti", e.tcti));
  ATTEST_TRY(s.get("ak_handle", e.ak_handle, std::numeric_limits<std::uint32_t>::max()));
  ATTEST_TRY(s.get("tsm_report_dir", e.tsm_report_dir));
  ATTEST_TRY(s.get("tpm_eventlog", e.tpm_eventlog));
  ATTEST_TRY(s.get("ccel_path", e.ccel_path));
  ATTEST_TRY(s.get("snp_vmpl", e.snp_vmpl, 3));
  ATTEST_TRY(s.get("aael_path", e.aael_path));
  if (e.tee && *e.tee != "auto") {
    auto kind = parse_tee(*e.tee);
    if (!kind) return s.invalid("tee", "is invalid: " + kind.error().message);
  }
  if (e.tcti && e.tcti->empty()) return s.invalid("tcti", "must not be empty");
  // The daemon appends to this file as root and the evidence carries it: a relative path would
  // depend on the working directory, and a directory or "/" names no file at all.
  if (e.aael_path) {
    if (e.aael_path->is_relative()) return s.invalid("aael_path", "must be absolute");
    const std::filesystem::path normal = e.aael_path->lexically_normal();
    if (!normal.has_filename() || normal.filename() == "..")
      return s.invalid("aael_path", "must name a file, not a directory");
    e.aael_path = normal;
  }
  return {};
}

bool one_of(std::string_view name, std::span<const std::string_view> names) {
  for (auto n : names)
    if (name == n) return true;
  return false;
}

// Each [[name]] entry in file order, as Sections labelled "[[name]]".
template <class Read>
Result<void> for_each_entry(const toml::table& root, std::string_view source, std::string_view name,
                            Read&& read) {
  const toml::node* n = root.get(name);
  if (n == nullptr) return {};
  for (const toml::node& e : *n->as_array())
    ATTEST_TRY(read(Section(source, "[[" + std::string(name) + "]]", *e.as_table())));
  return {};
}

// The same path twice would make two entries race for one file; the same (unit, id) twice
// would make the answer depend on the order of the file.
Result<void> check_duplicates(const toml::table& root, std::string_view source,
                              const AgentConfig& cfg) {
  const auto line_of = [&](std::string_view list, std::size_t i, std::string_view key) {
    return Section(source, "", *root.get(list)->as_array()->get(i)->as_table()).line(key);
  };
  for (std::size_t i = 0; i < cfg.secrets.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.secrets[i].path == cfg.secrets[j].path)
        return fail(Code::InvalidArgument,
                    std::string(source) + ":" + std::to_string(line_of("secrets", i, "path")) +
                        ": [[secrets]] path " + cfg.secrets[i].path.string() +
                        " is already used by the entry at line " +
                        std::to_string(line_of("secrets", j, "path")));
  for (std::size_t i = 0; i < cfg.credentials.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.credentials[i].unit == cfg.credentials[j].unit &&
          cfg.credentials[i].id == cfg.credentials[j].id)
        return fail(Code::InvalidArgument,
                    std::string(source) + ":" + std::to_string(line_of("credentials", i, "id")) +
                        ": [[credentials]] unit '" + cfg.credentials[i].unit + "' id '" +
                        cfg.credentials[i].id + "' is already defined at line " +
                        std::to_string(line_of("credentials", j, "id")));
  return {};
}

Result<AgentConfig> from_table(const toml::table& root, std::string_view source,
                               const IdResolver& ids) {
  // Shapes first (every key known, sections are tables, entry lists are [[arrays]]), then the
  // contents in a fixed order: [[secrets]] paths need [agent] secrets_dir wherever it stands.
  for (auto&& [k, v] : root) {
    const std::string where =
        std::string(source) + ":" + std::to_string(k.source().begin.line) + ": ";
    const std::string name(k.str());
    if (one_of(name, kEntryLists)) {
      if (!v.is_array_of_tables())
        return fail(Code::InvalidArgument, where + name + " must be a list of tables ([[" + name +
                                               "]] entries), not " +
                                               std::string(type_name(v.type())));
      continue;
    }
    const bool known = one_of(name, kSections);
    if (!known && !v.is_table())
      return fail(Code::InvalidArgument, where + "unknown top-level key '" + name +
                                             "' (settings go in [kbs], [evidence] or [agent])");
    if (!known)
      return fail(Code::InvalidArgument, where + "unknown section [" + name + "] (known: " +
                                             join(kSections) + ", " + join(kEntryLists) + ")");
    if (!v.is_table())
      return fail(Code::InvalidArgument, where + name + " must be a section ([" + name +
                                             "]), not " + std::string(type_name(v.type())));
  }
  AgentConfig cfg;
  const auto section = [&](std::string_view name) -> std::optional<Section> {
    const toml::node* n = root.get(name);
    if (n == nullptr) return std::nullopt;
    return Section(source, std::string("[").append(name).append("]"), *n->as_table());
  };
  if (auto s = section("kbs")) ATTEST_TRY(read_kbs(*s, cfg.kbs));
  if (auto s = section("evidence")) ATTEST_TRY(read_evidence(*s, cfg.evidence));
  if (auto s = section("agent")) ATTEST_TRY(read_agent(*s, ids, cfg.agent));
  ATTEST_TRY(for_each_entry(root, source, "access", [&](const Section& s) -> Result<void> {
    auto r = read_access(s, ids);
    if (!r) return std::unexpected(std::move(r.error()));
    cfg.access.push_back(std::move(*r));
    return {};
  }));
  ATTEST_TRY(for_each_entry(root, source, "secrets", [&](const Section& s) -> Result<void> {
    auto e = read_secret(s, ids, cfg.agent.secrets_dir);
    if (!e) return std::unexpected(std::move(e.error()));
    cfg.secrets.push_back(std::move(*e));
    return {};
  }));
  ATTEST_TRY(for_each_entry(root, source, "credentials", [&](const Section& s) -> Result<void> {
    auto c = read_credential(s);
    if (!c) return std::unexpected(std::move(c.error()));
    cfg.credentials.push_back(std::move(*c));
    return {};
  }));
  ATTEST_TRY(check_duplicates(root, source, cfg));
  return cfg;
}

}  // namespace

Result<AgentConfig> parse_config(std::string_view text, std::string_view source) {
  return parse_config(text, source, system_id_resolver());
}

Result<AgentConfig> parse_config(std::string_view text, std::string_view source,
                                 const IdResolver& ids) {
  try {
    const toml::table root = toml::parse(text, source);
    return from_table(root, source, ids);
  } catch (const toml::parse_error& e) {
    return fail(Code::InvalidArgument, std::string(source) + ":" +
                                           std::to_string(e.source().begin.line) + ": " +
                                           std::string(e.description()));
  } catch (const std::exception& e) {  // toml++ allocates; nothing else should throw
    return fail(Code::Internal, std::string(source) + ": " + e.what());
  }
}

Result<void> check_config_file_mode(const std::filesystem::path& path, mode_t mode, uid_t owner,
                                    uid_t caller) {
  if ((mode & (S_IWGRP | S_IWOTH)) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof(octal), "%04o", static_cast<unsigned>(mode & 07777));
    return fail(Code::PermissionDenied, "config file " + path.string() +
                                            " is writable by group or others (mode " + octal +
                                            "); it decides where secrets come from: chmod go-w it");
  }
  if (owner != 0 && owner != caller)
    return fail(Code::PermissionDenied, "config file " + path.string() + " is owned by uid " +
                                            std::to_string(owner) +
                                            ", neither root nor the caller; refusing it");
  return {};
}

Result<AgentConfig> load_config(Os& os, const std::filesystem::path& path, ConfigOrigin origin) {
  return load_config(os, path, origin, system_id_resolver());
}

Result<AgentConfig> load_config(Os& os, const std::filesystem::path& path, ConfigOrigin origin,
                                const IdResolver& ids) {
  // O_NONBLOCK: a FIFO planted at the path must not hang the start; fstat refuses it below.
  auto fd = os.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (!fd) {
    Error e = std::move(fd.error()).with_context("config file " + path.string());
    if (e.code == Code::NotFound && origin == ConfigOrigin::Default)
      return parse_config("", path.string(), ids);
    if (e.code == Code::NotFound) e.code = Code::InvalidArgument;
    return std::unexpected(std::move(e));
  }
  auto st = os.fstat(*fd);
  if (!st)
    return std::unexpected(std::move(st.error()).with_context("config file " + path.string()));
  if (!st->is_regular())
    return fail(Code::InvalidArgument, "config file " + path.string() + " is not a regular file");
  ATTEST_TRY(check_config_file_mode(path, st->mode, st->uid, ::geteuid()));
  // Read from the descriptor just checked (not the path again); the bound holds while reading.
  auto bytes = read_all(os, *fd, kMaxConfigBytes);
  if (!bytes)
    return std::unexpected(std::move(bytes.error()).with_context("config file " + path.string()));
  return parse_config(std::string(bytes->begin(), bytes->end()), path.string(), ids);
}

void apply_evidence(const EvidenceSection& e, ProviderConfig& cfg) {
  if (e.tcti) cfg.tcti = *e.tcti;
  if (e.ak_handle) cfg.tpm_ak_handle = *e.ak_handle;
  if (e.tsm_report_dir) cfg.tsm_report_dir = *e.tsm_report_dir;
  if (e.tpm_eventlog) cfg.tpm_eventlog = *e.tpm_eventlog;
  if (e.ccel_path) cfg.ccel_data = *e.ccel_path;
  if (e.aael_path) cfg.aael_path = *e.aael_path;
  if (e.snp_vmpl) cfg.snp_vmpl = *e.snp_vmpl;
}

}  // namespace attest::config
