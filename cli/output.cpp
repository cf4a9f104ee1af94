// Output for every command: stdout, or a file replaced atomically (common/os/atomic_file.h:
// never a partial file, never a copy left behind, never a symlink followed or a device node
// replaced).
#include <ostream>

#include "cli/cli.h"
#include "common/os/atomic_file.h"

namespace attest::cli {

Result<void> write_output(Context& ctx, const std::string& path, ByteView data, unsigned mode) {
  if (path.empty() || path == "-") {
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

}  // namespace attest::cli
