// Delivery of a released secret to a file for boot-time consumers ([[secrets]] in the config).
//
// FIXME(lead's refactor): the shared atomic writer common/os/atomic_file.h is not on main yet;
// this is the one function to switch to it (owner/group/mode and the "regular file or absent"
// rule stay here).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::store {

struct SecretFile {
  std::filesystem::path path;  // absolute
  mode_t mode = 0400;
  std::optional<uid_t> owner;  // nullopt: ours
  std::optional<gid_t> group;  // nullopt: ours
};

// Writes `data` to a fresh file beside the target (O_EXCL, never following a symlink), gives it
// owner, group and mode, fsyncs it, renames it over the target and fsyncs the directory: a
// reader sees the old content or the new, never a part, and never a file with looser rights.
// The target must be a regular file or absent: a symlink, device, FIFO or directory there is
// FailedPrecondition and left untouched. A missing parent directory is created with mode 0711
// (consumers reach a file whose name they know; nobody lists the directory). On any failure the
// temporary file is removed.
[[nodiscard]] Result<void> deliver_secret_file(const SecretFile& file, ByteView data);

}  // namespace attest::store
