#include "agent/store/secret_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/bytes.h"

namespace attest::store {
namespace {

// Closes on scope exit; unlinks the temporary name unless the rename took it.
struct TempFile {
  int dir = -1;
  int fd = -1;
  std::string name;
  bool committed = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!name.empty() && !committed) ::unlinkat(dir, name.c_str(), 0);
  }
};

struct DirFd {
  int fd = -1;
  ~DirFd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string random_suffix() {
  std::uint8_t bytes[6] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    // Uniqueness only: O_EXCL refuses a collision, so pid and a counter are enough here.
    static std::uint32_t n = 0;
    const std::uint32_t v = static_cast<std::uint32_t>(::getpid()) ^ (++n << 16);
    for (std::size_t i = 0; i < sizeof bytes; ++i)
      bytes[i] = static_cast<std::uint8_t>(v >> (i % 4 * 8));
  }
  return hex_encode(ByteView(bytes, sizeof bytes));
}

Result<void> make_parent(const std::filesystem::path& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      return fail(Code::FailedPrecondition, dir.string() + ": not a directory");
    return {};
  }
  if (errno != ENOENT) return os_error(errno, dir.string());
  if (dir.has_parent_path() && dir.parent_path() != dir) ATTEST_TRY(make_parent(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0711) != 0 && errno != EEXIST) return os_error(errno, dir.string());
  return {};
}

const char* kind_of(mode_t m) {
  if (S_ISLNK(m)) return "a symlink";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<void> deliver_secret_file(const SecretFile& file, ByteView data) {
  const std::filesystem::path& path = file.path;
  if (!path.is_absolute() || !path.has_filename())
    return fail(Code::InvalidArgument,
                path.string() + ": secret path must be an absolute file path");
  const std::filesystem::path dir = path.parent_path();
  const std::string name = path.filename().string();
  ATTEST_TRY(make_parent(dir));

  DirFd d;
  d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d.fd < 0) return os_error(errno, dir.string());

  struct stat st {};
  if (::fstatat(d.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode))
      return fail(Code::FailedPrecondition,
                  path.string() + ": refusing to replace " + kind_of(st.st_mode));
  } else if (errno != ENOENT) {
    return os_error(errno, path.string());
  }

  TempFile tmp;
  tmp.dir = d.fd;
  for (int attempt = 0; attempt < 8 && tmp.fd < 0; ++attempt) {
    std::string candidate = "." + name + ".tmp-" + random_suffix();
    // 0600 and owned by us until the content is complete; the final rights come just before
    // the rename, so no reader ever sees a partial file.
    tmp.fd = ::openat(d.fd, candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      0600);
    if (tmp.fd >= 0)
      tmp.name = std::move(candidate);
    else if (errno != EEXIST)
      return os_error(errno, (dir / candidate).string());
  }
  if (tmp.fd < 0) return fail(Code::Internal, path.string() + ": no free temporary name");

  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(tmp.fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error(errno, path.string() + ": write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd) != 0) return os_error(errno, path.string() + ": fsync");
  if ((file.owner || file.group) &&
      ::fchown(tmp.fd, file.owner ? *file.owner : static_cast<uid_t>(-1),
               file.group ? *file.group : static_cast<gid_t>(-1)) != 0)
    return os_error(errno, path.string() + ": chown");
  // After chown, which clears set-id bits.
  if (::fchmod(tmp.fd, file.mode & 07777) != 0) return os_error(errno, path.string() + ": chmod");
  if (::renameat(d.fd, tmp.name.c_str(), d.fd, name.c_str()) != 0)
    return os_error(errno, path.string() + ": rename");
  tmp.committed = true;
  // The rename is durable only once the directory is.
  if (::fsync(d.fd) != 0) return os_error(errno, dir.string() + ": fsync");
  return {};
}

}  // namespace attest::store
