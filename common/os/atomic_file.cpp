#include "common/os/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace attest {
namespace {

std::filesystem::path directory_of(const std::filesystem::path& target) {
  return target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
}

std::string_view kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Whether a target exists; an existing one must be a regular file.
Result<bool> check_target(Os& os, const std::filesystem::path& target) {
  const auto name = target.filename();
  if (name.empty() || name == "." || name == "..")
    return fail(Code::InvalidArgument, target.string() + ": not a file name");
  const auto dir = directory_of(target);
  auto ds = os.stat(dir);
  if (!ds) return std::unexpected(std::move(ds.error()));
  if (!ds->is_directory()) return fail(Code::InvalidArgument, dir.string() + ": not a directory");
  if ((ds->mode & (S_IWGRP | S_IWOTH)) != 0 && (ds->mode & S_ISVTX) == 0)
    return fail(Code::PermissionDenied,
                dir.string() +
                    ": writable by group or others without the sticky bit (another user could "
                    "replace the file); choose another directory");
  auto ts = os.lstat(target);
  if (!ts) {
    if (ts.error().code == Code::NotFound) return false;
    return std::unexpected(std::move(ts.error()));
  }
  if (!ts->is_regular())
    return fail(Code::InvalidArgument, "refusing to replace " + target.string() + ": it is " +
                                           std::string(kind_of(ts->mode)) + ", not a regular file");
  return true;
}

std::filesystem::path hidden_name(Os& os, const std::filesystem::path& target) {
  const auto n = static_cast<std::uint64_t>(os.clock().random_unit() * 9007199254740992.0);
  // Appended piece by piece: `"." + std::string&&` makes GCC 12's -O3 inliner report a false
  // -Wrestrict overlap inside libstdc++ (GCC bug 105651, fixed in GCC 13).
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-";
  name += std::to_string(n);
  return directory_of(target) / name;
}

// Owner, mode, bytes, fsync: everything before the file gets a name.
Result<void> fill(Os& os, const Fd& fd, ByteView data, const AtomicWriteOptions& o) {
  if (o.owner || o.group) ATTEST_TRY(os.fchown(fd, o.owner, o.group));
  // After chown (which may clear bits) and regardless of the umask.
  ATTEST_TRY(os.fchmod(fd, o.mode));
  ATTEST_TRY(write_all(os, fd, data));
  return os.fsync(fd);
}

// Removes a named temporary file unless it was renamed into place.
class TempName {
 public:
  TempName(Os& os, std::filesystem::path p) : os_(os), path_(std::move(p)) {}
  TempName(const TempName&) = delete;
  TempName& operator=(const TempName&) = delete;
  ~TempName() {
    if (!committed_) (void)os_.unlink(path_);
  }
  const std::filesystem::path& path() const { return path_; }
  void commit() { committed_ = true; }

 private:
  Os& os_;
  std::filesystem::path path_;
  bool committed_ = false;
};

bool no_tmpfile_support(const Error& e) {
  return e.os_errno == EOPNOTSUPP || e.os_errno == EISDIR || e.os_errno == EINVAL;
}

Result<void> write_via_named_temp(Os& os, const std::filesystem::path& target, ByteView data,
                                  const AtomicWriteOptions& o) {
  TempName tmp(os, hidden_name(os, target));
  auto fd = os.create(tmp.path(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, o.mode);
  if (!fd) {
    tmp.commit();  // nothing was created under that name
    return std::unexpected(std::move(fd.error()));
  }
  ATTEST_TRY(fill(os, *fd, data, o));
  ATTEST_TRY(os.close(std::move(*fd)));
  ATTEST_TRY(os.rename(tmp.path(), target));
  tmp.commit();
  return {};
}

}  // namespace

Result<void> check_atomic_target(Os& os, const std::filesystem::path& target) {
  auto exists = check_target(os, target);
  if (!exists) return std::unexpected(std::move(exists.error()));
  return {};
}

Result<void> write_file_atomically(Os& os, const std::filesystem::path& target, ByteView data,
                                   const AtomicWriteOptions& options) {
  if ((options.mode & ~static_cast<mode_t>(0777)) != 0)
    return fail(Code::InvalidArgument, "file mode " + std::to_string(options.mode) +
                                           ": only permission bits (0777) are allowed");
  auto exists = check_target(os, target);
  if (!exists) return std::unexpected(std::move(exists.error()));
  const auto dir = directory_of(target);

  auto fd = os.create(dir, O_TMPFILE | O_WRONLY, options.mode);
  if (!fd) {
    if (!no_tmpfile_support(fd.error())) return std::unexpected(std::move(fd.error()));
    ATTEST_TRY(write_via_named_temp(os, target, data, options));
    return fsync_directory(os, dir);
  }
  ATTEST_TRY(fill(os, *fd, data, options));
  bool linked = false;
  if (!*exists) {
    auto l = os.link_fd(*fd, target);
    if (l) {
      linked = true;
    } else if (l.error().os_errno != EEXIST) {
      return std::unexpected(std::move(l.error()));
    }
    // EEXIST: someone created the target meanwhile; replace it like an existing one.
  }
  if (!linked) {
    TempName tmp(os, hidden_name(os, target));
    if (auto l = os.link_fd(*fd, tmp.path()); !l) {
      tmp.commit();
      return std::unexpected(std::move(l.error()));
    }
    ATTEST_TRY(os.rename(tmp.path(), target));
    tmp.commit();
  }
  ATTEST_TRY(os.close(std::move(*fd)));
  return fsync_directory(os, dir);
}

}  // namespace attest
