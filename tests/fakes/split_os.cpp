#include "tests/fakes/split_os.h"

namespace attest::testing {

SplitOs::SplitOs(Os& fake, std::vector<std::filesystem::path> real_roots)
    : fake_(fake), real_(fake.clock()), roots_(std::move(real_roots)) {}

bool SplitOs::is_real(const std::filesystem::path& p) const {
  const auto n = p.lexically_normal();
  for (const auto& root : roots_) {
    const auto rel = n.lexically_relative(root.lexically_normal());
    if (!rel.empty() && *rel.begin() != "..") return true;
  }
  return false;
}

Result<Fd> SplitOs::adopt(Result<Fd> fd, bool real) {
  if (!fd) return fd;
  const int raw = fd->release();
  return Fd(this, real ? raw + kRealBase : raw);
}

Result<Fd> SplitOs::open(const std::filesystem::path& p, int flags) {
  const bool real = is_real(p);
  return adopt((real ? static_cast<Os&>(real_) : fake_).open(p, flags), real);
}

Result<Fd> SplitOs::create(const std::filesystem::path& p, int flags, mode_t mode) {
  const bool real = is_real(p);
  return adopt((real ? static_cast<Os&>(real_) : fake_).create(p, flags, mode), real);
}

Result<std::size_t> SplitOs::read(const Fd& fd, std::span<std::uint8_t> out) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.read(f, out); });
}
Result<std::size_t> SplitOs::write(const Fd& fd, std::span<const std::uint8_t> in) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.write(f, in); });
}
Result<int> SplitOs::ioctl(const Fd& fd, unsigned long request, void* arg) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.ioctl(f, request, arg); });
}
Result<FileStat> SplitOs::fstat(const Fd& fd) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.fstat(f); });
}
Result<void> SplitOs::fsync(const Fd& fd) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.fsync(f); });
}
Result<void> SplitOs::fchmod(const Fd& fd, mode_t mode) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.fchmod(f, mode); });
}
Result<void> SplitOs::fchown(const Fd& fd, std::optional<uid_t> owner, std::optional<gid_t> group) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.fchown(f, owner, group); });
}
Result<void> SplitOs::link_fd(const Fd& fd, const std::filesystem::path& p) {
  return with_fd(fd, [&](Os& os, const Fd& f) { return os.link_fd(f, p); });
}

Result<void> SplitOs::close(Fd fd) {
  const int handle = fd.release();
  Os& target = target_of(handle);
  return target.close(Fd(&target, raw_of(handle)));
}

void SplitOs::close_quietly(int handle) noexcept {
  Os& target = target_of(handle);
  (void)target.close(Fd(&target, raw_of(handle)));
}

Result<void> SplitOs::mkdir(const std::filesystem::path& p) {
  return is_real(p) ? real_.mkdir(p) : fake_.mkdir(p);
}
Result<void> SplitOs::rmdir(const std::filesystem::path& p) {
  return is_real(p) ? real_.rmdir(p) : fake_.rmdir(p);
}
bool SplitOs::exists(const std::filesystem::path& p) {
  return is_real(p) ? real_.exists(p) : fake_.exists(p);
}
Result<FileStat> SplitOs::stat(const std::filesystem::path& p) {
  return is_real(p) ? real_.stat(p) : fake_.stat(p);
}
Result<FileStat> SplitOs::lstat(const std::filesystem::path& p) {
  return is_real(p) ? real_.lstat(p) : fake_.lstat(p);
}
Result<void> SplitOs::rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  return is_real(from) ? real_.rename(from, to) : fake_.rename(from, to);
}
Result<void> SplitOs::unlink(const std::filesystem::path& p) {
  return is_real(p) ? real_.unlink(p) : fake_.unlink(p);
}

}  // namespace attest::testing
