// The one way the program writes a file that someone else will read: secrets delivered to
// /run/attest-agent/secrets, `attest-cli ... -o FILE`, measurement logs. A reader sees the old
// file or the whole new one, never a part; a crash (even SIGKILL mid-write) leaves no copy of
// the data under any name; the new file never exists with a wider mode or other owner than
// asked for, not even for a moment.
//
// How: the bytes go to an unnamed O_TMPFILE inode in the target's directory, which gets its
// owner and mode and is fsynced before it is given a name: linkat() straight to the target when
// that does not exist, else linkat() to a fresh hidden name and rename() over the target. Then
// the directory is fsynced so that the new name survives a power cut. Where the filesystem has
// no O_TMPFILE, a named temporary file (O_EXCL, O_NOFOLLOW) stands in and is removed on any
// failure.
//
// Refused before anything is written:
//   InvalidArgument   the target exists and is not a regular file (a symlink is never
//                     followed, a device such as /dev/null or /dev/stdout is never replaced,
//                     a directory never clobbered); the parent is not a directory; a mode with
//                     bits beyond 0777
//   PermissionDenied  the directory is writable by group or others without the sticky bit
//                     (another user could swap the file under us)
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>

#include "common/bytes.h"
#include "common/error.h"
#include "common/os/os.h"

namespace attest {

struct AtomicWriteOptions {
  mode_t mode = 0600;          // permission bits only (<= 0777)
  std::optional<uid_t> owner;  // nullopt: the writer's
  std::optional<gid_t> group;  // nullopt: the writer's
};

[[nodiscard]] Result<void> write_file_atomically(Os& os, const std::filesystem::path& target,
                                                 ByteView data, const AtomicWriteOptions& options);

// The checks above on the target and its directory, without writing: so that a command can
// refuse a bad output path before it asks a KBS for the secret.
[[nodiscard]] Result<void> check_atomic_target(Os& os, const std::filesystem::path& target);

}  // namespace attest
