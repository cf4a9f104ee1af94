#include "common/os/os.h"

#include <fcntl.h>
#include <sys/stat.h>

namespace attest {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (os_ != nullptr && handle_ >= 0) os_->close_quietly(handle_);
    os_ = std::exchange(o.os_, nullptr);
    handle_ = std::exchange(o.handle_, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (os_ != nullptr && handle_ >= 0) os_->close_quietly(handle_);
}

bool FileStat::is_regular() const { return S_ISREG(mode); }
bool FileStat::is_directory() const { return S_ISDIR(mode); }
bool FileStat::is_symlink() const { return S_ISLNK(mode); }

namespace {
std::unexpected<Error> not_here(std::string_view verb) {
  return fail(Code::Unsupported, std::string(verb) + ": not available on this Os");
}
}  // namespace

Result<Fd> Os::create(const std::filesystem::path&, int, mode_t) { return not_here("create"); }
Result<FileStat> Os::stat(const std::filesystem::path&) { return not_here("stat"); }
Result<FileStat> Os::lstat(const std::filesystem::path&) { return not_here("lstat"); }
Result<FileStat> Os::fstat(const Fd&) { return not_here("fstat"); }
Result<void> Os::rename(const std::filesystem::path&, const std::filesystem::path&) {
  return not_here("rename");
}
Result<void> Os::unlink(const std::filesystem::path&) { return not_here("unlink"); }
Result<void> Os::fsync(const Fd&) { return not_here("fsync"); }
Result<void> Os::fchmod(const Fd&, mode_t) { return not_here("fchmod"); }
Result<void> Os::fchown(const Fd&, std::optional<uid_t>, std::optional<gid_t>) {
  return not_here("fchown");
}
Result<void> Os::link_fd(const Fd&, const std::filesystem::path&) { return not_here("link"); }

Result<Fd> ForwardingOs::create(const std::filesystem::path& p, int flags, mode_t mode) {
  auto fd = target_.create(p, flags, mode);
  if (!fd) return fd;
  return Fd(this, fd->release());
}

Result<Fd> ForwardingOs::open(const std::filesystem::path& p, int flags) {
  auto fd = target_.open(p, flags);
  if (!fd) return fd;
  // Re-own the handle so that ~Fd() comes back through this wrapper.
  return Fd(this, fd->release());
}

Result<void> ForwardingOs::close(Fd fd) { return target_.close(Fd(&target_, fd.release())); }

void ForwardingOs::close_quietly(int handle) noexcept { (void)target_.close(Fd(&target_, handle)); }

Result<Bytes> read_all(Os& os, const Fd& fd, std::size_t max_size) {
  Bytes out;
  std::size_t chunk = 4096;
  for (;;) {
    if (out.size() > max_size)
      return fail(Code::InvalidArgument,
                  "larger than the limit of " + std::to_string(max_size) + " bytes");
    const std::size_t old = out.size();
    out.resize(old + chunk);
    auto n = os.read(fd, std::span(out).subspan(old, chunk));
    if (!n) return std::unexpected(std::move(n.error()));
    out.resize(old + *n);
    if (*n == 0) break;
    if (chunk < (1u << 20)) chunk *= 2;
  }
  if (out.size() > max_size)
    return fail(Code::InvalidArgument,
                "larger than the limit of " + std::to_string(max_size) + " bytes");
  return out;
}

Result<Bytes> read_file(Os& os, const std::filesystem::path& p, std::size_t max_size) {
  auto fd = os.open(p, O_RDONLY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  auto out = read_all(os, *fd, max_size);
  if (!out) return std::unexpected(std::move(out.error()).with_context(p.string()));
  auto closed = os.close(std::move(*fd));
  if (!closed) return std::unexpected(std::move(closed.error()));
  return out;
}

Result<std::string> read_text(Os& os, const std::filesystem::path& p) {
  auto bytes = read_file(os, p, 4096);
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  std::string s(bytes->begin(), bytes->end());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

Result<void> write_all(Os& os, const Fd& fd, ByteView data) {
  while (!data.empty()) {
    auto n = os.write(fd, data);
    if (!n) return std::unexpected(std::move(n.error()));
    if (*n == 0) return fail(Code::Internal, "write made no progress");
    data = data.subspan(*n);
  }
  return {};
}

Result<void> fsync_directory(Os& os, const std::filesystem::path& dir) {
  auto fd = os.open(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  if (auto s = os.fsync(*fd); !s)
    return std::unexpected(std::move(s.error()).with_context(dir.string()));
  return os.close(std::move(*fd));
}

Result<void> write_file_once(Os& os, const std::filesystem::path& p, ByteView data) {
  auto fd = os.open(p, O_WRONLY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  if (auto w = write_all(os, *fd, data); !w) return w;
  return os.close(std::move(*fd));
}

}  // namespace attest
