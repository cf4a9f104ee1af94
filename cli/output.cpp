// Output for every command: stdout, or a file replaced atomically (never a partial file).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <ostream>
#include <random>

#include "cli/cli.h"

namespace attest::cli {
namespace {

// Removes the temporary file unless the rename succeeded.
struct TempFile {
  std::filesystem::path path;
  int fd = -1;
  bool committed = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!committed && !path.empty()) ::unlink(path.c_str());
  }
};

std::string random_suffix() {
  std::random_device rd;
  return std::to_string(rd()) + std::to_string(rd());
}

// write(2) straight from the caller's (locked) buffer: a stdio or iostream buffer would keep a
// copy of the secret in ordinary heap memory until exit.
Result<void> write_fd(int fd, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error(errno, "write to standard output");
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> write_output_to(Context& ctx, const std::string& path, ByteView data, unsigned mode) {
  if (path.empty() || path == "-") {
    ctx.out.flush();
    if (ctx.out_fd >= 0) return write_fd(ctx.out_fd, data);
    ctx.out.write(reinterpret_cast<const char*>(data.data()),
                  static_cast<std::streamsize>(data.size()));
    ctx.out.flush();
    if (!ctx.out) return fail(Code::Internal, "writing to standard output failed");
    return {};
  }
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  TempFile tmp;
  tmp.path = dir / ("." + target.filename().string() + ".tmp-" + random_suffix());
  // Created with the final mode from the start: a secret is never world-readable, not even
  // for a moment.
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
  if (tmp.fd < 0) return os_error(errno, "create " + tmp.path.string());
  if (::fchmod(tmp.fd, mode & 07777) != 0) return os_error(errno, "chmod " + tmp.path.string());
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(tmp.fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error(errno, "write " + tmp.path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd) != 0) return os_error(errno, "fsync " + tmp.path.string());
  const int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) return os_error(errno, "close " + tmp.path.string());
  if (::rename(tmp.path.c_str(), target.c_str()) != 0)
    return os_error(errno, "rename to " + target.string());
  tmp.committed = true;
  return {};
}

}  // namespace

Result<void> write_output(Context& ctx, const std::string& path, ByteView data, unsigned mode) {
  auto written = write_output_to(ctx, path, data, mode);
  if (!written) ctx.output_failed = true;
  return written;
}

}  // namespace attest::cli
