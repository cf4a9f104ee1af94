// An Os for in-process CLI tests: the kernel ABI comes from a fake (FakeOs: configfs-tsm,
// guest devices), while the files a user names on the command line (a config file, `-o FILE`)
// live on the real filesystem under the given roots, exactly as attest-cli would see them.
#pragma once

#include <filesystem>
#include <vector>

#include "common/os/os.h"
#include "common/os/posix_os.h"

namespace attest::testing {

class SplitOs final : public Os {
 public:
  // Paths under one of `real_roots` go to the real filesystem; all others to `fake`.
  SplitOs(Os& fake, std::vector<std::filesystem::path> real_roots);

  Result<Fd> open(const std::filesystem::path& p, int flags) override;
  Result<std::size_t> read(const Fd& fd, std::span<std::uint8_t> out) override;
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override;
  Result<void> close(Fd fd) override;
  Result<int> ioctl(const Fd& fd, unsigned long request, void* arg) override;
  Result<void> mkdir(const std::filesystem::path& p) override;
  Result<void> rmdir(const std::filesystem::path& p) override;
  bool exists(const std::filesystem::path& p) override;
  Clock& clock() override { return fake_.clock(); }
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
  // Real descriptors are offset so that they never collide with the fake's handle numbers.
  static constexpr int kRealBase = 1 << 20;
  bool is_real(const std::filesystem::path& p) const;
  Os& target_of(int handle) { return handle >= kRealBase ? static_cast<Os&>(real_) : fake_; }
  static int raw_of(int handle) { return handle >= kRealBase ? handle - kRealBase : handle; }
  Result<Fd> adopt(Result<Fd> fd, bool real);
  // Calls `f` with a borrowed Fd owned by the right Os, without closing it afterwards.
  template <class F>
  auto with_fd(const Fd& fd, F&& f) {
    Os& target = target_of(fd.handle());
    Fd borrowed(&target, raw_of(fd.handle()));
    auto r = f(target, borrowed);
    (void)borrowed.release();
    return r;
  }

  Os& fake_;
  PosixOs real_;
  std::vector<std::filesystem::path> roots_;
};

}  // namespace attest::testing
