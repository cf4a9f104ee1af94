// The real OS: the one place that makes the system calls the Os seam stands for.
#pragma once

#include "common/os/os.h"

namespace attest {

class PosixOs final : public Os {
 public:
  explicit PosixOs(Clock& clock) : clock_(clock) {}
  Result<Fd> open(const std::filesystem::path& p, int flags) override;
  Result<std::size_t> read(const Fd& fd, std::span<std::uint8_t> out) override;
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override;
  Result<void> close(Fd fd) override;
  Result<int> ioctl(const Fd& fd, unsigned long request, void* arg) override;
  Result<void> mkdir(const std::filesystem::path& p) override;
  Result<void> rmdir(const std::filesystem::path& p) override;
  bool exists(const std::filesystem::path& p) override;
  Clock& clock() override { return clock_; }
  Result<Fd> create(const std::filesystem::path& p, int flags, mode_t mode) override;
  Result<FileStat> stat(const std::filesystem::path& p) override;
  Result<FileStat> lstat(const std::filesystem::path& p) override;
  Result<FileStat> fstat(const Fd& fd) override;
  Result<void> rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Result<void> unlink(const std::filesystem::path& p) override;
  Result<void> fsync(const Fd& fd) override;
  Result<void> fchmod(const Fd& fd, mode_t mode) override;
  Result<void> fchown(const Fd& fd, std::optional<uid_t> owner,
                      std::optional<gid_t> group) override;
  Result<void> link_fd(const Fd& fd, const std::filesystem::path& p) override;

 protected:
  void close_quietly(int handle) noexcept override;

 private:
  Clock& clock_;
};

}  // namespace attest
