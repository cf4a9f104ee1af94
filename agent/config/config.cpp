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

namespace attest::config {
namespace {

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    default:
      return "nothing";
  }
}

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// One [section] of the file: reports errors as "<source>:<line>: [section] key ...".
class Section {
 public:
  Section(std::string_view source, std::string_view name, const toml::table& table)
      : source_(source), name_(name), table_(table) {}

  // Every key must be one of `known`: a typo is an error, not a silently ignored line.
  [[nodiscard]] Result<void> check_keys(std::span<const std::string_view> known) const {
    for (auto&& [k, v] : table_) {
      bool found = false;
      for (auto n : known) found = found || k.str() == n;
      if (!found)
        return fail(Code::InvalidArgument, at(k.source()) + "unknown key '" + std::string(k.str()) +
                                               "' in [" + name_ + "] (known: " + join(known) + ")");
    }
    return {};
  }

  [[nodiscard]] Result<void> get(std::string_view key, std::optional<std::string>& out) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return {};
    if (!n->is_string()) return wrong_type(key, *n, "a string");
    out = n->as_string()->get();
    return {};
  }

  [[nodiscard]] Result<void> get(std::string_view key,
                                 std::optional<std::filesystem::path>& out) const {
    std::optional<std::string> s;
    ATTEST_TRY(get(key, s));
    if (!s) return {};
    if (s->empty()) return invalid(key, "must not be empty");
    out = *s;
    return {};
  }

  [[nodiscard]] Result<void> get(std::string_view key, std::optional<bool>& out) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return {};
    if (!n->is_boolean()) return wrong_type(key, *n, "a boolean (true or false)");
    out = n->as_boolean()->get();
    return {};
  }

  // A number of seconds: TOML's 10 and 10.0 are both accepted.
  [[nodiscard]] Result<void> get(std::string_view key, std::optional<double>& out) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return {};
    if (n->is_integer())
      out = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point())
      out = n->as_floating_point()->get();
    else
      return wrong_type(key, *n, "a number");
    return {};
  }

  // Integers in [0, max]; TOML's 0x81010002 spelling works for handles.
  [[nodiscard]] Result<void> get(std::string_view key, std::optional<std::uint32_t>& out,
                                 std::uint32_t max) const {
    const toml::node* n = table_.get(key);
    if (n == nullptr) return {};
    if (!n->is_integer()) return wrong_type(key, *n, "an integer");
    const std::int64_t v = n->as_integer()->get();
    if (v < 0 || v > static_cast<std::int64_t>(max))
      return invalid(key, "is " + std::to_string(v) + ", outside 0.." + std::to_string(max));
    out = static_cast<std::uint32_t>(v);
    return {};
  }

  [[nodiscard]] std::unexpected<Error> invalid(std::string_view key, std::string what) const {
    const toml::node* n = table_.get(key);
    return fail(Code::InvalidArgument,
                (n != nullptr ? at(n->source()) : std::string(source_) + ": ") + "[" + name_ +
                    "] " + std::string(key) + " " + what);
  }

 private:
  std::string at(const toml::source_region& r) const {
    return std::string(source_) + ":" + std::to_string(r.begin.line) + ": ";
  }

  std::unexpected<Error> wrong_type(std::string_view key, const toml::node& n,
                                    std::string_view expected) const {
    return invalid(
        key, "must be " + std::string(expected) + ", not " + std::string(type_name(n.type())));
  }

  std::string_view source_;
  std::string name_;
  const toml::table& table_;
};

constexpr std::array<std::string_view, 8> kKbsKeys{
    "url",     "cert_file",       "client_cert",   "client_key",
    "key_alg", "timeout_seconds", "insecure_http", "initdata_file"};
constexpr std::array<std::string_view, 7> kEvidenceKeys{
    "tee", "tcti", "ak_handle", "tsm_report_dir", "tpm_eventlog", "ccel_path", "snp_vmpl"};
constexpr std::array<std::string_view, 2> kAgentKeys{"socket_path", "secrets_dir"};
constexpr std::array<std::string_view, 3> kSections{"kbs", "evidence", "agent"};
constexpr std::array<std::string_view, 3> kKeyAlgs{"ec-p256", "ec-p521", "rsa-oaep-256"};

Result<void> read_kbs(const Section& s, KbsSection& k) {
  ATTEST_TRY(s.check_keys(kKbsKeys));
  ATTEST_TRY(s.get("url", k.url));
  ATTEST_TRY(s.get("cert_file", k.cert_file));
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
  if (e.tee && *e.tee != "auto") {
    auto kind = parse_tee(*e.tee);
    if (!kind) return s.invalid("tee", "is invalid: " + kind.error().message);
  }
  if (e.tcti && e.tcti->empty()) return s.invalid("tcti", "must not be empty");
  return {};
}

Result<void> read_agent(const Section& s, AgentSection& a) {
  ATTEST_TRY(s.check_keys(kAgentKeys));
  std::optional<std::filesystem::path> socket;
  std::optional<std::filesystem::path> secrets;
  ATTEST_TRY(s.get("socket_path", socket));
  ATTEST_TRY(s.get("secrets_dir", secrets));
  // The daemon runs from / under systemd: relative paths would be a trap.
  if (socket && socket->is_relative()) return s.invalid("socket_path", "must be absolute");
  if (secrets && secrets->is_relative()) return s.invalid("secrets_dir", "must be absolute");
  if (socket) a.socket_path = *socket;
  if (secrets) a.secrets_dir = *secrets;
  return {};
}

Result<AgentConfig> from_table(const toml::table& root, std::string_view source) {
  AgentConfig cfg;
  for (auto&& [k, v] : root) {
    const std::string where =
        std::string(source) + ":" + std::to_string(k.source().begin.line) + ": ";
    const std::string name(k.str());
    bool known = false;
    for (auto n : kSections) known = known || name == n;
    if (!known && !v.is_table())
      return fail(Code::InvalidArgument, where + "unknown top-level key '" + name +
                                             "' (settings go in [kbs], [evidence] or [agent])");
    if (!known)
      return fail(Code::InvalidArgument,
                  where + "unknown section [" + name + "] (known: " + join(kSections) + ")");
    if (!v.is_table())
      return fail(Code::InvalidArgument, where + name + " must be a section ([" + name +
                                             "]), not " + std::string(type_name(v.type())));
    const Section s(source, name, *v.as_table());
    if (name == "kbs") ATTEST_TRY(read_kbs(s, cfg.kbs));
    if (name == "evidence") ATTEST_TRY(read_evidence(s, cfg.evidence));
    if (name == "agent") ATTEST_TRY(read_agent(s, cfg.agent));
  }
  return cfg;
}

}  // namespace

Result<AgentConfig> parse_config(std::string_view text, std::string_view source) {
  try {
    const toml::table root = toml::parse(text, source);
    return from_table(root, source);
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
  // O_NONBLOCK: a FIFO planted at the path must not hang the start; fstat refuses it below.
  auto fd = os.open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (!fd) {
    Error e = std::move(fd.error()).with_context("config file " + path.string());
    if (e.code == Code::NotFound && origin == ConfigOrigin::Default) return AgentConfig{};
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
  return parse_config(std::string(bytes->begin(), bytes->end()), path.string());
}

void apply_evidence(const EvidenceSection& e, ProviderConfig& cfg) {
  if (e.tcti) cfg.tcti = *e.tcti;
  if (e.ak_handle) cfg.tpm_ak_handle = *e.ak_handle;
  if (e.tsm_report_dir) cfg.tsm_report_dir = *e.tsm_report_dir;
  if (e.tpm_eventlog) cfg.tpm_eventlog = *e.tpm_eventlog;
  if (e.ccel_path) cfg.ccel_data = *e.ccel_path;
  if (e.snp_vmpl) cfg.snp_vmpl = *e.snp_vmpl;
}

}  // namespace attest::config
