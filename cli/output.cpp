// Output for every command: stdout, or a file replaced atomically (common/os/atomic_file.h:
// never a partial file, never a copy left behind, never a symlink followed or a device node
// replaced).
#include <unistd.h>

#include <cerrno>
#include <ostream>

#include "cli/cli.h"
#include "common/os/atomic_file.h"

namespace attest::cli {
namespace {

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
  AtomicWriteOptions options;
  options.mode = static_cast<mode_t>(mode);
  return with_context(write_file_atomically(ctx.os, path, data, options), "output " + path);
}

}  // namespace

Result<void> write_output(Context& ctx, const std::string& path, ByteView data, unsigned mode) {
  auto written = write_output_to(ctx, path, data, mode);
  if (!written) ctx.output_failed = true;
  return written;
}

}  // namespace attest::cli
