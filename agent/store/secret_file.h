// Delivery of a released secret to a file for boot-time consumers ([[secrets]] in the config):
// the shared atomic writer (common/os/atomic_file.h) plus what only secret files need (a
// missing secrets directory is created, an occupied target is the environment's fault).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>

#include "common/bytes.h"
#include "common/error.h"
#include "common/os/os.h"

namespace attest::store {

struct SecretFile {
  std::filesystem::path path;  // absolute
  mode_t mode = 0400;          // permission bits only
  std::optional<uid_t> owner;  // nullopt: ours
  std::optional<gid_t> group;  // nullopt: ours
};

// Writes `data` with write_file_atomically (owner, group and mode set before the file has a
// name; a reader sees the old content or the new, never a part, never looser rights; the
// directory is fsynced). The target must be a regular file or absent: a symlink, device, FIFO or
// directory there is FailedPrecondition and left untouched; a directory writable by group or
// others without the sticky bit is PermissionDenied. A missing parent directory is created with
// mode 0711 (consumers reach a file whose name they know; nobody lists the directory). A relative
// path is InvalidArgument.
[[nodiscard]] Result<void> deliver_secret_file(Os& os, const SecretFile& file, ByteView data);

}  // namespace attest::store
