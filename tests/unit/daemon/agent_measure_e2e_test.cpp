// Runtime measurements and init-data through the real attest-agent binary on swtpm (issue 7's
// "a runtime measurement on swtpm changes the PCR and appears in the event log that the evidence
// carries"): init-data binds PCR 8 at start; curl --unix-socket -X POST /v1/measurements (and
// CoCo's /aa/aael) extends the tpm default PCR (23); the evidence read back through
// /v1/evidence quotes the changed PCR and carries the record in "aa_eventlog", and replaying that
// log gives the PCR. A TEE that cannot extend answers 501. A measurement a crash interrupted
// (the agent's write-ahead record left behind) is settled when the agent starts again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "agent/measure/aael.h"
#include "agent/measure/pending_record.h"
#include "common/digest.h"
#include "providers/eventlog/eventlog.h"
#include "tests/fakes/swtpm.h"
#include "tests/fakes/test_kbs.h"
#include "tests/unit/daemon/agent_process.h"

namespace attest::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInitData =
    "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\nk = \"v\"\n";

struct HttpResult {
  std::string status;  // "%{http_code}"
  std::string body;
};

// curl --unix-socket; a POST when `json_body` is set.
HttpResult request(const std::filesystem::path& socket, const std::string& path, const TempDir& dir,
                   const std::optional<std::string>& json_body = std::nullopt) {
  std::vector<std::string> argv{
      "curl",          "-sS", "--max-time", "30", "--unix-socket",
      socket.string(), "-o",  "-",          "-w", "%{stderr}%{http_code}"};
  if (json_body)
    argv.insert(argv.end(), {"-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                             *json_body});
  argv.push_back("http://localhost" + path);
  const auto r = run_process(argv, dir);
  return {r.err.size() >= 3 ? r.err.substr(r.err.size() - 3) : r.err, r.out};
}

Bytes sha256(ByteView data) {
  auto d = digest(HashAlg::Sha256, data);
  EXPECT_TRUE(d);
  return d ? *d : Bytes{};
}

class AgentMeasureE2e : public SwtpmTest {
 protected:
  void start_agent(const std::string& tee, const std::string& kbs_extra,
                   const std::string& agent_extra = "") {
    kbs_ = std::make_unique<TestKbs>(KbsConfig{});
    ASSERT_TRUE(kbs_->running()) << kbs_->log();
    const auto config = dir_ / "config.toml";
    write_text_file(config, "[kbs]\nurl = \"" + kbs_->url() + "\"\ninsecure_http = true\n" +
                                kbs_extra + "[evidence]\naael_path = \"" + aael_.string() +
                                "\"\n[agent]\n" + agent_extra);
    ::chmod(config.c_str(), 0600);
    std::vector<std::string> args{"--config", config.string(), "--tee",
                                  tee,        "--socket",      socket_.string()};
    if (tee == "tpm") args.insert(args.end(), {"--tcti", tcti()});
    // A notify socket per start: a restarted agent's READY=1 must not be the first one's.
    notify_ =
        std::make_unique<NotifySocket>(dir_ / ("notify" + std::to_string(++starts_) + ".sock"));
    agent_ = std::make_unique<AgentProcess>(
        args, std::vector<std::string>{"NOTIFY_SOCKET=" + notify_->path().string()}, dir_.path());
    ASSERT_TRUE(notify_->wait_for("READY=1", 60s)) << agent_->err() << "\nKBS:\n" << kbs_->log();
  }
  void TearDown() override {
    if (agent_) {
      agent_->signal(SIGTERM);
      EXPECT_EQ(agent_->wait_exit(20s), 0) << agent_->err();
    }
    SwtpmTest::TearDown();
  }
  nlohmann::json evidence() {
    const auto r = request(socket_, "/v1/evidence?runtime_data=AAECAw", dir_);
    EXPECT_EQ(r.status, "200") << r.body << agent_->err();
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  Bytes pcr(const nlohmann::json& ev, int index) {
    auto v = hex_decode(ev.at("tpm_quote").at("pcrs").at(index).get<std::string>());
    EXPECT_TRUE(v);
    return v ? *v : Bytes{};
  }

  void stop_agent() {
    agent_->signal(SIGTERM);
    EXPECT_EQ(agent_->wait_exit(20s), 0) << agent_->err();
    agent_.reset();
  }
  // The records of the AAEL the evidence carries ("aa_eventlog"), each checked to be an
  // EV_EVENT_TAG on PCR 23 whose digest is the SHA-256 of its data.
  std::vector<eventlog::Event> aael_events(const nlohmann::json& ev) {
    if (!ev.contains("aa_eventlog")) return {};
    auto log =
        base64_decode(ev.at("aa_eventlog").get<std::string>(), Base64::Standard, Padding::Required);
    EXPECT_TRUE(log);
    if (!log) return {};
    auto parsed = eventlog::parse_eventlog(*log);
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (!parsed) return {};
    for (const auto& e : parsed->events) {
      EXPECT_EQ(e.index, 23u);
      EXPECT_EQ(e.type, 6u);  // EV_EVENT_TAG
      EXPECT_EQ(e.digests.size(), 1u);
      if (!e.digests.empty()) {
        EXPECT_EQ(e.digests[0].value, sha256(e.data));
      }
    }
    return parsed->events;
  }
  // What a verifier computes: the PCR from zero, extended with each record's digest in order.
  static Bytes replay(const std::vector<eventlog::Event>& events) {
    Bytes value(32, 0);
    for (const auto& e : events) {
      if (e.digests.empty()) continue;
      value.insert(value.end(), e.digests[0].value.begin(), e.digests[0].value.end());
      value = sha256(value);
    }
    return value;
  }
  // The record's text: "<domain> <operation> <content>" after the 8-byte AAEL tag header.
  static std::string text_of(const eventlog::Event& e) {
    return e.data.size() < 8 ? std::string() : std::string(e.data.begin() + 8, e.data.end());
  }
  std::filesystem::path pending_path() const { return aael_.string() + ".pending"; }
  // What a crash (kill -9, power loss) right after step 1 of a measurement leaves
  // (runtime_measurer.h): the write-ahead record "<log>.pending" for the event, written with the
  // agent's own encoders while no agent runs; `register_before` is PCR 23 as the evidence
  // showed it. Returns the digest the register is extended with in step 2.
  Bytes leave_pending_measurement(std::string_view content, const Bytes& register_before) {
    const auto record = measure::encode_record({23, HashAlg::Sha256}, "app", "load", content);
    EXPECT_TRUE(record) << record.error().message;
    if (!record) return {};
    const auto log_size = std::filesystem::file_size(aael_);
    write_text_file(pending_path(),
                    to_string(measure::encode_pending(
                        {log_size, register_before, record->digest, record->bytes})));
    ::chmod(pending_path().c_str(), 0600);
    return record->digest;
  }
  void extend_pcr23(const Bytes& digest) {
    ASSERT_EQ(tpm2("pcrextend 23:sha256=" + hex_encode(digest)).first, 0);
  }
  // An agent with an AK and one measurement in its log; returns PCR 23 after it.
  Bytes agent_with_one_measurement() {
    const auto ak = run_cli({"tpm", "provision-ak", "--tcti", tcti(), "--handle", "0x81010002",
                             "-o", (dir_ / "ak.pem").string()},
                            dir_);
    EXPECT_EQ(ak.exit_code, 0) << ak.err;
    start_agent("tpm", "");
    if (HasFatalFailure()) return {};
    const auto r = request(socket_, "/v1/measurements", dir_,
                           R"({"domain":"app","operation":"load","content":"first"})");
    EXPECT_EQ(r.status, "200") << r.body << agent_->err();
    const auto ev = evidence();
    EXPECT_EQ(aael_events(ev).size(), 1u);
    return pcr(ev, 23);
  }

  TempDir dir_;
  int starts_ = 0;
  std::unique_ptr<NotifySocket> notify_;
  std::filesystem::path socket_ = dir_ / "agent.sock";
  std::filesystem::path aael_ = dir_ / "run" / "eventlog";
  std::unique_ptr<TestKbs> kbs_;
  std::unique_ptr<AgentProcess> agent_;
};

TEST_F(AgentMeasureE2e, MeasurementChangesThePcrAndTheEvidenceLogReplaysToIt) {
  const auto ak = run_cli({"tpm", "provision-ak", "--tcti", tcti(), "--handle", "0x81010002", "-o",
                           (dir_ / "ak.pem").string()},
                          dir_);
  ASSERT_EQ(ak.exit_code, 0) << ak.err;
  write_text_file(dir_ / "init.toml", kInitData);
  // No measurement_pcr: the tpm default, 23 (locality 0 cannot extend guest-components' 17).
  start_agent("tpm", "initdata_file = \"" + (dir_ / "init.toml").string() + "\"\n");
  if (HasFatalFailure()) return;
  // PCR 23 is resettable at locality 0: the agent says so at start.
  EXPECT_NE(agent_->err().find("measurement_pcr: tpm: PCR 23 can be reset at locality 0"),
            std::string::npos)
      << agent_->err();

  // Init-data was bound at start: PCR 8 = SHA-256(0^32 || SHA-256(toml)), what Trustee checks.
  const nlohmann::json before = evidence();
  ASSERT_TRUE(before.is_object());
  Bytes chain(32, 0);
  const Bytes init_digest = sha256(as_bytes(std::string_view(kInitData)));
  chain.insert(chain.end(), init_digest.begin(), init_digest.end());
  EXPECT_EQ(pcr(before, 8), sha256(chain));
  EXPECT_EQ(pcr(before, 23), Bytes(32, 0));
  EXPECT_FALSE(before.contains("aa_eventlog"));

  const auto first = request(socket_, "/v1/measurements", dir_,
                             R"({"domain":"github.com/confidential-containers",)"
                             R"("operation":"PullImage","content":"busybox@sha256:ab"})");
  EXPECT_EQ(first.status, "200") << first.body << agent_->err();
  EXPECT_EQ(nlohmann::json::parse(first.body, nullptr, false),
            (nlohmann::json{{"success", "true"}}));
  const auto second = request(socket_, "/aa/aael", dir_,
                              R"({"domain":"app","operation":"load","content":"config v2"})");
  EXPECT_EQ(second.status, "200") << second.body << agent_->err();
  // A record the verifier could not parse (a LF in content) changes nothing.
  const auto bad = request(socket_, "/v1/measurements", dir_,
                           R"({"domain":"app","operation":"load","content":"two\nlines"})");
  EXPECT_EQ(bad.status, "400") << bad.body;

  const nlohmann::json after = evidence();
  ASSERT_TRUE(after.is_object());
  const Bytes pcr23 = pcr(after, 23);
  EXPECT_NE(pcr23, Bytes(32, 0));
  EXPECT_EQ(pcr(after, 8), pcr(before, 8));  // bound once, not again
  ASSERT_TRUE(after.contains("aa_eventlog")) << after.dump();
  const auto events = aael_events(after);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(replay(events), pcr23);
  EXPECT_EQ(text_of(events[0]), "github.com/confidential-containers PullImage busybox@sha256:ab");
  EXPECT_EQ(text_of(events[1]), "app load config v2");

  // The log file itself: the daemon's, mode 0600.
  struct stat st {};
  ASSERT_EQ(::stat(aael_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(AgentMeasureE2e, InitDataThatDoesNotMatchPcr8RefusesToStartNamingBothDigests) {
  // PCR 8 already holds another init-data's binding: this boot was launched with other init-data.
  const std::string other = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\nk = \"w\"\n";
  const Bytes other_digest = sha256(as_bytes(std::string_view(other)));
  ASSERT_EQ(tpm2("pcrextend 8:sha256=" + hex_encode(other_digest)).first, 0);
  write_text_file(dir_ / "init.toml", kInitData);
  const auto config = dir_ / "config.toml";
  write_text_file(config,
                  "[kbs]\nurl = \"http://127.0.0.1:9\"\ninsecure_http = true\n"
                  "initdata_file = \"" +
                      (dir_ / "init.toml").string() + "\"\n");
  ::chmod(config.c_str(), 0600);
  AgentProcess agent(
      {"--config", config.string(), "--tee", "tpm", "--tcti", tcti(), "--socket", socket_.string()},
      {}, dir_.path());
  const auto status = agent.wait_exit(30s);
  ASSERT_TRUE(status) << agent.err();
  EXPECT_EQ(*status, 2) << agent.err();
  const std::string ours = hex_encode(sha256(as_bytes(std::string_view(kInitData))));
  EXPECT_NE(agent.err().find(ours), std::string::npos) << agent.err();
  Bytes chain(32, 0);
  chain.insert(chain.end(), other_digest.begin(), other_digest.end());
  EXPECT_NE(agent.err().find("PCR 8 is " + hex_encode(sha256(chain))), std::string::npos)
      << agent.err();
  EXPECT_FALSE(std::filesystem::exists(socket_));
}

// guest-components' PCR 17 on a PC-Client TPM: the agent refuses to start (a configuration
// error), naming the PCR and the ones it could use, instead of failing every measurement with
// the TPM's "bad locality".
TEST_F(AgentMeasureE2e, APcrLocalityZeroCannotExtendRefusesToStartNamingIt) {
  const auto config = dir_ / "config.toml";
  write_text_file(config,
                  "[kbs]\nurl = \"http://127.0.0.1:9\"\ninsecure_http = true\n"
                  "[agent]\nmeasurement_pcr = 17\n");
  ::chmod(config.c_str(), 0600);
  AgentProcess agent(
      {"--config", config.string(), "--tee", "tpm", "--tcti", tcti(), "--socket", socket_.string()},
      {}, dir_.path());
  const auto status = agent.wait_exit(30s);
  ASSERT_TRUE(status) << agent.err();
  EXPECT_EQ(*status, 2) << agent.err();
  EXPECT_NE(agent.err().find("measurement_pcr: tpm: PCR 17 cannot be extended at locality 0"),
            std::string::npos)
      << agent.err();
  EXPECT_NE(agent.err().find("PCRs extendable and not resettable at locality 0 are 0-15"),
            std::string::npos)
      << agent.err();
  EXPECT_FALSE(std::filesystem::exists(socket_));
}

// Crashed after step 2: the PCR holds the measurement, the log does not. The agent that starts
// next appends the record before it serves evidence, so the log replays to the PCR again.
TEST_F(AgentMeasureE2e, AtStartAMeasurementThatReachedThePcrButNotTheLogIsAppended) {
  const Bytes before = agent_with_one_measurement();
  if (HasFatalFailure()) return;
  stop_agent();
  extend_pcr23(leave_pending_measurement("crashed after the extend", before));
  if (HasFatalFailure()) return;

  start_agent("tpm", "");
  if (HasFatalFailure()) return;
  EXPECT_FALSE(std::filesystem::exists(pending_path()));
  const auto ev = evidence();
  const auto events = aael_events(ev);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(text_of(events[1]), "app load crashed after the extend");
  EXPECT_NE(pcr(ev, 23), before);
  EXPECT_EQ(replay(events), pcr(ev, 23));
}

// Crashed after step 1: the record never reached the PCR. The agent drops it, keeps the log as
// it was, and measures again.
TEST_F(AgentMeasureE2e, AtStartAMeasurementThatNeverReachedThePcrIsDroppedAndMeasuringGoesOn) {
  const Bytes before = agent_with_one_measurement();
  if (HasFatalFailure()) return;
  stop_agent();
  leave_pending_measurement("crashed before the extend", before);

  start_agent("tpm", "");
  if (HasFatalFailure()) return;
  EXPECT_FALSE(std::filesystem::exists(pending_path()));
  const auto ev = evidence();
  EXPECT_EQ(pcr(ev, 23), before);
  ASSERT_EQ(aael_events(ev).size(), 1u);

  const auto r = request(socket_, "/v1/measurements", dir_,
                         R"({"domain":"app","operation":"load","content":"next"})");
  EXPECT_EQ(r.status, "200") << r.body << agent_->err();
  const auto after = evidence();
  const auto events = aael_events(after);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(text_of(events[1]), "app load next");
  EXPECT_EQ(replay(events), pcr(after, 23));
}

// The PCR matches neither the log nor the log with the pending record (something else extended
// it): the agent still starts and serves, says why at start, refuses measurements with the same
// reason, and keeps the pending record for a person to look at.
TEST_F(AgentMeasureE2e, AtStartAPcrThatNeitherLogExplainsRefusesMeasurementsAndKeepsTheRecord) {
  const Bytes before = agent_with_one_measurement();
  if (HasFatalFailure()) return;
  stop_agent();
  leave_pending_measurement("never logged", before);
  extend_pcr23(sha256(as_bytes(std::string_view("someone else"))));
  if (HasFatalFailure()) return;

  start_agent("tpm", "");
  if (HasFatalFailure()) return;
  const std::string why = "refusing measurements";
  EXPECT_NE(agent_->err().find("runtime measurements: "), std::string::npos) << agent_->err();
  EXPECT_NE(agent_->err().find(why), std::string::npos) << agent_->err();
  const auto r = request(socket_, "/v1/measurements", dir_,
                         R"({"domain":"app","operation":"load","content":"refused"})");
  EXPECT_EQ(r.status, "503") << r.body;
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_EQ(j.value("code", ""), "failed precondition") << r.body;
  EXPECT_NE(j.value("error", "").find(why), std::string::npos) << r.body;
  EXPECT_TRUE(std::filesystem::exists(pending_path()));
  // Evidence is still served, with the log as it was.
  EXPECT_EQ(aael_events(evidence()).size(), 1u);
}

TEST_F(AgentMeasureE2e, ATeeThatCannotExtendAnswers501) {
  start_agent("sample", "");
  if (HasFatalFailure()) return;
  const auto r =
      request(socket_, "/v1/measurements", dir_, R"({"domain":"a","operation":"b","content":"c"})");
  EXPECT_EQ(r.status, "501") << r.body;
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_EQ(j.value("code", ""), "unsupported") << r.body;
  EXPECT_NE(j.value("error", "").find("sample cannot extend runtime measurements"),
            std::string::npos)
      << r.body;
  EXPECT_FALSE(std::filesystem::exists(aael_));
}

}  // namespace
}  // namespace attest::testing
