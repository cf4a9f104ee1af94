#include "agent/config/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "common/os/posix_os.h"
#include "tests/unit/config/fake_ids.h"
#include "tests/unit/config/temp_config.h"

namespace attest::config {
namespace {

using testing::TempConfigDir;

// load_config through the real Os, as attest-cli and the daemon call it.
Result<AgentConfig> load_real(const std::filesystem::path& p, ConfigOrigin origin) {
  static SystemClock clock;
  static PosixOs os(clock);
  return load_config(os, p, origin);
}

Result<AgentConfig> parse(const std::string& text) { return parse_config(text, "test.toml"); }

TEST(ParseConfig, EmptyTextIsAllDefaults) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->kbs.url);
  EXPECT_FALSE(c->kbs.timeout_seconds);
  EXPECT_FALSE(c->kbs.insecure_http);
  EXPECT_FALSE(c->evidence.tee);
  EXPECT_FALSE(c->evidence.tcti);
  EXPECT_FALSE(c->evidence.ak_handle);
  EXPECT_EQ(c->agent.socket_path, "/run/attest-agent/agent.sock");
  EXPECT_EQ(c->agent.secrets_dir, "/run/attest-agent/secrets");
}

TEST(ParseConfig, ReadsEveryKbsKey) {
  auto c = parse(R"([kbs]
url = "https://kbs.example:8080"
cert_file = "/etc/ca.pem"
trust_system_store = true
pin_sha256 = ["abc=", "sha256//def="]
client_cert = "/etc/c.pem"
client_key = "/etc/c.key"
key_alg = "rsa-oaep-256"
timeout_seconds = 12.5
insecure_http = true
initdata_file = "/etc/initdata.toml"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->kbs.url, "https://kbs.example:8080");
  EXPECT_EQ(c->kbs.cert_file, "/etc/ca.pem");
  EXPECT_EQ(c->kbs.trust_system_store, true);
  EXPECT_EQ(c->kbs.pin_sha256, (std::vector<std::string>{"abc=", "sha256//def="}));
  EXPECT_EQ(c->kbs.client_cert, "/etc/c.pem");
  EXPECT_EQ(c->kbs.client_key, "/etc/c.key");
  EXPECT_EQ(c->kbs.key_alg, "rsa-oaep-256");
  EXPECT_EQ(c->kbs.timeout_seconds, 12.5);
  EXPECT_EQ(c->kbs.insecure_http, true);
  EXPECT_EQ(c->kbs.initdata_file, "/etc/initdata.toml");
}

TEST(ParseConfig, IntegerTimeoutIsAccepted) {
  auto c = parse("[kbs]\ntimeout_seconds = 30\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->kbs.timeout_seconds, 30.0);
}

TEST(ParseConfig, ReadsEveryEvidenceAndAgentKey) {
  auto c = parse(R"([evidence]
tee = "az-snp-vtpm"
tcti = "swtpm:host=127.0.0.1,port=2321"
ak_handle = 0x81000003
tsm_report_dir = "/tmp/tsm"
tpm_eventlog = "/tmp/eventlog"
ccel_path = "/tmp/ccel"
snp_vmpl = 2
aael_path = "/run/x/./aael"

[agent]
socket_path = "/run/x.sock"
secrets_dir = "/run/x"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->evidence.tee, "az-snp-vtpm");
  EXPECT_EQ(c->evidence.tcti, "swtpm:host=127.0.0.1,port=2321");
  EXPECT_EQ(c->evidence.ak_handle, 0x81000003u);
  EXPECT_EQ(c->evidence.tsm_report_dir, std::filesystem::path("/tmp/tsm"));
  EXPECT_EQ(c->evidence.tpm_eventlog, std::filesystem::path("/tmp/eventlog"));
  EXPECT_EQ(c->evidence.ccel_path, std::filesystem::path("/tmp/ccel"));
  EXPECT_EQ(c->evidence.snp_vmpl, 2u);
  EXPECT_EQ(c->evidence.aael_path, std::filesystem::path("/run/x/aael"));  // normalized
  EXPECT_EQ(c->agent.socket_path, "/run/x.sock");
  EXPECT_EQ(c->agent.secrets_dir, "/run/x");

  ProviderConfig p;
  apply_evidence(c->evidence, p);
  EXPECT_EQ(p.tcti, "swtpm:host=127.0.0.1,port=2321");
  EXPECT_EQ(p.tpm_ak_handle, 0x81000003u);
  EXPECT_EQ(p.tsm_report_dir, "/tmp/tsm");
  EXPECT_EQ(p.tpm_eventlog, "/tmp/eventlog");
  EXPECT_EQ(p.ccel_data, "/tmp/ccel");
  EXPECT_EQ(p.snp_vmpl, 2u);
  EXPECT_EQ(p.aael_path, "/run/x/aael");
  EXPECT_EQ(p.tpm_device, ProviderConfig{}.tpm_device);  // not in the file: untouched
}

TEST(ParseConfig, AaelPathMustBeAnAbsoluteFileName) {
  for (const char* bad : {"aael_path = \"run/eventlog\"", "aael_path = \"/run/attest-agent/\"",
                          "aael_path = \"/\"", "aael_path = \"/run/..\"", "aael_path = 3"}) {
    auto c = parse(std::string("[evidence]\n") + bad + "\n");
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().code, Code::InvalidArgument) << bad;
    EXPECT_NE(c.error().message.find("aael_path"), std::string::npos) << c.error().message;
  }
  auto relative = parse("[evidence]\naael_path = \"eventlog\"\n");
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message.find("must be absolute"), std::string::npos)
      << relative.error().message;
  auto dir = parse("[evidence]\naael_path = \"/run/attest-agent/\"\n");
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("must name a file"), std::string::npos) << dir.error().message;
}

TEST(ParseConfig, ApplyingAnEmptySectionChangesNothing) {
  ProviderConfig p;
  p.tcti = "mssim:";
  apply_evidence({}, p);
  EXPECT_EQ(p.tcti, "mssim:");
  EXPECT_EQ(p.tpm_ak_handle, 0x81010002u);
}

struct BadCase {
  std::string text;
  std::string message;
};

TEST(ParseConfig, TyposAndWrongTypesNameTheKeyAndLine) {
  const BadCase cases[] = {
      {"[kbs]\nurl = \"https://k\"\nurll = \"https://k\"\n",
       "test.toml:3: unknown key 'urll' in [kbs] (known: url, cert_file, trust_system_store, "
       "pin_sha256, client_cert, client_key, key_alg, timeout_seconds, insecure_http, "
       "initdata_file)"},
      {"\n[kbss]\nurl = \"x\"\n",
       "test.toml:2: unknown section [kbss] (known: kbs, evidence, agent, access, secrets, "
       "credentials)"},
      {"url = \"https://k\"\n",
       "test.toml:1: unknown top-level key 'url' (settings go in [kbs], [evidence] or [agent])"},
      {"kbs = 1\n", "test.toml:1: kbs must be a section ([kbs]), not an integer"},
      {"[kbs]\n\ntimeout_seconds = \"10\"\n",
       "test.toml:3: [kbs] timeout_seconds must be a number, not a string"},
      {"[kbs]\ninsecure_http = \"yes\"\n",
       "test.toml:2: [kbs] insecure_http must be a boolean (true or false), not a string"},
      {"[kbs]\nurl = 8080\n", "test.toml:2: [kbs] url must be a string, not an integer"},
      {"[evidence]\nak_handle = \"0x81010002\"\n",
       "test.toml:2: [evidence] ak_handle must be an integer, not a string"},
      {"[evidence]\nsnp_vmpl = 4\n", "test.toml:2: [evidence] snp_vmpl is 4, outside 0..3"},
      {"[evidence]\nak_handle = -1\n",
       "test.toml:2: [evidence] ak_handle is -1, outside 0..4294967295"},
      {"[evidence]\ntcti = [\"device\"]\n",
       "test.toml:2: [evidence] tcti must be a string, not an array"},
      {"[evidence]\ntee = \"sgx\"\n",
       "test.toml:2: [evidence] tee is invalid: unknown TEE 'sgx' (known: tdx, snp, cca, "
       "az-snp-vtpm, az-tdx-vtpm, tpm, sample)"},
      {"[kbs]\nkey_alg = \"ec-p384\"\n",
       "test.toml:2: [kbs] key_alg 'ec-p384' is not one of ec-p256, ec-p521, rsa-oaep-256"},
      {"[kbs]\ntimeout_seconds = 0\n",
       "test.toml:2: [kbs] timeout_seconds must be between 0.1 and 3600"},
      {"[kbs]\nclient_cert = \"/c.pem\"\n",
       "test.toml:2: [kbs] client_cert needs client_cert and client_key together"},
      {"[agent]\nsocket_path = \"agent.sock\"\n",
       "test.toml:2: [agent] socket_path must be absolute"},
      {"[evidence]\nccel_path = \"\"\n", "test.toml:2: [evidence] ccel_path must not be empty"},
      {"[kbs.tls]\nverify = false\n",
       "test.toml:1: unknown key 'tls' in [kbs] (known: url, cert_file, trust_system_store, "
       "pin_sha256, client_cert, client_key, key_alg, timeout_seconds, insecure_http, "
       "initdata_file)"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code, Code::InvalidArgument) << c.text;
    EXPECT_EQ(r.error().message, c.message) << c.text;
  }
}

TEST(ParseConfig, SyntaxErrorNamesTheLine) {
  auto r = parse("[kbs]\nurl = \"https://k\"\ntimeout_seconds = \n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_TRUE(r.error().message.starts_with("test.toml:3: ")) << r.error().message;
  auto dup = parse("[kbs]\nurl = \"a\"\nurl = \"b\"\n");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Code::InvalidArgument);
  EXPECT_TRUE(dup.error().message.starts_with("test.toml:3: ")) << dup.error().message;
}

// The shipped /etc/attest-agent/config.toml, with its commented keys switched on, states
// exactly the built-in defaults.
TEST(ShippedConfig, CommentedValuesAreTheBuiltInDefaults) {
  std::ifstream in(std::string(ATTEST_FIXTURES_DIR) + "/../../packaging/config.toml");
  ASSERT_TRUE(in);
  std::stringstream all;
  all << in.rdbuf();
  auto as_is = parse(all.str());
  ASSERT_TRUE(as_is) << as_is.error().message;
  EXPECT_FALSE(as_is->kbs.url);
  EXPECT_FALSE(as_is->evidence.tcti);

  const std::string enabled =
      std::regex_replace(all.str(), std::regex("^# ([a-z_]+ = )", std::regex::multiline), "$1");
  const testing::FakeIds ids;
  auto on = parse_config(enabled, "enabled.toml", ids);
  ASSERT_TRUE(on) << on.error().message;
  const ProviderConfig defaults;
  ProviderConfig applied;
  applied.tcti = "changed";
  applied.tpm_ak_handle = 1;
  apply_evidence(on->evidence, applied);
  EXPECT_EQ(applied.tcti, defaults.tcti);
  EXPECT_EQ(applied.tpm_ak_handle, defaults.tpm_ak_handle);
  EXPECT_EQ(applied.tsm_report_dir, defaults.tsm_report_dir);
  EXPECT_EQ(applied.tpm_eventlog, defaults.tpm_eventlog);
  EXPECT_EQ(applied.ccel_data, defaults.ccel_data);
  EXPECT_EQ(applied.snp_vmpl, defaults.snp_vmpl);
  EXPECT_EQ(on->evidence.tee, "auto");
  EXPECT_EQ(on->kbs.key_alg, "ec-p256");
  EXPECT_EQ(on->kbs.timeout_seconds, 60.0);
  EXPECT_EQ(on->kbs.insecure_http, false);
  auto defaults_only = parse_config("", "empty.toml", ids);
  ASSERT_TRUE(defaults_only) << defaults_only.error().message;
  const AgentSection& d = defaults_only->agent;
  EXPECT_EQ(on->agent.socket_path, d.socket_path);
  EXPECT_EQ(on->agent.socket_mode, d.socket_mode);
  // Unset, the listener picks "attest" when that group exists: the value the file shows.
  EXPECT_FALSE(d.socket_group);
  EXPECT_EQ(on->agent.socket_group, ids.gid_of("attest"));
  EXPECT_EQ(on->agent.secrets_dir, d.secrets_dir);
  EXPECT_EQ(on->agent.log_level, d.log_level);
  EXPECT_EQ(on->agent.refresh_seconds, d.refresh_seconds);
  EXPECT_EQ(on->agent.credential_socket, d.credential_socket);
  EXPECT_EQ(on->agent.rest_listen, "127.0.0.1:8006");  // an example: off by default
  EXPECT_FALSE(d.rest_listen);
  // The [[...]] examples stay examples: commented out, they add no entries.
  EXPECT_TRUE(on->access.empty());
  EXPECT_TRUE(on->secrets.empty());
  EXPECT_TRUE(on->credentials.empty());
}

// The [[access]], [[secrets]] and [[credentials]] examples of the shipped file are valid.
TEST(ShippedConfig, ExamplesParse) {
  std::ifstream in(std::string(ATTEST_FIXTURES_DIR) + "/../../packaging/config.toml");
  ASSERT_TRUE(in);
  std::stringstream all;
  all << in.rdbuf();
  std::string examples = std::regex_replace(
      all.str(), std::regex("^# (\\[\\[[a-z]+\\]\\])$", std::regex::multiline), "$1");
  examples = std::regex_replace(examples, std::regex("^#   ", std::regex::multiline), "");
  auto c = parse_config(examples, "examples.toml", testing::FakeIds{});
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->access.size(), 2u);
  EXPECT_EQ(c->access[0].uids, (std::vector<uid_t>{112, 1001}));
  EXPECT_TRUE(c->access[1].loopback);
  ASSERT_EQ(c->secrets.size(), 1u);
  EXPECT_EQ(c->secrets[0].path, "/run/attest-agent/secrets/root-disk.key");
  ASSERT_EQ(c->credentials.size(), 1u);
  EXPECT_EQ(c->credentials[0].id, "db.tls-key");
}

TEST(LoadConfig, MissingDefaultFileIsDefaults) {
  TempConfigDir dir;
  auto c = load_real(dir.path() / "config.toml", ConfigOrigin::Default);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->kbs.url);
  EXPECT_EQ(c->agent.socket_path, "/run/attest-agent/agent.sock");
}

TEST(LoadConfig, MissingExplicitFileIsAnError) {
  TempConfigDir dir;
  const auto p = dir.path() / "config.toml";
  auto c = load_real(p, ConfigOrigin::Explicit);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Code::InvalidArgument);
  EXPECT_TRUE(c.error().message.starts_with("config file " + p.string() + ": "))
      << c.error().message;
}

TEST(LoadConfig, ReadsAFileAndNamesItInErrors) {
  TempConfigDir dir;
  const auto good = dir.write("good.toml", "[kbs]\nurl = \"https://k\"\n", 0644);
  auto c = load_real(good, ConfigOrigin::Explicit);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->kbs.url, "https://k");
  const auto bad = dir.write("bad.toml", "[kbs]\nulr = \"https://k\"\n", 0600);
  auto b = load_real(bad, ConfigOrigin::Default);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, Code::InvalidArgument);
  EXPECT_TRUE(b.error().message.starts_with(bad.string() + ":2: unknown key 'ulr' in [kbs]"))
      << b.error().message;
}

TEST(LoadConfig, GroupOrWorldWritableFileIsRefused) {
  TempConfigDir dir;
  const auto world = dir.write("world.toml", "", 0666);
  auto w = load_real(world, ConfigOrigin::Default);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Code::PermissionDenied);
  EXPECT_EQ(w.error().message, "config file " + world.string() +
                                   " is writable by group or others (mode 0666); it decides "
                                   "where secrets come from: chmod go-w it");
  const auto group = dir.write("group.toml", "", 0620);
  auto g = load_real(group, ConfigOrigin::Explicit);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, Code::PermissionDenied);
  EXPECT_NE(g.error().message.find("(mode 0620)"), std::string::npos);
}

TEST(LoadConfig, DirectoryIsNotAConfigFile) {
  TempConfigDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  auto d = load_real(dir.path(), ConfigOrigin::Explicit);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Code::InvalidArgument);
  EXPECT_EQ(d.error().message, "config file " + dir.path().string() + " is not a regular file");
}

TEST(ConfigFileMode, OwnerMustBeRootOrTheCaller) {
  EXPECT_TRUE(check_config_file_mode("/c", 0100644, 0, 1000));
  EXPECT_TRUE(check_config_file_mode("/c", 0100600, 1000, 1000));
  EXPECT_TRUE(check_config_file_mode("/c", 0100444, 0, 0));
  auto other = check_config_file_mode("/c", 0100644, 1001, 1000);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Code::PermissionDenied);
  EXPECT_EQ(other.error().message,
            "config file /c is owned by uid 1001, neither root nor the caller; refusing it");
  auto world = check_config_file_mode("/c", 0100602, 0, 0);
  ASSERT_FALSE(world);
  EXPECT_EQ(world.error().code, Code::PermissionDenied);
}

}  // namespace
}  // namespace attest::config
