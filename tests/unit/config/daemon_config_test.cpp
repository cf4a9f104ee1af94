// The daemon's parts of config.toml: [agent] keys, [[access]], [[secrets]], [[credentials]].
#include <gtest/gtest.h>

#include "agent/config/config.h"
#include "agent/kbs/resource_uri.h"
#include "tests/unit/config/fake_ids.h"

namespace attest::config {
namespace {

using testing::FakeIds;

Result<AgentConfig> parse(const std::string& text, const IdResolver& ids) {
  return parse_config(text, "test.toml", ids);
}
Result<AgentConfig> parse(const std::string& text) { return parse(text, FakeIds{}); }

// The error message of `text`, which must fail with InvalidArgument.
std::string error_of(const std::string& text) {
  auto r = parse(text);
  if (r) return "<parsed>";
  EXPECT_EQ(r.error().code, Code::InvalidArgument) << text;
  return r.error().message;
}

TEST(AgentSection, DefaultsWhenAbsent) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->agent.socket_mode, 0660u);
  EXPECT_FALSE(c->agent.socket_group);  // the listener picks "attest" or its own at bind
  EXPECT_EQ(c->agent.log_level, "info");
  EXPECT_EQ(c->agent.refresh_seconds, 0u);
  EXPECT_FALSE(c->agent.measurement_pcr);  // the TEE's default, chosen at start
  EXPECT_FALSE(c->agent.rest_listen);
  EXPECT_EQ(c->agent.credential_socket, "/run/attest-agent/credentials.sock");
  EXPECT_TRUE(c->access.empty());
  EXPECT_TRUE(c->secrets.empty());
  EXPECT_TRUE(c->credentials.empty());
}

TEST(AgentSection, UnsetSocketGroupIsNotLookedUpAtLoad) {
  FakeIds ids;
  auto c = parse("[agent]\nlog_level = \"debug\"\n", ids);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->agent.socket_group);
  auto none = parse("", ids);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->agent.socket_group);
  EXPECT_EQ(ids.group_lookups, 0);
  auto named = parse("[agent]\nsocket_group = \"wheel\"\n", ids);
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->agent.socket_group, 10u);
  EXPECT_EQ(ids.group_lookups, 1);
}

TEST(AgentSection, ReadsEveryKey) {
  auto c = parse(R"([agent]
socket_path = "/run/a/agent.sock"
socket_mode = "0600"
socket_group = "wheel"
secrets_dir = "/run/a/secrets/"
log_level = "debug"
refresh_seconds = 120
rest_listen = "127.0.0.1:8006"
credential_socket = "/run/a/creds.sock"
measurement_pcr = 23
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->agent.socket_path, "/run/a/agent.sock");
  EXPECT_EQ(c->agent.socket_mode, 0600u);
  EXPECT_EQ(c->agent.socket_group, 10u);
  EXPECT_EQ(c->agent.secrets_dir, "/run/a/secrets");  // one spelling, without the slash
  EXPECT_EQ(c->agent.log_level, "debug");
  EXPECT_EQ(c->agent.refresh_seconds, 120u);
  EXPECT_EQ(c->agent.rest_listen, "127.0.0.1:8006");
  EXPECT_EQ(c->agent.credential_socket, "/run/a/creds.sock");
  EXPECT_EQ(c->agent.measurement_pcr, std::optional<unsigned>(23));
}

TEST(AgentSection, GroupsByNumberInEitherSpelling) {
  auto n = parse("[agent]\nsocket_group = 4242\n");
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->agent.socket_group, 4242u);
  auto s = parse("[agent]\nsocket_group = \"4243\"\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->agent.socket_group, 4243u);
  auto v6 = parse("[agent]\nrest_listen = \"[::1]:8006\"\nsocket_mode = \"660\"\n");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->agent.socket_mode, 0660u);
}

TEST(AgentSection, BadValuesNameKeyAndLine) {
  EXPECT_EQ(error_of("[agent]\nsocket_mode = 660\n"),
            "test.toml:2: [agent] socket_mode must be a string, not an integer");
  EXPECT_EQ(error_of("[agent]\nsocket_mode = \"0680\"\n"),
            "test.toml:2: [agent] socket_mode '0680' is not an octal mode like \"0640\"");
  EXPECT_EQ(error_of("[agent]\nsocket_mode = \"4660\"\n"),
            "test.toml:2: [agent] socket_mode '4660' sets setuid, setgid or sticky bits; refusing "
            "them");
  EXPECT_EQ(error_of("[agent]\n\nsocket_group = \"nogroup\"\n"),
            "test.toml:3: [agent] socket_group: no group named 'nogroup' on this system");
  EXPECT_EQ(error_of("[agent]\nsocket_group = -1\n"),
            "test.toml:2: [agent] socket_group: -1 is not a valid group id (0..4294967294)");
  EXPECT_EQ(error_of("[agent]\nsocket_group = 4294967295\n"),
            "test.toml:2: [agent] socket_group: 4294967295 is not a valid group id "
            "(0..4294967294)");
  EXPECT_EQ(error_of("[agent]\nsocket_group = true\n"),
            "test.toml:2: [agent] socket_group: must be a group name or number, not a boolean");
  EXPECT_EQ(error_of("[agent]\nlog_level = \"verbose\"\n"),
            "test.toml:2: [agent] log_level 'verbose' is not one of error, warning, notice, "
            "info, debug");
  EXPECT_EQ(error_of("[agent]\nrefresh_seconds = 5\n"),
            "test.toml:2: [agent] refresh_seconds is 5: use 0 (80 % of the token lifetime) or "
            "10..86400");
  EXPECT_EQ(error_of("[agent]\nrefresh_seconds = 86401\n"),
            "test.toml:2: [agent] refresh_seconds is 86401, outside 0..86400");
  EXPECT_EQ(error_of("[agent]\nrest_listen = \"0.0.0.0:8006\"\n"),
            "test.toml:2: [agent] rest_listen '0.0.0.0:8006' is not a loopback address "
            "(127.0.0.0/8)");
  EXPECT_EQ(error_of("[agent]\nrest_listen = \"127.0.0.1\"\n"),
            "test.toml:2: [agent] rest_listen '127.0.0.1' needs a port: \"127.0.0.1:8006\" or "
            "\"[::1]:8006\"");
  EXPECT_EQ(error_of("[agent]\nmeasurement_pcr = 24\n"),
            "test.toml:2: [agent] measurement_pcr is 24, outside 0..23");
  EXPECT_EQ(error_of("[agent]\ncredential_socket = \"creds.sock\"\n"),
            "test.toml:2: [agent] credential_socket must be absolute");
  EXPECT_EQ(error_of("[agent]\nsocket_mod = \"0660\"\n"),
            "test.toml:2: unknown key 'socket_mod' in [agent] (known: socket_path, socket_mode, "
            "socket_group, secrets_dir, log_level, refresh_seconds, rest_listen, "
            "credential_socket, measurement_pcr)");
}

TEST(Access, ReadsRulesInOrderAndResolvesNames) {
  auto c = parse(R"(
[[access]]
uids = [0, "alice", "2000"]
gids = ["wheel", 33]
resources = ["default/key/*", "tenant-?/*/tls.*"]
token = true

[[access]]
loopback = true
evidence = true
measurements = true
)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->access.size(), 2u);
  const AccessRule& a = c->access[0];
  EXPECT_EQ(a.uids, (std::vector<uid_t>{0, 1000, 2000}));
  EXPECT_EQ(a.gids, (std::vector<gid_t>{10, 33}));
  EXPECT_EQ(a.resources, (std::vector<std::string>{"default/key/*", "tenant-?/*/tls.*"}));
  EXPECT_FALSE(a.loopback);
  EXPECT_TRUE(a.token);
  EXPECT_FALSE(a.evidence);
  EXPECT_FALSE(a.measurements);
  const AccessRule& b = c->access[1];
  EXPECT_TRUE(b.uids.empty());
  EXPECT_TRUE(b.loopback);
  EXPECT_FALSE(b.token);
  EXPECT_TRUE(b.evidence);
  EXPECT_TRUE(b.measurements);
}

TEST(Access, MistakesAreRefused) {
  EXPECT_EQ(error_of("[[access]]\nuids = [\"mallory\"]\ntoken = true\n"),
            "test.toml:2: [[access]] uids: no user named 'mallory' on this system");
  EXPECT_EQ(error_of("[[access]]\nuids = [0]\ngids = [\"staff\"]\ntoken = true\n"),
            "test.toml:3: [[access]] gids: no group named 'staff' on this system");
  EXPECT_EQ(error_of("[[access]]\nuids = 0\ntoken = true\n"),
            "test.toml:2: [[access]] uids must be an array of names or numbers, not an integer");
  EXPECT_EQ(error_of("[[access]]\nuids = [1.5]\ntoken = true\n"),
            "test.toml:2: [[access]] uids: must be a user name or number, not a float");
  EXPECT_EQ(error_of("[[access]]\ntoken = true\n"),
            "test.toml:1: [[access]] names no caller: give uids, gids or loopback = true");
  EXPECT_EQ(error_of("[[access]]\nuids = []\ngids = []\ntoken = true\n"),
            "test.toml:2: [[access]] names no caller: give uids, gids or loopback = true");
  EXPECT_EQ(error_of("[[access]]\nuids = [0]\nresources = []\n"),
            "test.toml:3: [[access]] grants nothing: give resources, or "
            "token/evidence/measurements = true");
  EXPECT_EQ(error_of("[[access]]\nuids = [0]\nresources = [\"default/key\"]\n"),
            "test.toml:3: [[access]] resources 'default/key' must have three segments "
            "repo/type/tag ('*/*/*' matches everything)");
  EXPECT_EQ(error_of("[[access]]\nuids = [0]\nresources = [\"default/[ab]/x\"]\n"),
            "test.toml:3: [[access]] resources 'default/[ab]/x' has '[': a resource glob holds "
            "[A-Za-z0-9_.-], '*' and '?' only");
  EXPECT_EQ(error_of("[[access]]\nuids = [0]\nresources = [1]\n"),
            "test.toml:3: [[access]] resources must hold strings, not an integer");
  EXPECT_EQ(error_of("[[access]]\nuids = [0]\ntoken = \"yes\"\n"),
            "test.toml:3: [[access]] token must be a boolean (true or false), not a string");
  EXPECT_EQ(error_of("[[access]]\nuid = [0]\ntoken = true\n"),
            "test.toml:2: unknown key 'uid' in [[access]] (known: uids, gids, loopback, "
            "resources, token, evidence, measurements)");
  EXPECT_EQ(error_of("[access]\nuids = [0]\n"),
            "test.toml:1: access must be a list of tables ([[access]] entries), not a table");
}

TEST(Secrets, RelativePathsLandUnderSecretsDirWhereverItIsSet) {
  // [[secrets]] before [agent] in the file: secrets_dir still applies.
  auto c = parse(R"(
[[secrets]]
resource = "kbs:///default/key/disk"
path = "disk.key"

[[secrets]]
resource = "kbs:///default/tls/cert?version=2"
path = "tls/./cert.pem"
mode = "0440"
owner = "postgres"
group = 10

[[secrets]]
resource = "default/key/other"
path = "/run/a/secrets/sub/other"

[agent]
secrets_dir = "/run/a/secrets"
)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->secrets.size(), 3u);
  EXPECT_EQ(c->secrets[0].resource, "kbs:///default/key/disk");
  EXPECT_EQ(c->secrets[0].path, "/run/a/secrets/disk.key");
  EXPECT_EQ(c->secrets[0].mode, 0400u);
  EXPECT_FALSE(c->secrets[0].owner);
  EXPECT_FALSE(c->secrets[0].group);
  EXPECT_EQ(c->secrets[1].resource, "kbs:///default/tls/cert?version=2");
  EXPECT_EQ(c->secrets[1].path, "/run/a/secrets/tls/cert.pem");
  EXPECT_EQ(c->secrets[1].mode, 0440u);
  EXPECT_EQ(c->secrets[1].owner, 112u);
  EXPECT_EQ(c->secrets[1].group, 10u);
  EXPECT_EQ(c->secrets[2].path, "/run/a/secrets/sub/other");
}

TEST(Secrets, SecretsDirSpellingsAgree) {
  auto c = parse(R"([agent]
secrets_dir = "/run/./a//secrets/"

[[secrets]]
resource = "kbs:///default/key/disk"
path = "/run/a/secrets/disk.key"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->agent.secrets_dir, "/run/a/secrets");
  EXPECT_EQ(c->secrets.at(0).path, "/run/a/secrets/disk.key");
  EXPECT_EQ(error_of("[agent]\nsecrets_dir = \"/\"\n"),
            "test.toml:2: [agent] secrets_dir must not be /");
  EXPECT_EQ(error_of("[agent]\nsecrets_dir = \"//\"\n"),
            "test.toml:2: [agent] secrets_dir must not be /");
}

TEST(Secrets, PathsThatEscapeOrCollideAreRefused) {
  const std::string entry = "[[secrets]]\nresource = \"kbs:///default/key/disk\"\n";
  EXPECT_EQ(error_of(entry + "path = \"../etc/shadow\"\n"),
            "test.toml:3: [[secrets]] path '../etc/shadow' must not contain '..'");
  EXPECT_EQ(error_of(entry + "path = \"a/../b\"\n"),
            "test.toml:3: [[secrets]] path 'a/../b' must not contain '..'");
  EXPECT_EQ(error_of(entry + "path = \"/etc/sudoers.d/x\"\n"),
            "test.toml:3: [[secrets]] path '/etc/sudoers.d/x' is outside secrets_dir "
            "/run/attest-agent/secrets (write relative paths; see packaging/config.toml)");
  EXPECT_EQ(error_of(entry + "path = \"/run/attest-agent/secrets-evil/x\"\n"),
            "test.toml:3: [[secrets]] path '/run/attest-agent/secrets-evil/x' is outside "
            "secrets_dir /run/attest-agent/secrets (write relative paths; see "
            "packaging/config.toml)");
  EXPECT_EQ(error_of(entry + "path = \"/run/attest-agent/secrets\"\n"),
            "test.toml:3: [[secrets]] path '/run/attest-agent/secrets' is outside secrets_dir "
            "/run/attest-agent/secrets (write relative paths; see packaging/config.toml)");
  EXPECT_EQ(error_of(entry + "path = \"keys/\"\n"),
            "test.toml:3: [[secrets]] path 'keys/' names a directory, not a file");
  EXPECT_EQ(error_of(entry + "path = \"\"\n"), "test.toml:3: [[secrets]] path must not be empty");
  EXPECT_EQ(error_of("[[secrets]]\nresource = \"kbs:///default/key/disk\"\n"),
            "test.toml:1: [[secrets]] path is required");
  EXPECT_EQ(error_of(R"([[secrets]]
resource = "kbs:///default/key/a"
path = "disk.key"

[[secrets]]
resource = "kbs:///default/key/b"
path = "/run/attest-agent/secrets/./disk.key"
)"),
            "test.toml:7: [[secrets]] path /run/attest-agent/secrets/disk.key is already used by "
            "the entry at line 3");
}

TEST(Secrets, ResourceModeAndOwnerAreChecked) {
  EXPECT_EQ(error_of("[[secrets]]\npath = \"x\"\n"),
            "test.toml:1: [[secrets]] resource is required");
  EXPECT_EQ(error_of("[[secrets]]\nresource = \"kbs:///default/key\"\npath = \"x\"\n"),
            "test.toml:2: [[secrets]] resource is invalid: " +
                kbs::parse_resource_uri("kbs:///default/key").error().message);
  EXPECT_EQ(error_of("[[secrets]]\nresource = \"kbs://evil:8080/default/key/a\"\npath = \"x\"\n"),
            "test.toml:2: [[secrets]] resource 'kbs://evil:8080/default/key/a' names a host; "
            "resources come from [kbs] url (write kbs:///repo/type/tag)");
  const std::string entry = "[[secrets]]\nresource = \"kbs:///default/key/disk\"\npath = \"x\"\n";
  EXPECT_EQ(error_of(entry + "mode = \"0660\"\n"),
            "test.toml:4: [[secrets]] mode 0660 lets group or others write a secret file; use at "
            "most 0644 (default 0400)");
  EXPECT_EQ(error_of(entry + "mode = \"0402\"\n"),
            "test.toml:4: [[secrets]] mode 0402 lets group or others write a secret file; use at "
            "most 0644 (default 0400)");
  EXPECT_EQ(error_of(entry + "mode = \"2440\"\n"),
            "test.toml:4: [[secrets]] mode '2440' sets setuid, setgid or sticky bits; refusing "
            "them");
  EXPECT_EQ(error_of(entry + "mode = 0o400\n"),
            "test.toml:4: [[secrets]] mode must be a string, not an integer");
  EXPECT_EQ(error_of(entry + "owner = \"nobody-here\"\n"),
            "test.toml:4: [[secrets]] owner: no user named 'nobody-here' on this system");
  EXPECT_EQ(error_of(entry + "group = \"\"\n"), "test.toml:4: [[secrets]] group: empty group name");
}

TEST(Credentials, ReadsEntries) {
  auto c = parse(R"(
[[credentials]]
unit = "postgresql@*.service"
id = "db.tls-key"
resource = "kbs:///default/tls/db-key"

[[credentials]]
unit = "postgresql@*.service"
id = "db.tls-cert"
resource = "kbs:///default/tls/db-cert"
)");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->credentials.size(), 2u);
  EXPECT_EQ(c->credentials[0].unit, "postgresql@*.service");
  EXPECT_EQ(c->credentials[0].id, "db.tls-key");
  EXPECT_EQ(c->credentials[0].resource, "kbs:///default/tls/db-key");
  EXPECT_EQ(c->credentials[1].id, "db.tls-cert");
}

TEST(Credentials, BadIdsUnitsAndDuplicatesAreRefused) {
  const auto one = [](const std::string& unit, const std::string& id) {
    return "[[credentials]]\nunit = \"" + unit + "\"\nid = \"" + id +
           "\"\nresource = \"kbs:///default/key/a\"\n";
  };
  const std::string bad_id =
      "' is not a valid credential ID (1..255 printable ASCII characters, no '/' or ':', not "
      "'.' or '..')";
  EXPECT_EQ(error_of(one("a.service", "a/b")), "test.toml:3: [[credentials]] id 'a/b" + bad_id);
  EXPECT_EQ(error_of(one("a.service", "a:b")), "test.toml:3: [[credentials]] id 'a:b" + bad_id);
  EXPECT_EQ(error_of(one("a.service", "..")), "test.toml:3: [[credentials]] id '.." + bad_id);
  EXPECT_EQ(error_of(one("a.service", "")), "test.toml:3: [[credentials]] id '" + bad_id);
  EXPECT_EQ(error_of(one("a.service", std::string(256, 'x'))),
            "test.toml:3: [[credentials]] id '" + std::string(256, 'x') + bad_id);
  EXPECT_TRUE(parse(one("a.service", std::string(255, 'x'))));
  EXPECT_EQ(
      error_of(one("a service", "k")),
      "test.toml:2: [[credentials]] unit 'a service' has byte 0x20: a unit glob holds systemd "
      "unit name characters, '*' and '?' only");
  EXPECT_EQ(error_of(one("a/b.service", "k")),
            "test.toml:2: [[credentials]] unit 'a/b.service' has '/': a unit glob holds systemd "
            "unit name characters, '*' and '?' only");
  EXPECT_EQ(error_of("[[credentials]]\nunit = \"a.service\"\nid = \"k\"\n"),
            "test.toml:1: [[credentials]] resource is required");
  EXPECT_EQ(
      error_of(one("a.service", "k") + "\n" + one("b.service", "k") + "\n" + one("a.service", "k")),
      "test.toml:13: [[credentials]] unit 'a.service' id 'k' is already defined at line 3");
}

TEST(Resolver, SystemResolverKnowsRoot) {
  // The one test that reads this machine's user database: root exists everywhere.
  EXPECT_EQ(system_id_resolver().uid_of("root"), 0u);
  EXPECT_EQ(system_id_resolver().gid_of("root"), 0u);
  EXPECT_FALSE(system_id_resolver().uid_of("attest-no-such-user-x"));
  auto c = parse_config("[[access]]\nuids = [\"root\"]\ntoken = true\n", "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access.at(0).uids, std::vector<uid_t>{0});
}

}  // namespace
}  // namespace attest::config
