#include "agent/store/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/os/atomic_file.h"

namespace attest::store {
namespace {

constexpr mode_t kSecretsDirMode = 0711;

Result<void> make_parent(Os& os, const std::filesystem::path& dir) {
  auto st = os.lstat(dir);
  if (st) {
    if (!st->is_directory())
      return fail(Code::FailedPrecondition, dir.string() + ": not a directory");
    return {};
  }
  if (st.error().code != Code::NotFound) return std::unexpected(std::move(st.error()));
  if (dir.has_parent_path() && dir.parent_path() != dir)
    ATTEST_TRY(make_parent(os, dir.parent_path()));
  if (auto made = os.mkdir(dir); !made) {
    if (made.error().os_errno == EEXIST) return {};  // another writer made it meanwhile
    return made;
  }
  // Os::mkdir makes 0700 whatever the umask; consumers running as other users must traverse.
  auto fd = os.open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!fd) return std::unexpected(std::move(fd.error()));
  ATTEST_TRY(os.fchmod(*fd, kSecretsDirMode));
  return os.close(std::move(*fd));
}

}  // namespace

Result<void> deliver_secret_file(Os& os, const SecretFile& file, ByteView data) {
  const std::filesystem::path& path = file.path;
  if (!path.is_absolute() || !path.has_filename())
    return fail(Code::InvalidArgument,
                path.string() + ": secret path must be an absolute file path");
  ATTEST_TRY(make_parent(os, path.parent_path()));
  AtomicWriteOptions options;
  options.mode = file.mode;
  options.owner = file.owner;
  options.group = file.group;
  auto written = write_file_atomically(os, path, data, options);
  // The path itself was checked when the configuration was loaded; a symlink, device or
  // directory found there now is the state of the machine, not a bad argument.
  if (!written && written.error().code == Code::InvalidArgument)
    written.error().code = Code::FailedPrecondition;
  return written;
}

}  // namespace attest::store
