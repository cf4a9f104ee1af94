#include "providers/os/posix_os.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

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

std::chrono::steady_clock::time_point PosixOs::now() { return std::chrono::steady_clock::now(); }

void PosixOs::sleep_for(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

}  // namespace attest
