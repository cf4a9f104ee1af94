// deliver_secret_file: content, owner/group/mode, atomic replacement, and what it refuses.
#include "agent/store/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/os/posix_os.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/test_kbs.h"

namespace attest::store {
namespace {

using testing::file_mode;
using testing::read_text_file;
using testing::TempDir;

// The daemon's writer: the process's real Os.
Result<void> deliver_secret_file(const SecretFile& file, ByteView data) {
  PosixOs os(testing::real_clock());
  return store::deliver_secret_file(os, file, data);
}

struct stat stat_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

TEST(SecretFile, WritesTheBytesWithTheRequestedMode) {
  TempDir dir;
  const auto path = dir / "disk.key";
  ASSERT_TRUE(deliver_secret_file({path, 0440, std::nullopt, std::nullopt}, as_bytes("k1")));
  EXPECT_EQ(read_text_file(path), "k1");
  EXPECT_EQ(file_mode(path), 0440u);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"disk.key"});  // no temporary left
}

TEST(SecretFile, ReplacesAnExistingFileAndTightensItsMode) {
  TempDir dir;
  const auto path = dir / "disk.key";
  testing::write_text_file(path, "old and longer content");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  const ino_t old_inode = stat_of(path).st_ino;
  ASSERT_TRUE(deliver_secret_file({path, 0400, std::nullopt, std::nullopt}, as_bytes("new")));
  EXPECT_EQ(read_text_file(path), "new");
  EXPECT_EQ(file_mode(path), 0400u);
  // A new inode: a reader holding the old file never sees a mix.
  EXPECT_NE(stat_of(path).st_ino, old_inode);
  EXPECT_EQ(dir.entries().size(), 1u);
}

TEST(SecretFile, GivesTheFileItsOwnerAndGroup) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown to another user needs root";
  TempDir dir;
  const auto path = dir / "app.key";
  ASSERT_TRUE(deliver_secret_file({path, 0400, 65534u, 65533u}, as_bytes("s")));
  const auto st = stat_of(path);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65533u);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
}

TEST(SecretFile, RefusesToReplaceASymlinkAndLeavesItsTargetAlone) {
  TempDir dir;
  const auto target = dir / "victim";
  testing::write_text_file(target, "precious");
  const auto link = dir / "secret";
  std::filesystem::create_symlink(target, link);
  auto r = deliver_secret_file({link, 0400, std::nullopt, std::nullopt}, as_bytes("s"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(read_text_file(target), "precious");
  EXPECT_EQ(dir.entries().size(), 2u);
}

TEST(SecretFile, RefusesAFifoAndADirectory) {
  TempDir dir;
  const auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = deliver_secret_file({fifo, 0400, std::nullopt, std::nullopt}, as_bytes("s"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  EXPECT_NE(r.error().message.find("FIFO"), std::string::npos) << r.error().message;
  std::filesystem::create_directory(dir / "d");
  r = deliver_secret_file({dir / "d", 0400, std::nullopt, std::nullopt}, as_bytes("s"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::FailedPrecondition);
  EXPECT_EQ(dir.entries().size(), 2u);
}

TEST(SecretFile, CreatesAMissingDirectoryTraversableButNotListable) {
  TempDir dir;
  const auto path = dir / "secrets" / "nested" / "k";
  ASSERT_TRUE(deliver_secret_file({path, 0400, std::nullopt, std::nullopt}, as_bytes("s")));
  EXPECT_EQ(file_mode(dir / "secrets"), 0711u);
  EXPECT_EQ(file_mode(dir / "secrets" / "nested"), 0711u);
  EXPECT_EQ(read_text_file(path), "s");
}

TEST(SecretFile, ARelativePathIsABadArgument) {
  auto r = deliver_secret_file({"relative/k", 0400, std::nullopt, std::nullopt}, as_bytes("s"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::InvalidArgument);
}

// The shared writer's directory rule holds for secrets too: another user could swap the file.
TEST(SecretFile, RefusesADirectoryOthersCanWriteWithoutTheStickyBit) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  auto r = deliver_secret_file({dir / "k", 0400, std::nullopt, std::nullopt}, as_bytes("s"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::PermissionDenied);
  EXPECT_NE(r.error().message.find("sticky"), std::string::npos) << r.error().message;
  EXPECT_TRUE(dir.entries().empty());
}

}  // namespace
}  // namespace attest::store
