// attest-cli agent status|resource|token|evidence against the real api::Server with a fake
// Service: output, output options and exit codes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/api/server.h"
#include "cli/cli.h"
#include "cli/exit_codes.h"
#include "tests/fakes/cli_in_process.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/split_os.h"
#include "tests/unit/api/api_socket.h"
#include "tests/unit/api/fake_service.h"

namespace attest::cli {
namespace {

using Args = std::vector<std::string>;

using testing::CliRun;

class CliAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_path = dir.path() / "agent.sock";
    const int fd = testing::listen_unix(socket_path);
    ASSERT_GE(fd, 0);
    api::ServerOptions o;
    o.listeners = {{fd, false}};
    auto s = api::Server::start(service, std::move(o));
    ASSERT_TRUE(s) << s.error().message;
    server = std::move(*s);
  }

  CliRun run_cli(Args args) {
    testing::FakeOs fake;
    // -o FILE names real files under the temporary directory.
    testing::SplitOs os(fake, {std::filesystem::temp_directory_path()});
    Args full{"agent"};
    full.insert(full.end(), args.begin(), args.end());
    full.push_back("--socket");
    full.push_back(socket_path.string());
    return testing::run_cli_in_process(full, os);
  }

  testing::TempDir dir;
  std::filesystem::path socket_path;
  testing::FakeService service;
  std::unique_ptr<api::Server> server;
};

TEST_F(CliAgentTest, ResourceToStdoutFileAndBase64) {
  const std::string& secret = service.resources["default/key/disk"];
  auto r = run_cli({"resource", "kbs:///default/key/disk"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, secret);
  EXPECT_EQ(r.err, "");

  const auto file = dir.path() / "disk.key";
  r = run_cli({"resource", "default/key/disk", "-o", file.string(), "--mode", "0400"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(testing::read_file_text(file), secret);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);

  r = run_cli({"resource", "kbs:///default/key/disk", "--base64"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, base64_encode(as_bytes(secret)) + "\n");
}

TEST_F(CliAgentTest, TokenAndEvidence) {
  auto t = run_cli({"token"});
  EXPECT_EQ(t.code, kExitOk) << t.err;
  EXPECT_EQ(t.out, service.token_text);
  auto e = run_cli({"evidence", "--report-data", "00ff10"});
  EXPECT_EQ(e.code, kExitOk) << e.err;
  EXPECT_EQ(nlohmann::json::parse(e.out).at("runtime_data"), "00ff10");
  auto none = run_cli({"evidence"});
  EXPECT_EQ(none.code, kExitOk) << none.err;
  EXPECT_EQ(nlohmann::json::parse(none.out).at("runtime_data"), "");
}

TEST_F(CliAgentTest, StatusReadyAndNotReady) {
  auto r = run_cli({"status"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(r.out.starts_with("ready\n")) << r.out;
  EXPECT_NE(r.out.find("tee: sample\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kbs_url: https://kbs.example:8080\n"), std::string::npos);

  service.health_state = {false, "KBS unreachable: connection refused"};
  r = run_cli({"status", "--json"});
  EXPECT_EQ(r.code, kExitNetwork);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("ready"), false);
  EXPECT_EQ(j.at("info").at("tee"), "sample");
  EXPECT_EQ(r.err, "attest-cli: agent: KBS unreachable: connection refused\n");
}

TEST_F(CliAgentTest, ExitCodesMatchGetResource) {
  const struct {
    const char* tag;
    int exit;
  } cases[] = {
      {"denied", kExitDenied}, {"refused", kExitAttestationRefused}, {"down", kExitNetwork},
      {"slow", kExitNetwork},  {"garbled", kExitBadInput},           {"nothere", kExitDevice},
      {"bug", kExitInternal},
  };
  for (const auto& c : cases) {
    auto r = run_cli({"resource", std::string("kbs:///default/key/") + c.tag});
    EXPECT_EQ(r.code, c.exit) << c.tag << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with("attest-cli: agent: kbs: ")) << r.err;
  }
  auto usage = run_cli({"resource", "kbs://host:1/default/key/disk"});
  EXPECT_EQ(usage.code, kExitUsage);
  auto mode = run_cli({"resource", "kbs:///default/key/disk", "--mode", "0999"});
  EXPECT_EQ(mode.code, kExitUsage);
  EXPECT_EQ(service.resource_calls, 7);  // the usage errors never reached the agent
}

// get-resource's output rules, from the one option set: --mode refused before any request,
// a readable mode warned about, -o "" a usage error, an empty secret refused unless asked for,
// and a file that cannot be written is exit 8.
TEST_F(CliAgentTest, ResourceOutputOptionsAreGetResources) {
  const struct {
    const char* mode;
    const char* says;
  } refused[] = {
      {"6700", "setuid, setgid and sticky bits make no sense on a secret"},
      {"1600", "setuid, setgid and sticky bits make no sense on a secret"},
      {"0620", "group or others could overwrite the secret"},
      {"0602", "group or others could overwrite the secret"},
      {"0999", "expected octal"},
  };
  const auto file = dir.path() / "k";
  for (const auto& c : refused) {
    auto r =
        run_cli({"resource", "kbs:///default/key/disk", "-o", file.string(), "--mode", c.mode});
    EXPECT_EQ(r.code, kExitUsage) << c.mode << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.mode << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(file)) << c.mode;
  }
  EXPECT_EQ(service.resource_calls, 0);  // refused before asking the agent

  auto readable =
      run_cli({"resource", "kbs:///default/key/disk", "-o", file.string(), "--mode", "0640"});
  EXPECT_EQ(readable.code, kExitOk) << readable.err;
  EXPECT_EQ(readable.err,
            "attest-cli: warning: --mode 0640 lets group or others read the secret\n");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);

  auto unset = run_cli({"resource", "kbs:///default/key/disk", "-o", ""});
  EXPECT_EQ(unset.code, kExitUsage) << unset.err;
  EXPECT_EQ(unset.out, "");  // never the secret on stdout
  EXPECT_NE(unset.err.find("an empty path is not a file"), std::string::npos) << unset.err;

  service.resources["default/key/empty"] = "";
  auto empty = run_cli({"resource", "kbs:///default/key/empty"});
  EXPECT_EQ(empty.code, kExitBadInput) << empty.err;
  EXPECT_EQ(empty.err,
            "attest-cli: agent resource default/key/empty is empty; pass --allow-empty "
            "if that is what you expect\n");
  auto allowed = run_cli({"resource", "kbs:///default/key/empty", "--allow-empty"});
  EXPECT_EQ(allowed.code, kExitOk) << allowed.err;
  EXPECT_EQ(allowed.out, "");

  const auto nowhere = dir.path() / "missing-dir" / "k";
  auto unwritable = run_cli({"resource", "kbs:///default/key/disk", "-o", nowhere.string()});
  EXPECT_EQ(unwritable.code, kExitOutput) << unwritable.err;
  EXPECT_FALSE(std::filesystem::exists(nowhere));
}

TEST_F(CliAgentTest, NoAgentIsANetworkError) {
  server.reset();
  std::filesystem::remove(socket_path);
  auto r = run_cli({"status"});
  EXPECT_EQ(r.code, kExitNetwork);
  EXPECT_NE(r.err.find("agent socket " + socket_path.string()), std::string::npos) << r.err;
}

TEST_F(CliAgentTest, RealBinaryAsAnotherUserIsDenied) {
  const std::string cmd = std::string("setpriv --reuid 65534 --regid 65534 --clear-groups ") +
                          ATTEST_CLI_BINARY + " agent resource --socket " + socket_path.string() +
                          " kbs:///default/key/disk 2>&1";
  const auto r = testing::shell(cmd);
  EXPECT_EQ(r.exit_code, kExitDenied) << r.out;
  EXPECT_EQ(r.out, "attest-cli: agent: access denied\n");
  EXPECT_EQ(service.resource_calls, 0);
}

}  // namespace
}  // namespace attest::cli
