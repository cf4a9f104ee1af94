// The shared atomic writer against the real kernel (PosixOs on a scratch directory): what a
// reader, an attacker who plants links or devices, and a SIGKILL mid-write each get to see.
#include "common/os/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/os/posix_os.h"
#include "tests/unit/config/temp_config.h"

namespace attest {
namespace {

namespace fs = std::filesystem;
using testing::TempConfigDir;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

class AtomicFile : public ::testing::Test {
 protected:
  SystemClock clock_;
  PosixOs os_{clock_};
  TempConfigDir dir_;
};

TEST_F(AtomicFile, CreatesTheFileWithTheModeAndNothingElse) {
  const auto target = dir_.path() / "key";
  ASSERT_TRUE(write_file_atomically(os_, target, as_bytes("secret-1"), {.mode = 0400}));
  EXPECT_EQ(slurp(target), "secret-1");
  EXPECT_EQ(lstat_of(target).st_mode & 07777, 0400u);
  EXPECT_EQ(entries(dir_.path()), std::vector<std::string>{"key"});
}

TEST_F(AtomicFile, ReplacesAnExistingFileWithANewInode) {
  const auto target = dir_.write("key", "old", 0644);
  const auto before = lstat_of(target).st_ino;
  ASSERT_TRUE(write_file_atomically(os_, target, as_bytes("new"), {.mode = 0600}));
  EXPECT_EQ(slurp(target), "new");
  EXPECT_NE(lstat_of(target).st_ino, before);  // replaced by rename, not rewritten in place
  EXPECT_EQ(lstat_of(target).st_mode & 07777, 0600u);
  EXPECT_EQ(entries(dir_.path()), std::vector<std::string>{"key"});
}

TEST_F(AtomicFile, TheModeHoldsWhateverTheUmask) {
  const mode_t old = ::umask(0);
  auto r = write_file_atomically(os_, dir_.path() / "k", as_bytes("x"), {.mode = 0440});
  ::umask(old);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(lstat_of(dir_.path() / "k").st_mode & 07777, 0440u);
}

TEST_F(AtomicFile, NeverFollowsASymlinkAtTheTarget) {
  const auto victim = dir_.write("victim", "precious", 0600);
  const auto link = dir_.path() / "out";
  ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0);
  auto r = write_file_atomically(os_, link, as_bytes("key"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_TRUE(S_ISLNK(lstat_of(link).st_mode));
}

TEST_F(AtomicFile, NeverReplacesADeviceNode) {
  // As root this used to turn /dev/null into a regular file holding the key.
  auto r = write_file_atomically(os_, "/dev/null", as_bytes("key"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
  EXPECT_NE(r.error().message.find("character device"), std::string::npos) << r.error().message;
  EXPECT_TRUE(S_ISCHR(lstat_of("/dev/null").st_mode));
}

TEST_F(AtomicFile, RefusesADirectoryOrAFifoTarget) {
  ASSERT_EQ(::mkdir((dir_.path() / "d").c_str(), 0700), 0);
  ASSERT_EQ(::mkfifo((dir_.path() / "f").c_str(), 0600), 0);
  for (const char* name : {"d", "f"}) {
    auto r = write_file_atomically(os_, dir_.path() / name, as_bytes("key"), {});
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, Code::InvalidArgument) << name;
  }
  EXPECT_TRUE(S_ISFIFO(lstat_of(dir_.path() / "f").st_mode));
}

TEST_F(AtomicFile, RefusesAGroupOrWorldWritableDirectoryWithoutTheStickyBit) {
  const auto shared = dir_.path() / "shared";
  ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(shared.c_str(), 0777), 0);
  auto r = write_file_atomically(os_, shared / "key", as_bytes("key"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::PermissionDenied);
  EXPECT_TRUE(entries(shared).empty());
  EXPECT_EQ(check_atomic_target(os_, shared / "key").error().code, Code::PermissionDenied);
  // With the sticky bit (like /tmp) nobody else can rename or delete our file: allowed.
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  EXPECT_TRUE(write_file_atomically(os_, shared / "key", as_bytes("key"), {}));
}

TEST_F(AtomicFile, RefusesModeBitsBeyondPermissions) {
  for (mode_t bad : {04600, 02600, 01600}) {
    auto r = write_file_atomically(os_, dir_.path() / "k", as_bytes("x"), {.mode = bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Code::InvalidArgument);
  }
  EXPECT_TRUE(entries(dir_.path()).empty());
}

TEST_F(AtomicFile, SetsOwnerAndGroup) {
  if (::geteuid() != 0)
    GTEST_FAIL() << "this test needs root (CI and the test command run as root)";
  const auto target = dir_.path() / "k";
  ASSERT_TRUE(write_file_atomically(os_, target, as_bytes("x"),
                                    {.mode = 0440, .owner = 65534, .group = 65534}));
  EXPECT_EQ(lstat_of(target).st_uid, 65534u);
  EXPECT_EQ(lstat_of(target).st_gid, 65534u);
  EXPECT_EQ(lstat_of(target).st_mode & 07777, 0440u);
}

// An Os that dies (SIGKILL, as the OOM killer or `kill -9` would) after the first write.
class DieAfterFirstWrite final : public ForwardingOs {
 public:
  using ForwardingOs::ForwardingOs;
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override {
    auto n = ForwardingOs::write(fd, in.first(in.size() / 2));
    ::raise(SIGKILL);
    return n;
  }
};

TEST_F(AtomicFile, SigkillMidWriteLeavesNoCopyUnderAnyName) {
  const auto target = dir_.write("key", "old", 0600);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    DieAfterFirstWrite dying(os_);
    (void)write_file_atomically(dying, target, as_bytes("the-whole-new-key"), {});
    ::_exit(0);  // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(entries(dir_.path()), std::vector<std::string>{"key"});
  EXPECT_EQ(slurp(target), "old");
}

// An Os without O_TMPFILE (an older kernel, or a filesystem without it), which can also fail
// a write: the named temporary file stands in and never survives a failure.
class NoTmpfile final : public ForwardingOs {
 public:
  using ForwardingOs::ForwardingOs;
  Result<Fd> create(const fs::path& p, int flags, mode_t mode) override {
    if ((flags & O_TMPFILE) == O_TMPFILE) return os_error(EOPNOTSUPP, "open O_TMPFILE");
    return ForwardingOs::create(p, flags, mode);
  }
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override {
    if (fail_writes) return os_error(EIO, "write");
    return ForwardingOs::write(fd, in);
  }
  bool fail_writes = false;
};

TEST_F(AtomicFile, FallsBackToANamedTemporaryFileAndCleansUpOnFailure) {
  NoTmpfile os(os_);
  const auto target = dir_.write("key", "old", 0600);
  ASSERT_TRUE(write_file_atomically(os, target, as_bytes("new"), {.mode = 0400}));
  EXPECT_EQ(slurp(target), "new");
  EXPECT_EQ(lstat_of(target).st_mode & 07777, 0400u);
  EXPECT_EQ(entries(dir_.path()), std::vector<std::string>{"key"});

  os.fail_writes = true;
  auto r = write_file_atomically(os, target, as_bytes("newer"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().os_errno, EIO);
  EXPECT_EQ(slurp(target), "new");
  EXPECT_EQ(entries(dir_.path()), std::vector<std::string>{"key"});
}

// Records the order of the durability steps.
class Recording final : public ForwardingOs {
 public:
  using ForwardingOs::ForwardingOs;
  Result<Fd> open(const fs::path& p, int flags) override {
    if ((flags & O_DIRECTORY) != 0) log.push_back("open-dir");
    return ForwardingOs::open(p, flags);
  }
  Result<void> fsync(const Fd& fd) override {
    log.push_back("fsync");
    return ForwardingOs::fsync(fd);
  }
  Result<void> link_fd(const Fd& fd, const fs::path& p) override {
    log.push_back("link");
    return ForwardingOs::link_fd(fd, p);
  }
  Result<void> rename(const fs::path& from, const fs::path& to) override {
    log.push_back("rename");
    return ForwardingOs::rename(from, to);
  }
  std::vector<std::string> log;
};

TEST_F(AtomicFile, FsyncsTheDataBeforeNamingItAndTheDirectoryAfter) {
  Recording os(os_);
  ASSERT_TRUE(write_file_atomically(os, dir_.path() / "new", as_bytes("x"), {}));
  EXPECT_EQ(os.log, (std::vector<std::string>{"fsync", "link", "open-dir", "fsync"}));
  os.log.clear();
  ASSERT_TRUE(write_file_atomically(os, dir_.path() / "new", as_bytes("y"), {}));
  EXPECT_EQ(os.log, (std::vector<std::string>{"fsync", "link", "rename", "open-dir", "fsync"}));
}

}  // namespace
}  // namespace attest
