// The narrow OS seam of the whole process: every hardware and filesystem touch goes through here
// (open, read, write, close, ioctl, mkdir/rmdir of configfs entries, stat, rename, unlink,
// fsync, ownership) and so does time (clock()). main() builds PosixOs; tests put faithful fakes
// of the kernel ABI behind the same interface (tests/fakes/). There is deliberately no global
// default instance.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <utility>

#include "common/bytes.h"
#include "common/error.h"
#include "common/os/clock.h"

namespace attest {

class Os;

// What stat(2) tells that our code decides on.
struct FileStat {
  mode_t mode = 0;  // type and permission bits (st_mode)
  uid_t uid = 0;
  gid_t gid = 0;
  std::uint64_t size = 0;
  std::uint64_t device = 0;  // st_dev
  std::uint64_t inode = 0;   // st_ino
  bool is_regular() const;
  bool is_directory() const;
  bool is_symlink() const;
  mode_t permissions() const { return mode & 07777; }
};

// An open file handle owned by one Os. Closing through Os::close() reports the close error
// (configfs commits binary attributes there); the destructor closes quietly as a last resort.
class Fd {
 public:
  Fd() = default;
  Fd(Os* os, int handle) : os_(os), handle_(handle) {}
  Fd(Fd&& o) noexcept : os_(std::exchange(o.os_, nullptr)), handle_(std::exchange(o.handle_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  int handle() const { return handle_; }
  bool valid() const { return handle_ >= 0; }
  // Gives up ownership without closing; used by Os::close implementations.
  int release() {
    os_ = nullptr;
    return std::exchange(handle_, -1);
  }

 private:
  Os* os_ = nullptr;
  int handle_ = -1;
};

class Os {
 public:
  virtual ~Os() = default;
  Os() = default;
  Os(const Os&) = delete;
  Os& operator=(const Os&) = delete;

  // Opens with O_CLOEXEC added. ENOENT -> NotFound, EACCES/EPERM -> PermissionDenied.
  [[nodiscard]] virtual Result<Fd> open(const std::filesystem::path& p, int flags) = 0;
  // Retries EINTR. A short read is not an error; 0 means end of file.
  [[nodiscard]] virtual Result<std::size_t> read(const Fd& fd, std::span<std::uint8_t> out) = 0;
  // Retries EINTR. May write less than asked; callers loop (see write_all).
  [[nodiscard]] virtual Result<std::size_t> write(const Fd& fd,
                                                  std::span<const std::uint8_t> in) = 0;
  // configfs commits a binary attribute on the final close(): its error is reported here.
  [[nodiscard]] virtual Result<void> close(Fd fd) = 0;
  // The request number and argument struct are the kernel's; the fake checks both.
  [[nodiscard]] virtual Result<int> ioctl(const Fd& fd, unsigned long request, void* arg) = 0;
  [[nodiscard]] virtual Result<void> mkdir(const std::filesystem::path& p) = 0;
  [[nodiscard]] virtual Result<void> rmdir(const std::filesystem::path& p) = 0;
  // True if the path exists (file, directory or device); used for feature detection.
  virtual bool exists(const std::filesystem::path& p) = 0;
  // The process's one clock (time, sleeps, jitter).
  virtual Clock& clock() = 0;

  // --- Files that the agent writes (secrets, logs) and reads (configuration) ---
  // The verbs below answer Unsupported unless an Os implements them (PosixOs does; the kernel-
  // ABI fakes need not).
  // open(2) with O_CREAT or O_TMPFILE in `flags` and this mode (O_CLOEXEC added).
  [[nodiscard]] virtual Result<Fd> create(const std::filesystem::path& p, int flags, mode_t mode);
  [[nodiscard]] virtual Result<FileStat> stat(const std::filesystem::path& p);
  // Does not follow a symlink at the last component.
  [[nodiscard]] virtual Result<FileStat> lstat(const std::filesystem::path& p);
  [[nodiscard]] virtual Result<FileStat> fstat(const Fd& fd);
  [[nodiscard]] virtual Result<void> rename(const std::filesystem::path& from,
                                            const std::filesystem::path& to);
  [[nodiscard]] virtual Result<void> unlink(const std::filesystem::path& p);
  [[nodiscard]] virtual Result<void> fsync(const Fd& fd);
  [[nodiscard]] virtual Result<void> fchmod(const Fd& fd, mode_t mode);
  // nullopt leaves that id unchanged.
  [[nodiscard]] virtual Result<void> fchown(const Fd& fd, std::optional<uid_t> owner,
                                            std::optional<gid_t> group);
  // Gives an O_TMPFILE file a name (linkat through /proc/self/fd); EEXIST if `p` exists.
  [[nodiscard]] virtual Result<void> link_fd(const Fd& fd, const std::filesystem::path& p);

 protected:
  friend class Fd;
  // Closes without reporting; called from ~Fd().
  virtual void close_quietly(int handle) noexcept = 0;
};

// Forwards every call to another Os, so a test overrides only what it needs
// (e.g. "EIO on the second outblob read").
class ForwardingOs : public Os {
 public:
  explicit ForwardingOs(Os& target) : target_(target) {}
  Result<Fd> open(const std::filesystem::path& p, int flags) override;
  Result<std::size_t> read(const Fd& fd, std::span<std::uint8_t> out) override {
    return target_.read(fd, out);
  }
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override {
    return target_.write(fd, in);
  }
  Result<void> close(Fd fd) override;
  Result<int> ioctl(const Fd& fd, unsigned long request, void* arg) override {
    return target_.ioctl(fd, request, arg);
  }
  Result<void> mkdir(const std::filesystem::path& p) override { return target_.mkdir(p); }
  Result<void> rmdir(const std::filesystem::path& p) override { return target_.rmdir(p); }
  bool exists(const std::filesystem::path& p) override { return target_.exists(p); }
  Clock& clock() override { return target_.clock(); }
  Result<Fd> create(const std::filesystem::path& p, int flags, mode_t mode) override;
  Result<FileStat> stat(const std::filesystem::path& p) override { return target_.stat(p); }
  Result<FileStat> lstat(const std::filesystem::path& p) override { return target_.lstat(p); }
  Result<FileStat> fstat(const Fd& fd) override { return target_.fstat(fd); }
  Result<void> rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    return target_.rename(from, to);
  }
  Result<void> unlink(const std::filesystem::path& p) override { return target_.unlink(p); }
  Result<void> fsync(const Fd& fd) override { return target_.fsync(fd); }
  Result<void> fchmod(const Fd& fd, mode_t mode) override { return target_.fchmod(fd, mode); }
  Result<void> fchown(const Fd& fd, std::optional<uid_t> owner,
                      std::optional<gid_t> group) override {
    return target_.fchown(fd, owner, group);
  }
  Result<void> link_fd(const Fd& fd, const std::filesystem::path& p) override {
    return target_.link_fd(fd, p);
  }

 protected:
  void close_quietly(int handle) noexcept override;
  Os& target() { return target_; }

 private:
  Os& target_;
};

// --- Helpers built only on the interface above ---

// Reads a whole file to EOF; more than max_size bytes is an error (InvalidArgument), never a
// silent truncation.
[[nodiscard]] Result<Bytes> read_file(Os& os, const std::filesystem::path& p,
                                      std::size_t max_size = 16u << 20);
// The same from an open descriptor, to its end.
[[nodiscard]] Result<Bytes> read_all(Os& os, const Fd& fd, std::size_t max_size);
// Reads a small text attribute (configfs `provider`, `generation`) and strips trailing newlines.
[[nodiscard]] Result<std::string> read_text(Os& os, const std::filesystem::path& p);
// One open/write/close, checking the close result (configfs binary attributes commit there).
[[nodiscard]] Result<void> write_file_once(Os& os, const std::filesystem::path& p, ByteView data);
// Writes all bytes, looping over short writes.
[[nodiscard]] Result<void> write_all(Os& os, const Fd& fd, ByteView data);
// fsync of a directory, so that a rename or link in it survives a crash.
[[nodiscard]] Result<void> fsync_directory(Os& os, const std::filesystem::path& dir);

}  // namespace attest
