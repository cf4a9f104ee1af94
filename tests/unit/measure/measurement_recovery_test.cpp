// The write-ahead record between a register extend and the event-log append: a crash (emulated
// by an Os that stops working at a chosen step, as a killed process would) or a failure between
// any two steps is recovered from the register's value, and afterwards the log replays to the
// register. A register that matches neither possibility is refused, naming every value.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "agent/measure/pending_record.h"
#include "agent/measure/runtime_measurer.h"
#include "common/digest.h"
#include "common/os/clock.h"
#include "common/os/posix_os.h"
#include "providers/eventlog/cc_eventlog.h"
#include "providers/eventlog/eventlog.h"
#include "tests/fakes/test_kbs.h"

namespace attest::measure {
namespace {

constexpr unsigned kPcr = 23;

Bytes sha256(ByteView data) {
  auto d = digest(HashAlg::Sha256, data);
  EXPECT_TRUE(d);
  return d ? *d : Bytes{};
}

// A SHA-256 PCR in memory whose extend can fail before or after it takes effect (a TPM command
// that times out may or may not have run), and can call a hook first (to "crash" the process).
class FakeRegister final : public EvidenceProvider {
 public:
  enum class Extend { Normally, FailBefore, FailAfter };
  TeeKind kind() const override { return TeeKind::Tpm; }
  Result<Evidence> get_evidence(ByteView) override {
    return fail(Code::Unsupported, "test error: no evidence here");
  }
  Result<void> extend(unsigned pcr, ByteView digest) override {
    EXPECT_EQ(pcr, kPcr);
    if (before_extend) before_extend();
    if (mode == Extend::FailBefore) return fail(Code::Unavailable, "tpm: PCR_Extend timed out");
    Bytes chain = value;
    chain.insert(chain.end(), digest.begin(), digest.end());
    value = sha256(chain);
    ++extends;
    if (mode == Extend::FailAfter) return fail(Code::Unavailable, "tpm: PCR_Extend timed out");
    return {};
  }
  Result<RuntimeRegister> runtime_register(unsigned pcr) const override {
    return RuntimeRegister{pcr, HashAlg::Sha256};
  }
  Result<Bytes> read_register(unsigned pcr) override {
    EXPECT_EQ(pcr, kPcr);
    return value;
  }

  Bytes value = Bytes(32, 0);
  int extends = 0;
  Extend mode = Extend::Normally;
  std::function<void()> before_extend;
};

// The real file system until crash(): then every call fails, as nothing more happens once a
// process is killed. Can also crash inside a chosen step, or fail a write once (EIO).
class CrashingOs final : public ForwardingOs {
 public:
  using ForwardingOs::ForwardingOs;
  void crash() { dead_ = true; }

  std::filesystem::path tear_write_to;    // write half the bytes to this file, then crash
  std::filesystem::path crash_unlinking;  // crash instead of unlinking this path
  std::filesystem::path fail_write_to;    // one write to this file fails with EIO
  bool crash_on_first_write = false;      // the first write of any file: half, then crash

  Result<Fd> open(const std::filesystem::path& p, int flags) override {
    if (dead_) return os_error(EIO, "open (crashed)");
    return remember(ForwardingOs::open(p, flags), p);
  }
  Result<Fd> create(const std::filesystem::path& p, int flags, mode_t mode) override {
    if (dead_) return os_error(EIO, "create (crashed)");
    return remember(ForwardingOs::create(p, flags, mode), p);
  }
  Result<std::size_t> read(const Fd& fd, std::span<std::uint8_t> out) override {
    if (dead_) return os_error(EIO, "read (crashed)");
    return ForwardingOs::read(fd, out);
  }
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override {
    if (dead_) return os_error(EIO, "write (crashed)");
    const auto path = paths_[fd.handle()];
    if (crash_on_first_write || (!tear_write_to.empty() && path == tear_write_to)) {
      (void)ForwardingOs::write(fd, in.first(in.size() / 2));
      dead_ = true;
      return os_error(EIO, "write (crashed)");
    }
    if (!fail_write_to.empty() && path == fail_write_to) {
      fail_write_to.clear();
      return os_error(EIO, "write");
    }
    return ForwardingOs::write(fd, in);
  }
  Result<void> fsync(const Fd& fd) override {
    if (dead_) return os_error(EIO, "fsync (crashed)");
    return ForwardingOs::fsync(fd);
  }
  Result<void> unlink(const std::filesystem::path& p) override {
    if (!dead_ && p == crash_unlinking) dead_ = true;
    if (dead_) return os_error(EIO, "unlink (crashed)");
    return ForwardingOs::unlink(p);
  }
  Result<void> rename(const std::filesystem::path& a, const std::filesystem::path& b) override {
    if (dead_) return os_error(EIO, "rename (crashed)");
    return ForwardingOs::rename(a, b);
  }
  Result<void> link_fd(const Fd& fd, const std::filesystem::path& p) override {
    if (dead_) return os_error(EIO, "link (crashed)");
    return ForwardingOs::link_fd(fd, p);
  }
  Result<void> mkdir(const std::filesystem::path& p) override {
    if (dead_) return os_error(EIO, "mkdir (crashed)");
    return ForwardingOs::mkdir(p);
  }

 private:
  Result<Fd> remember(Result<Fd> fd, const std::filesystem::path& p) {
    if (fd) paths_[fd->handle()] = p;
    return fd;
  }
  bool dead_ = false;
  std::map<int, std::filesystem::path> paths_;
};

class MeasurementRecovery : public ::testing::Test {
 protected:
  MeasurerOptions options() const { return {log_, kPcr}; }
  Bytes log_bytes() {
    auto b = read_file(os_, log_);
    return b ? *b : Bytes{};
  }
  // Replays the log as a verifier would (PCR 23 starts at zero) and compares with the register.
  void expect_log_explains_register(std::size_t records) {
    auto log = eventlog::assemble_cc_eventlog(std::nullopt, log_bytes(), HashAlg::Sha256);
    ASSERT_TRUE(log) << log.error().message;
    ASSERT_TRUE(*log);
    auto parsed = eventlog::parse_eventlog(**log);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->events.size(), records);
    const auto banks = eventlog::replay(*parsed);
    const auto bank = banks.find(tcg_id(HashAlg::Sha256));
    const Bytes replayed =
        bank == banks.end() || !bank->second.contains(kPcr) ? Bytes(32, 0) : bank->second.at(kPcr);
    EXPECT_EQ(replayed, reg_.value);
  }
  // The agent restarting on the same file system and register.
  Result<void> restart_and_recover() {
    RuntimeMeasurer fresh(os_, reg_, options());
    return fresh.recover();
  }
  // One measurement that goes through, so that every case starts with a non-empty log.
  void SetUp() override {
    RuntimeMeasurer m(os_, reg_, options());
    ASSERT_TRUE(m.extend("app", "boot", "first"));
  }

  testing::TempDir tmp_;
  SystemClock clock_;
  PosixOs os_{clock_};
  FakeRegister reg_;
  std::filesystem::path log_ = tmp_.path() / "attest-agent" / "eventlog";
  std::filesystem::path pending_ = tmp_.path() / "attest-agent" / "eventlog.pending";
};

TEST_F(MeasurementRecovery, CrashBeforeTheExtendDropsThePendingRecord) {
  const Bytes before = reg_.value;
  CrashingOs crashing(os_);
  reg_.before_extend = [&] { crashing.crash(); };
  reg_.mode = FakeRegister::Extend::FailBefore;  // the process died before the TPM got it
  RuntimeMeasurer m(crashing, reg_, options());
  ASSERT_FALSE(m.extend("app", "load", "lost"));
  ASSERT_TRUE(std::filesystem::exists(pending_));

  reg_.before_extend = nullptr;
  reg_.mode = FakeRegister::Extend::Normally;
  auto r = restart_and_recover();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(pending_));
  EXPECT_EQ(reg_.value, before);
  expect_log_explains_register(1);
}

TEST_F(MeasurementRecovery, CrashBetweenTheExtendAndTheAppendAppendsThePendingRecord) {
  CrashingOs crashing(os_);
  reg_.before_extend = [&] { crashing.crash(); };  // the extend runs, nothing after it does
  RuntimeMeasurer m(crashing, reg_, options());
  ASSERT_FALSE(m.extend("app", "load", "config v2"));
  ASSERT_EQ(reg_.extends, 2);
  ASSERT_TRUE(std::filesystem::exists(pending_));

  auto r = restart_and_recover();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(pending_));
  expect_log_explains_register(2);
  // ...and the agent measures on.
  RuntimeMeasurer after(os_, reg_, options());
  ASSERT_TRUE(after.extend("app", "load", "config v3"));
  expect_log_explains_register(3);
}

TEST_F(MeasurementRecovery, ATornAppendIsRepaired) {
  CrashingOs crashing(os_);
  crashing.tear_write_to = log_;
  RuntimeMeasurer m(crashing, reg_, options());
  const std::size_t size_before = log_bytes().size();
  ASSERT_FALSE(m.extend("app", "load", "torn in half"));
  ASSERT_GT(log_bytes().size(), size_before);  // half a record landed

  auto r = restart_and_recover();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(pending_));
  expect_log_explains_register(2);
}

TEST_F(MeasurementRecovery, CrashAfterTheAppendRemovesThePendingRecordOnly) {
  CrashingOs crashing(os_);
  crashing.crash_unlinking = pending_;
  RuntimeMeasurer m(crashing, reg_, options());
  // The record is in the log when the removal fails: the measurement stands.
  ASSERT_TRUE(m.extend("app", "load", "logged"));
  ASSERT_TRUE(std::filesystem::exists(pending_));

  auto r = restart_and_recover();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(pending_));
  expect_log_explains_register(2);  // not appended twice
}

TEST_F(MeasurementRecovery, CrashWhileWritingThePendingRecordChangesNothing) {
  const Bytes log = log_bytes();
  const Bytes before = reg_.value;
  CrashingOs crashing(os_);
  crashing.crash_on_first_write = true;
  RuntimeMeasurer m(crashing, reg_, options());
  ASSERT_FALSE(m.extend("app", "load", "never"));
  EXPECT_EQ(reg_.extends, 1);
  EXPECT_FALSE(std::filesystem::exists(pending_));  // the atomic writer leaves no part

  auto r = restart_and_recover();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(reg_.value, before);
  EXPECT_EQ(log_bytes(), log);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(log_.parent_path()))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"eventlog"});  // no temporary file either
}

// Without a crash, a failed append is repaired at once from the pending record: the register
// was extended, so the record goes into the log and the measurement stands. (Before the
// write-ahead record the agent refused every further measurement until a reboot.)
TEST_F(MeasurementRecovery, AFailedAppendIsRepairedAtOnce) {
  CrashingOs flaky(os_);
  flaky.fail_write_to = log_;
  RuntimeMeasurer m(flaky, reg_, options());
  auto r = m.extend("app", "load", "retried");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(pending_));
  expect_log_explains_register(2);
  ASSERT_TRUE(m.extend("app", "load", "next"));
  expect_log_explains_register(3);
}

// The log cannot be written at all: the measurement fails, the pending record stays, and the
// next measurement, once the file system is back, first logs the one that was extended.
TEST_F(MeasurementRecovery, AnAppendThatCannotBeRepairedAtOnceIsLoggedBeforeTheNextMeasurement) {
  CrashingOs crashing(os_);
  crashing.tear_write_to = log_;  // the append dies, and so does every repair attempt
  {
    RuntimeMeasurer m(crashing, reg_, options());
    auto r = m.extend("app", "load", "pending");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("stays until it can be resolved"), std::string::npos)
        << r.error().message;
  }
  RuntimeMeasurer m(os_, reg_, options());
  ASSERT_TRUE(m.extend("app", "load", "after"));
  EXPECT_EQ(reg_.extends, 3);
  EXPECT_FALSE(std::filesystem::exists(pending_));
  expect_log_explains_register(3);
}

TEST_F(MeasurementRecovery, AnExtendThatFailedButHappenedIsLogged) {
  reg_.mode = FakeRegister::Extend::FailAfter;
  RuntimeMeasurer m(os_, reg_, options());
  ASSERT_TRUE(m.extend("app", "load", "timed out but ran"));
  EXPECT_FALSE(std::filesystem::exists(pending_));
  expect_log_explains_register(2);
}

TEST_F(MeasurementRecovery, AnExtendThatFailedCleanlyLeavesNoTrace) {
  const Bytes log = log_bytes();
  reg_.mode = FakeRegister::Extend::FailBefore;
  RuntimeMeasurer m(os_, reg_, options());
  auto r = m.extend("app", "load", "refused");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unavailable);
  EXPECT_EQ(r.error().message, "tpm: PCR_Extend timed out");
  EXPECT_FALSE(std::filesystem::exists(pending_));
  EXPECT_EQ(log_bytes(), log);
  expect_log_explains_register(1);
}

// Someone else extended the PCR meanwhile: recovery cannot tell what happened and refuses.
TEST_F(MeasurementRecovery, ARegisterMatchingNeitherValueIsRefusedNamingThemAll) {
  const Bytes before = reg_.value;
  CrashingOs crashing(os_);
  reg_.before_extend = [&] { crashing.crash(); };
  reg_.mode = FakeRegister::Extend::FailBefore;
  {
    RuntimeMeasurer m(crashing, reg_, options());
    ASSERT_FALSE(m.extend("app", "load", "lost"));
  }
  auto raw = read_file(os_, pending_);
  ASSERT_TRUE(raw);
  auto pending = decode_pending(*raw);
  ASSERT_TRUE(pending) << pending.error().message;
  EXPECT_EQ(pending->register_before, before);
  Bytes chain = before;
  chain.insert(chain.end(), pending->digest.begin(), pending->digest.end());
  const Bytes after = sha256(chain);

  reg_.before_extend = nullptr;
  reg_.mode = FakeRegister::Extend::Normally;
  reg_.value = Bytes(32, 0x77);  // another process reset and extended PCR 23
  auto r = restart_and_recover();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  const std::string& msg = r.error().message;
  EXPECT_NE(msg.find("tpm register for PCR 23 is " + hex_encode(reg_.value)), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(hex_encode(before)), std::string::npos) << msg;
  EXPECT_NE(msg.find(hex_encode(after)), std::string::npos) << msg;
  EXPECT_NE(msg.find(pending_.string()), std::string::npos) << msg;
  EXPECT_TRUE(std::filesystem::exists(pending_));  // kept for a person to look at
  // Every measurement answers the same until someone resolves it.
  RuntimeMeasurer m(os_, reg_, options());
  auto refused = m.extend("app", "load", "x");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, msg);
  EXPECT_EQ(reg_.value, Bytes(32, 0x77));
}

TEST_F(MeasurementRecovery, AnUnreadablePendingRecordIsRefusedNamingTheFile) {
  testing::write_text_file(pending_, "not a pending record");
  auto r = restart_and_recover();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  EXPECT_NE(r.error().message.find("pending measurement " + pending_.string() + " is unreadable"),
            std::string::npos)
      << r.error().message;
}

TEST(PendingRecord, RoundTripsAndRefusesDamage) {
  const PendingRecord p{1234, Bytes(48, 1), Bytes(48, 2), Bytes{9, 8, 7, 6}};
  const Bytes enc = encode_pending(p);
  auto back = decode_pending(enc);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->log_offset, 1234u);
  EXPECT_EQ(back->register_before, p.register_before);
  EXPECT_EQ(back->digest, p.digest);
  EXPECT_EQ(back->record, p.record);
  for (std::size_t cut = 0; cut < enc.size(); ++cut) {
    auto r = decode_pending(ByteView(enc).first(cut));
    ASSERT_FALSE(r) << cut;
    EXPECT_EQ(r.error().code, Code::Corrupt);
  }
  Bytes longer = enc;
  longer.push_back(0);
  auto trailing = decode_pending(longer);
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().message, "pending record has trailing bytes");
}

}  // namespace
}  // namespace attest::measure
