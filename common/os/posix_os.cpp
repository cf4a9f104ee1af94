#include "common/os/posix_os.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace attest {

Result<Fd> PosixOs::open(const std::filesystem::path& p, int flags) {
  int fd;
  do {
    fd = ::open(p.c_str(), flags | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return os_error(errno, "open " + p.string());
  return Fd(this, fd);
}

Result<std::size_t> PosixOs::read(const Fd& fd, std::span<std::uint8_t> out) {
  for (;;) {
    const ssize_t n = ::read(fd.handle(), out.data(), out.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return os_error(errno, "read");
  }
}

Result<std::size_t> PosixOs::write(const Fd& fd, std::span<const std::uint8_t> in) {
  for (;;) {
    const ssize_t n = ::write(fd.handle(), in.data(), in.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return os_error(errno, "write");
  }
}

Result<void> PosixOs::close(Fd fd) {
  // close(2) is not retried on EINTR: on Linux the descriptor is gone either way.
  if (::close(fd.release()) != 0) return os_error(errno, "close");
  return {};
}

void PosixOs::close_quietly(int handle) noexcept { (void)::close(handle); }

Result<int> PosixOs::ioctl(const Fd& fd, unsigned long request, void* arg) {
  int rc;
  do {
    rc = ::ioctl(fd.handle(), request, arg);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return os_error(errno, "ioctl");
  return rc;
}

Result<void> PosixOs::mkdir(const std::filesystem::path& p) {
  if (::mkdir(p.c_str(), 0700) != 0) return os_error(errno, "mkdir " + p.string());
  return {};
}

Result<void> PosixOs::rmdir(const std::filesystem::path& p) {
  if (::rmdir(p.c_str()) != 0) return os_error(errno, "rmdir " + p.string());
  return {};
}

bool PosixOs::exists(const std::filesystem::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

Result<Fd> PosixOs::create(const std::filesystem::path& p, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(p.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return os_error(errno, "create " + p.string());
  return Fd(this, fd);
}

namespace {
FileStat to_file_stat(const struct stat& st) {
  return FileStat{st.st_mode,
                  st.st_uid,
                  st.st_gid,
                  static_cast<std::uint64_t>(st.st_size),
                  static_cast<std::uint64_t>(st.st_dev),
                  static_cast<std::uint64_t>(st.st_ino)};
}
}  // namespace

Result<FileStat> PosixOs::stat(const std::filesystem::path& p) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return os_error(errno, "stat " + p.string());
  return to_file_stat(st);
}

Result<FileStat> PosixOs::lstat(const std::filesystem::path& p) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) return os_error(errno, "lstat " + p.string());
  return to_file_stat(st);
}

Result<FileStat> PosixOs::fstat(const Fd& fd) {
  struct stat st;
  if (::fstat(fd.handle(), &st) != 0) return os_error(errno, "fstat");
  return to_file_stat(st);
}

Result<void> PosixOs::rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return os_error(errno, "rename to " + to.string());
  return {};
}

Result<void> PosixOs::unlink(const std::filesystem::path& p) {
  if (::unlink(p.c_str()) != 0) return os_error(errno, "unlink " + p.string());
  return {};
}

Result<void> PosixOs::fsync(const Fd& fd) {
  int rc;
  do {
    rc = ::fsync(fd.handle());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return os_error(errno, "fsync");
  return {};
}

Result<void> PosixOs::fchmod(const Fd& fd, mode_t mode) {
  if (::fchmod(fd.handle(), mode) != 0) return os_error(errno, "chmod");
  return {};
}

Result<void> PosixOs::fchown(const Fd& fd, std::optional<uid_t> owner, std::optional<gid_t> group) {
  const uid_t u = owner ? *owner : static_cast<uid_t>(-1);
  const gid_t g = group ? *group : static_cast<gid_t>(-1);
  if (::fchown(fd.handle(), u, g) != 0) return os_error(errno, "chown");
  return {};
}

Result<void> PosixOs::link_fd(const Fd& fd, const std::filesystem::path& p) {
  // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc/self/fd form is what open(2)
  // documents for O_TMPFILE files and works for any user.
  const std::string proc = "/proc/self/fd/" + std::to_string(fd.handle());
  if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, p.c_str(), AT_SYMLINK_FOLLOW) != 0)
    return os_error(errno, "link " + p.string());
  return {};
}

}  // namespace attest
