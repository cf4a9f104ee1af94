// The real attest-agent binary against the independent test KBS, with systemd's side of
// sd_notify played by the test: [[secrets]] files exist with their mode and owner when READY=1
// arrives, SIGTERM exits 0 and leaves no socket, a KBS down at start is waited for, a bad
// reload keeps the agent serving, and no secret byte appears in anything the agent prints.
// Sample evidence here; TPM evidence from swtpm below.
// Through the real socket: curl --unix-socket on both path families (/v1 and CoCo's
// api-server-rest), attest-cli agent, 100 concurrent first requests -> one /auth and one GET at
// the KBS, and another uid (setpriv) refused with 403 and nothing leaked.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <sstream>
#include <thread>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/swtpm.h"
#include "tests/fakes/systemd_credential_client.h"
#include "tests/fakes/test_kbs.h"
#include "tests/unit/daemon/agent_process.h"

namespace attest::testing {
namespace {

using namespace std::chrono_literals;

const Bytes kDiskKey{'d', 'i', 's', 'k', '-', 'k', 'e', 'y', 0x00, 0xfe, 0x7f, 'Z', 'q', '9'};
const Bytes kApiToken{'a', 'p', 'i', '-', 't', 'o', 'k', 'e', 'n', '-', '3', '1', '4', '1', '5'};

// Every form a secret could leak in: raw, hex, base64 (standard and url-safe).
void expect_no_secret_in(const std::string& text, const Bytes& secret, const std::string& what) {
  for (const std::string& form : {std::string(secret.begin(), secret.end()), hex_encode(secret),
                                  base64_encode(secret), base64_encode(secret, Base64::Url, false)})
    EXPECT_EQ(text.find(form), std::string::npos) << what << " holds a secret form: " << form;
}

class AgentE2e : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("LISTEN_FDS"); }
  KbsConfig kbs_config(int port = 0) {
    KbsConfig c;
    c.resources["default/key/disk"] = kDiskKey;
    c.resources["app/token/api"] = kApiToken;
    c.policy = "allow-all";
    c.port = port;
    return c;
  }
  std::string write_config(const std::string& kbs_url, bool insecure_http = true,
                           const std::string& agent_extra = "") {
    const auto p = dir_ / "config.toml";
    write_text_file(p, "[kbs]\nurl = \"" + kbs_url +
                           "\"\ninsecure_http = " + (insecure_http ? "true" : "false") +
                           "\ntimeout_seconds = 10\n[agent]\nsecrets_dir = \"" +
                           (dir_ / "secrets").string() + "\"\n" + agent_extra);
    ::chmod(p.c_str(), 0600);
    return p.string();
  }
  std::vector<std::string> agent_args(const std::string& config) {
    return {"--config",    config,
            "--tee",       "sample",
            "--socket",    socket_.string(),
            "--secret",    "kbs:///default/key/disk=disk.key",
            "--secret",    "kbs:///app/token/api=" + (dir_ / "abs" / "api.token").string(),
            "--log-level", "debug"};
  }
  std::unique_ptr<AgentProcess> start(const std::vector<std::string>& args) {
    return std::make_unique<AgentProcess>(
        args, std::vector<std::string>{"NOTIFY_SOCKET=" + notify_.path().string()}, dir_.path());
  }
  void expect_secret_file(const std::filesystem::path& p, const Bytes& value) {
    struct stat st {};
    ASSERT_EQ(::lstat(p.c_str(), &st), 0) << p;
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0400u) << p;
    EXPECT_EQ(st.st_uid, ::geteuid()) << p;
    EXPECT_EQ(read_text_file(p), std::string(value.begin(), value.end())) << p;
  }
  void stop_cleanly(AgentProcess& agent) {
    agent.signal(SIGTERM);
    const auto status = agent.wait_exit(20s);
    ASSERT_TRUE(status) << "agent did not exit after SIGTERM\n" << agent.err();
    EXPECT_EQ(*status, 0) << agent.err();
    EXPECT_TRUE(notify_.wait_for("STOPPING=1", 1s));
    EXPECT_FALSE(std::filesystem::exists(socket_)) << "socket left behind";
    for (const auto* secret : {&kDiskKey, &kApiToken}) {
      expect_no_secret_in(agent.out(), *secret, "stdout");
      expect_no_secret_in(agent.err(), *secret, "stderr");
      for (const auto& m : notify_.messages()) expect_no_secret_in(m, *secret, "sd_notify");
    }
  }

  TempDir dir_;
  std::filesystem::path socket_ = dir_ / "run" / "agent.sock";
  NotifySocket notify_{dir_ / "notify.sock"};
};

TEST_F(AgentE2e, SecretFilesAreInPlaceAtReadyAndSigtermLeavesNothingBehind) {
  TestKbs kbs(kbs_config());
  ASSERT_TRUE(kbs.running()) << kbs.log();
  auto agent = start(agent_args(write_config(kbs.url())));
  ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << agent->err() << "\nKBS:\n" << kbs.log();
  // What systemd's Type=notify promises the units ordered after us: the files are there now.
  expect_secret_file(dir_ / "secrets" / "disk.key", kDiskKey);
  expect_secret_file(dir_ / "abs" / "api.token", kApiToken);
  struct stat st {};
  ASSERT_EQ(::lstat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  auto stats = kbs.stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["requests"]["auth"], 1) << stats->dump();
  EXPECT_EQ((*stats)["requests"]["resource"], 2) << stats->dump();
  EXPECT_TRUE(agent->running());
  stop_cleanly(*agent);
  EXPECT_NE(agent->err().find("<5>attested; 2 secret file(s) in place; ready"), std::string::npos)
      << agent->err();
}

TEST_F(AgentE2e, AKbsDownAtStartIsWaitedForAndReadinessFollowsIt) {
  const int port = free_loopback_port();
  auto agent = start(agent_args(write_config("http://127.0.0.1:" + std::to_string(port))));
  // Nobody listens on the port: the agent keeps retrying, not ready, no file.
  EXPECT_TRUE(notify_.wait_for("STATUS=attesting to the KBS", 10s)) << agent->err();
  EXPECT_FALSE(notify_.wait_for("READY=1", 3s));
  EXPECT_TRUE(agent->running()) << agent->err();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "secrets" / "disk.key"));
  EXPECT_NE(agent->err().find("Connection refused"), std::string::npos) << agent->err();
  // The KBS comes up on that port.
  TestKbs kbs(kbs_config(port));
  ASSERT_TRUE(kbs.running()) << kbs.log();
  ASSERT_TRUE(notify_.wait_for("READY=1", 90s)) << agent->err();
  expect_secret_file(dir_ / "secrets" / "disk.key", kDiskKey);
  bool saw_waiting = false;
  for (const auto& m : notify_.messages())
    saw_waiting = saw_waiting || m.find("STATUS=waiting for the KBS") != std::string::npos;
  EXPECT_TRUE(saw_waiting);
  stop_cleanly(*agent);
}

TEST_F(AgentE2e, AFailedReloadKeepsTheAgentServing) {
  TestKbs kbs(kbs_config());
  ASSERT_TRUE(kbs.running()) << kbs.log();
  const std::string config = write_config(kbs.url());
  auto agent = start(agent_args(config));
  ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << agent->err();
  write_text_file(config, "[kbs\nthis is not toml");
  agent->signal(SIGHUP);
  for (int i = 0; i < 250 && agent->err().find("reload failed") == std::string::npos; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_NE(agent->err().find("<3>reload failed, keeping the running configuration: "),
            std::string::npos)
      << agent->err();
  EXPECT_TRUE(agent->running());
  EXPECT_TRUE(std::filesystem::exists(socket_));
  stop_cleanly(*agent);
}

TEST_F(AgentE2e, BadFlagsAndConfigurationExitWithTwoNamingTheProblem) {
  AgentProcess plain({"--url", "http://127.0.0.1:1", "--tee", "sample", "--socket",
                      socket_.string(), "--config", write_config("https://k", false)},
                     {}, dir_.path());
  EXPECT_EQ(plain.wait_exit(20s), 2);
  EXPECT_NE(plain.err().find("insecure-http"), std::string::npos) << plain.err();
  EXPECT_FALSE(std::filesystem::exists(socket_));

  AgentProcess bad_secret({"--config", write_config("https://k"), "--secret", "kbs:///a/b=x"}, {},
                          dir_.path());
  EXPECT_EQ(bad_secret.wait_exit(20s), 2);
  EXPECT_NE(bad_secret.err().find("--secret"), std::string::npos) << bad_secret.err();

  AgentProcess check(
      {"--config", write_config("https://k"), "--check-config", "--secret", "kbs:///a/b/c=x"}, {},
      dir_.path());
  EXPECT_EQ(check.wait_exit(20s), 0) << check.err();
  EXPECT_NE(check.out().find("configuration OK (1 secret file(s)"), std::string::npos)
      << check.out();
  EXPECT_FALSE(std::filesystem::exists(socket_));
}

// The daemon takes the CLI's trust options (one KbsConnection): --cert-file is the only anchor
// and a --pin-sha256 / [kbs] pin_sha256 that the KBS's key does not match keeps it from ever
// attesting, while the matching pin (from the config file) lets it through.
TEST_F(AgentE2e, RefusesAKbsWhoseKeyDoesNotMatchThePin) {
  const TestCas cas;
  const Pki& pki = cas.pki;
  const Pki& other = cas.other;
  ASSERT_FALSE(pki.ca.empty());
  ASSERT_FALSE(other.ca.empty());
  KbsConfig c = kbs_config();
  c.tls = &pki;
  TestKbs kbs(c);
  ASSERT_TRUE(kbs.running()) << kbs.log();
  const std::string wrong_pin = spki_pin(other.server_cert);
  const std::string right_pin = spki_pin(pki.server_cert);
  ASSERT_EQ(wrong_pin.size(), 44u);

  auto args = agent_args(write_config(kbs.url(), false));
  args.insert(args.end(), {"--cert-file", pki.ca.string(), "--pin-sha256", wrong_pin});
  auto pinned_wrong = start(args);
  const std::string refused = "TLS: the server's public key matches no --pin-sha256";
  for (int i = 0; i < 1500 && pinned_wrong->err().find(refused) == std::string::npos; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(notify_.wait_for("READY=1", 2s));
  EXPECT_NE(pinned_wrong->err().find(refused), std::string::npos) << pinned_wrong->err();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "secrets" / "disk.key"));
  auto stats = kbs.stats();
  ASSERT_TRUE(stats);
  EXPECT_FALSE((*stats)["requests"].contains("auth")) << stats->dump();
  stop_cleanly(*pinned_wrong);

  // The right pin, this time from the config file's [kbs] keys.
  const auto config = dir_ / "pinned.toml";
  write_text_file(config, "[kbs]\nurl = \"" + kbs.url() + "\"\ncert_file = \"" + pki.ca.string() +
                              "\"\npin_sha256 = [\"" + wrong_pin + "\", \"sha256//" + right_pin +
                              "\"]\ntimeout_seconds = 10\n[agent]\nsecrets_dir = \"" +
                              (dir_ / "secrets").string() + "\"\n");
  ::chmod(config.c_str(), 0600);
  auto pinned_right = start(agent_args(config.string()));
  ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << pinned_right->err() << "\nKBS:\n" << kbs.log();
  expect_secret_file(dir_ / "secrets" / "disk.key", kDiskKey);
  stop_cleanly(*pinned_right);
}

// systemd's LoadCredential= against the real binary, played exactly as systemd plays it: the
// unit and ID that [[credentials]] maps get the secret, anything else gets nothing, and SIGHUP
// replaces the mapping.
TEST_F(AgentE2e, CredentialSocketServesLoadCredentialAndReloadsItsMapping) {
  TestKbs kbs(kbs_config());
  ASSERT_TRUE(kbs.running()) << kbs.log();
  const auto cred = dir_ / "run" / "credentials.sock";
  const auto credentials = [&](const std::string& id, const std::string& resource) {
    return "credential_socket = \"" + cred.string() +
           "\"\n[[credentials]]\nunit = " + "\"web-*.service\"\nid = \"" + id +
           "\"\nresource = \"" + resource + "\"\n";
  };
  const std::string config =
      write_config(kbs.url(), true, credentials("disk", "kbs:///default/key/disk"));
  auto agent = start({"--config", config, "--tee", "sample", "--socket", socket_.string()});
  ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << agent->err() << "\nKBS:\n" << kbs.log();
  struct stat st {};
  ASSERT_EQ(::lstat(cred.c_str(), &st), 0) << agent->err();
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // only root (systemd) may connect

  const std::string disk(kDiskKey.begin(), kDiskKey.end());
  EXPECT_EQ(load_credential(cred, "web-1.service", "disk"), disk) << agent->err();
  EXPECT_EQ(load_credential(cred, "db.service", "disk"), "");
  EXPECT_EQ(load_credential(cred, "web-1.service", "other"), "");

  write_text_file(
      config, read_text_file(config).substr(0, read_text_file(config).find("credential_socket")) +
                  credentials("api", "kbs:///app/token/api"));
  agent->signal(SIGHUP);
  for (int i = 0; i < 250 && agent->err().find("configuration reloaded") == std::string::npos; ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_NE(agent->err().find("configuration reloaded"), std::string::npos) << agent->err();
  EXPECT_EQ(load_credential(cred, "web-1.service", "disk"), "");
  EXPECT_EQ(load_credential(cred, "web-1.service", "api"),
            std::string(kApiToken.begin(), kApiToken.end()));
  stop_cleanly(*agent);
  EXPECT_FALSE(std::filesystem::exists(cred)) << "credential socket left behind";
}

// What a shipped socket unit passes: its ListenStream= path, and the name the descriptor
// arrives under (FileDescriptorName=, by default the unit's file name, systemd.socket(5)) for the
// service it activates (Service=, by default the unit's own name with .service).
struct SocketUnit {
  std::string unit, listen, fd_name, service;
};
std::vector<SocketUnit> shipped_socket_units() {
  std::vector<SocketUnit> units;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(ATTEST_PACKAGING_DIR) / "systemd")) {
    if (entry.path().extension() != ".socket") continue;
    SocketUnit u;
    u.unit = entry.path().filename().string();
    u.fd_name = u.unit;
    u.service = entry.path().stem().string() + ".service";
    std::istringstream text(read_text_file(entry.path()));
    for (std::string line; std::getline(text, line);) {
      const auto eq = line.find('=');
      if (line.starts_with("#") || eq == std::string::npos) continue;
      const auto key = line.substr(0, eq);
      const auto value = line.substr(eq + 1);
      if (key == "ListenStream") u.listen = value;
      if (key == "FileDescriptorName") u.fd_name = value;
      if (key == "Service") u.service = value;
    }
    units.push_back(u);
  }
  std::ranges::sort(units, {}, &SocketUnit::unit);
  return units;
}

// A listening Unix socket as systemd binds it for a socket unit; closed on destruction.
struct ListeningSocket {
  explicit ListeningSocket(const std::filesystem::path& path) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << path;
    EXPECT_EQ(::listen(fd, 16), 0) << path;
  }
  ~ListeningSocket() { ::close(fd); }
  ListeningSocket(const ListeningSocket&) = delete;
  ListeningSocket& operator=(const ListeningSocket&) = delete;
  int fd = -1;
};

// Socket activation by the shipped units, with the descriptor names parsed from the unit files
// (renaming a unit or its FileDescriptorName= breaks this test): the agent serves the HTTP API
// on attest-agent.socket's descriptor and systemd's LoadCredential= on the one named
// "credentials", binds neither configured path itself, and leaves systemd's sockets in place.
// The credential socket is passed first (its unit sorts first), so the agent cannot be relying
// on the order.
TEST_F(AgentE2e, SocketActivationByTheShippedUnitsServesTheApiAndCredentials) {
  std::vector<SocketUnit> ours;
  for (const auto& u : shipped_socket_units())
    if (u.service == "attest-agent.service") ours.push_back(u);
  ASSERT_EQ(ours.size(), 2u) << "the socket units activating attest-agent.service";
  // The units listen where [agent] socket_path and credential_socket default to.
  const auto by_path = [&](const std::string& listen) -> const SocketUnit* {
    for (const auto& u : ours)
      if (u.listen == listen) return &u;
    return nullptr;
  };
  const SocketUnit* api_unit = by_path("/run/attest-agent/agent.sock");
  const SocketUnit* cred_unit = by_path("/run/attest-agent/credentials.sock");
  ASSERT_NE(api_unit, nullptr) << "no shipped unit listens on /run/attest-agent/agent.sock";
  ASSERT_NE(cred_unit, nullptr) << "no shipped unit listens on /run/attest-agent/credentials.sock";

  TestKbs kbs(kbs_config());
  ASSERT_TRUE(kbs.running()) << kbs.log();
  const auto api_path = dir_ / "systemd-agent.sock";
  const auto cred_path = dir_ / "systemd-credentials.sock";
  const auto not_bound_api = dir_ / "run" / "agent.sock";
  const auto not_bound_cred = dir_ / "run" / "credentials.sock";
  ListeningSocket api(api_path), cred(cred_path);
  std::vector<PassedSocket> passed;
  for (const auto& u : ours) passed.push_back({&u == cred_unit ? cred.fd : api.fd, u.fd_name});
  ASSERT_EQ(passed.front().fd, cred.fd);
  const std::string config =
      write_config(kbs.url(), true,
                   "credential_socket = \"" + not_bound_cred.string() +
                       "\"\n[[credentials]]\nunit = \"web-*.service\"\nid = \"disk\"\n"
                       "resource = \"kbs:///default/key/disk\"\n");
  AgentProcess agent({"--config", config, "--tee", "sample", "--socket", not_bound_api.string()},
                     {"NOTIFY_SOCKET=" + notify_.path().string()}, dir_.path(), passed);
  ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << agent.err() << "\nKBS:\n" << kbs.log();

  const std::string disk(kDiskKey.begin(), kDiskKey.end());
  EXPECT_EQ(load_credential(cred_path, "web-1.service", "disk"), disk) << agent.err();
  EXPECT_EQ(load_credential(cred_path, "db.service", "disk"), "");
  const auto r = curl(api_path, "/v1/resource/default/key/disk", dir_);
  EXPECT_EQ(r.status, "200") << agent.err();
  EXPECT_EQ(r.body, disk);
  // The credential socket speaks no HTTP: curl gets nothing back.
  EXPECT_NE(curl(cred_path, "/healthz", dir_).status, "200");
  EXPECT_FALSE(std::filesystem::exists(not_bound_api));
  EXPECT_FALSE(std::filesystem::exists(not_bound_cred));

  stop_cleanly(agent);
  // systemd's sockets are systemd's to remove (RemoveOnStop=).
  EXPECT_TRUE(std::filesystem::exists(api_path));
  EXPECT_TRUE(std::filesystem::exists(cred_path));
}

// No URL anywhere but CoCo's AA_KBC_PARAMS in the environment (as a CoCo image sets it): the
// agent attests to that KBS.
TEST_F(AgentE2e, WithoutAUrlAaKbcParamsNamesTheKbs) {
  TestKbs kbs(kbs_config());
  ASSERT_TRUE(kbs.running()) << kbs.log();
  const auto config = dir_ / "no-url.toml";
  write_text_file(config,
                  "[kbs]\ninsecure_http = true\ntimeout_seconds = 10\n[agent]\n"
                  "secrets_dir = \"" +
                      (dir_ / "secrets").string() + "\"\n");
  ::chmod(config.c_str(), 0600);
  AgentProcess agent(
      agent_args(config.string()),
      {"NOTIFY_SOCKET=" + notify_.path().string(), "AA_KBC_PARAMS=cc_kbc::" + kbs.url()},
      dir_.path());
  ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << agent.err() << "\nKBS:\n" << kbs.log();
  expect_secret_file(dir_ / "secrets" / "disk.key", kDiskKey);
  stop_cleanly(agent);
}

// A KBS that accepts the connection and never answers: SIGTERM still stops the agent at once
// (exit 0, socket removed), not when the 60 s request timeout ends.
TEST_F(AgentE2e, SigtermWhileAKbsRequestHangsExitsPromptly) {
  // The kernel completes connections into the backlog; nobody ever accepts or answers.
  const int silent = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(silent, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(silent, 16), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const auto config = dir_ / "hang.toml";
  write_text_file(config, "[kbs]\nurl = \"http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) +
                              "\"\ninsecure_http = true\ntimeout_seconds = 60\n[agent]\n"
                              "secrets_dir = \"" +
                              (dir_ / "secrets").string() + "\"\n");
  ::chmod(config.c_str(), 0600);
  auto agent = start(agent_args(config.string()));
  ASSERT_TRUE(notify_.wait_for("STATUS=attesting to the KBS", 20s)) << agent->err();
  std::this_thread::sleep_for(1s);  // the /auth request is now waiting for an answer
  ASSERT_TRUE(agent->running()) << agent->err();
  agent->signal(SIGTERM);
  const auto status = agent->wait_exit(5s);  // far below the 60 s the request could wait
  ::close(silent);
  ASSERT_TRUE(status) << "still running 5 s after SIGTERM\n" << agent->err();
  EXPECT_EQ(*status, 0) << agent->err();
  EXPECT_FALSE(std::filesystem::exists(socket_)) << "socket left behind";
  EXPECT_FALSE(std::filesystem::exists(dir_ / "secrets" / "disk.key"));
}

class AgentSocketE2e : public AgentE2e {
 protected:
  void SetUp() override {
    AgentE2e::SetUp();
    kbs_ = std::make_unique<TestKbs>(kbs_config());
    ASSERT_TRUE(kbs_->running()) << kbs_->log();
    // 0666: any local user may connect, so that the [[access]] rules (root only when there is
    // none) are what refuses another uid, not the socket's mode.
    config_ = write_config(kbs_->url(), true, "socket_mode = \"0666\"\n");
    agent_ = start({"--config", config_, "--tee", "sample", "--socket", socket_.string()});
    ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << agent_->err() << "\nKBS:\n" << kbs_->log();
  }
  void TearDown() override {
    if (agent_) stop_cleanly(*agent_);
  }
  int kbs_requests(const std::string& endpoint) {
    auto s = kbs_->stats();
    if (!s || !(*s)["requests"].contains(endpoint)) return 0;
    return (*s)["requests"][endpoint].get<int>();
  }
  std::unique_ptr<TestKbs> kbs_;
  std::string config_;
  std::unique_ptr<AgentProcess> agent_;
};

TEST_F(AgentSocketE2e, SecretTokenAndEvidenceOnBothPathFamilies) {
  const std::string disk(kDiskKey.begin(), kDiskKey.end());
  for (const char* path : {"/v1/resource/default/key/disk", "/cdh/resource/default/key/disk"}) {
    const auto r = curl(socket_, path, dir_);
    EXPECT_EQ(r.status, "200") << path << "\n" << r.body << agent_->err();
    EXPECT_EQ(r.body, disk) << path;
  }
  const auto token = curl(socket_, "/v1/token", dir_);
  EXPECT_EQ(token.status, "200") << token.body;
  EXPECT_EQ(std::count(token.body.begin(), token.body.end(), '.'), 2) << token.body;
  const auto aa_token = curl(socket_, "/aa/token?token_type=kbs", dir_);
  ASSERT_EQ(aa_token.status, "200") << aa_token.body;
  const auto j = nlohmann::json::parse(aa_token.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << aa_token.body;
  EXPECT_TRUE(j["tee_keypair"].get<std::string>().starts_with("-----BEGIN PRIVATE KEY-----"));
  const Bytes data{9, 8, 7};
  for (const std::string& path :
       {"/v1/evidence?runtime_data=" + base64_encode(data, Base64::Url, false),
        // CoCo's path takes the raw value unless encoding=base64 (kbs-protocol.md §10).
        "/aa/evidence?runtime_data=" + base64_encode(data, Base64::Url, false) +
            "&encoding=base64"}) {
    const auto ev = curl(socket_, path, dir_);
    EXPECT_EQ(ev.status, "200") << path << "\n" << ev.body;
    const auto e = nlohmann::json::parse(ev.body, nullptr, false);
    EXPECT_EQ(e.is_object() ? e.value("report_data", "") : "", base64_encode(data)) << ev.body;
  }
  const auto health = curl(socket_, "/healthz", dir_);
  EXPECT_EQ(health.status, "200") << health.body;
  const auto info = curl(socket_, "/v1/info", dir_);
  EXPECT_EQ(info.status, "200");
  EXPECT_NE(info.body.find("default/key/disk"), std::string::npos) << info.body;
  const auto metrics = curl(socket_, "/metrics", dir_);
  EXPECT_NE(metrics.body.find("attest_agent_releases_total{resource=\"default/key/disk\"} 2"),
            std::string::npos)
      << metrics.body;
  const auto measure = run_process(
      {"curl", "-sS", "--unix-socket", socket_.string(), "-o", "/dev/null", "-w", "%{http_code}",
       "-H", "Content-Type: application/json", "--data",
       R"({"domain":"d","operation":"o","content":"c"})", "http://localhost/v1/measurements"},
      dir_);
  EXPECT_EQ(measure.out, "501");  // sample cannot extend; the measurer is not wired yet
  for (const std::string& text : {info.body, metrics.body, health.body}) {
    expect_no_secret_in(text, kDiskKey, "API answer");
    expect_no_secret_in(text, kApiToken, "API answer");
  }
}

TEST_F(AgentSocketE2e, AttestCliAgentFetchesThroughTheSocket) {
  const auto r = run_cli({"agent", "resource", "--socket", socket_.string(), "kbs:///app/token/api",
                          "-o", (dir_ / "api").string()},
                         dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err << agent_->err();
  EXPECT_EQ(read_text_file(dir_ / "api"), std::string(kApiToken.begin(), kApiToken.end()));
  const auto status = run_cli({"agent", "status", "--socket", socket_.string()}, dir_);
  EXPECT_EQ(status.exit_code, 0) << status.err;
  expect_no_secret_in(status.out + status.err, kApiToken, "attest-cli agent status");
}

TEST_F(AgentSocketE2e, HundredConcurrentFirstRequestsCauseOneAuthAndOneGet) {
  // Start-up attested once; nothing is cached (no [[secrets]]).
  ASSERT_EQ(kbs_requests("auth"), 1);
  ASSERT_EQ(kbs_requests("resource"), 0);
  http::HttpOptions h;
  h.allow_insecure_http = true;
  h.unix_socket_path = socket_.string();
  h.retry.max_attempts = 1;
  auto client = http::CurlHttpClient::create(h, attest::testing::real_clock());
  ASSERT_TRUE(client);
  std::atomic<int> exact{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i)
    threads.emplace_back([&] {
      http::HttpRequest req;
      req.url = "http://localhost/v1/resource/app/token/api";
      auto r = (*client)->send(req);
      if (r && r->status == 200 && r->body == std::string(kApiToken.begin(), kApiToken.end()))
        ++exact;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(exact.load(), 100) << agent_->err();
  EXPECT_EQ(kbs_requests("auth"), 1);
  EXPECT_EQ(kbs_requests("attest"), 1);
  EXPECT_EQ(kbs_requests("resource"), 1);
}

TEST_F(AgentSocketE2e, AnotherUidIsRefusedAndLearnsNothing) {
  // Let uid 65534 reach the socket (the test's directory is 0700); the socket itself is 0666.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0711), 0);
  const std::vector<std::string> nobody{"setpriv", "--reuid=65534", "--regid=65534",
                                        "--clear-groups"};
  const auto existing = curl(socket_, "/v1/resource/default/key/disk", dir_, nobody);
  const auto missing = curl(socket_, "/v1/resource/default/key/nope", dir_, nobody);
  EXPECT_EQ(existing.status, "403") << existing.body;
  EXPECT_EQ(missing.status, "403") << missing.body;
  // Same answer whether or not the resource exists.
  EXPECT_EQ(existing.body, missing.body);
  expect_no_secret_in(existing.body, kDiskKey, "403 body");
  EXPECT_EQ(curl(socket_, "/v1/token", dir_, nobody).status, "403");
  EXPECT_EQ(kbs_requests("resource"), 0);  // refused before any work
  EXPECT_NE(agent_->err().find("uid=65534"), std::string::npos) << agent_->err();
}

// TPM evidence: swtpm, an AK provisioned by the real attest-cli, the agent quoting through it.
class AgentTpmE2e : public SwtpmTest {
 protected:
  TempDir dir_;
  NotifySocket notify_{dir_ / "notify.sock"};
};

TEST_F(AgentTpmE2e, TpmEvidenceFromSwtpmReleasesTheSecretFile) {
  const auto ak = run_cli({"tpm", "provision-ak", "--tcti", tcti(), "--handle", "0x81010002", "-o",
                           (dir_ / "ak.pem").string()},
                          dir_);
  ASSERT_EQ(ak.exit_code, 0) << ak.err;
  KbsConfig c;
  c.resources["default/key/disk"] = kDiskKey;
  TestKbs kbs(c);
  ASSERT_TRUE(kbs.running()) << kbs.log();
  const auto config = dir_ / "config.toml";
  write_text_file(config, "[kbs]\nurl = \"" + kbs.url() + "\"\ninsecure_http = true\n");
  ::chmod(config.c_str(), 0600);
  const auto socket = dir_ / "agent.sock";
  AgentProcess agent(
      {"--config", config.string(), "--tee", "tpm", "--tcti", tcti(), "--socket", socket.string(),
       "--secret", "kbs:///default/key/disk=" + (dir_ / "disk.key").string()},
      {"NOTIFY_SOCKET=" + notify_.path().string()}, dir_.path());
  ASSERT_TRUE(notify_.wait_for("READY=1", 60s)) << agent.err() << "\nKBS:\n" << kbs.log();
  EXPECT_EQ(read_text_file(dir_ / "disk.key"), std::string(kDiskKey.begin(), kDiskKey.end()));
  EXPECT_EQ(file_mode(dir_ / "disk.key"), 0400u);
  EXPECT_NE(agent.err().find("TEE tpm"), std::string::npos) << agent.err();
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait_exit(20s), 0) << agent.err();
  EXPECT_FALSE(std::filesystem::exists(socket));
  expect_no_secret_in(agent.err() + agent.out(), kDiskKey, "agent output");
  auto stats = kbs.stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["responses"]["attest"], nlohmann::json({{"200", 1}})) << stats->dump();
}

}  // namespace
}  // namespace attest::testing
