#include "providers/os/os.h"

#include <fcntl.h>

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

Result<Fd> ForwardingOs::open(const std::filesystem::path& p, int flags) {
  auto fd = target_.open(p, flags);
  if (!fd) return fd;
  // Re-own the handle so that ~Fd() comes back through this wrapper.
  return Fd(this, fd->release());
}

Result<void> ForwardingOs::close(Fd fd) { return target_.close(Fd(&target_, fd.release())); }

void ForwardingOs::close_quietly(int handle) noexcept { (void)target_.close(Fd(&target_, handle)); }

Result<Bytes> read_file(Os& os, const std::filesystem::path& p, std::size_t max_size) {
  auto fd = os.open(p, O_RDONLY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  Bytes out;
  std::size_t chunk = 4096;
  for (;;) {
    if (out.size() > max_size)
      return fail(Code::InvalidArgument,
                  p.string() + ": larger than the limit of " + std::to_string(max_size) + " bytes");
    const std::size_t old = out.size();
    out.resize(old + chunk);
    auto n = os.read(*fd, std::span(out).subspan(old, chunk));
    if (!n) return std::unexpected(std::move(n.error()));
    out.resize(old + *n);
    if (*n == 0) break;
    if (chunk < (1u << 20)) chunk *= 2;
  }
  if (out.size() > max_size)
    return fail(Code::InvalidArgument,
                p.string() + ": larger than the limit of " + std::to_string(max_size) + " bytes");
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

Result<void> write_file_once(Os& os, const std::filesystem::path& p, ByteView data) {
  auto fd = os.open(p, O_WRONLY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  if (auto w = write_all(os, *fd, data); !w) return w;
  return os.close(std::move(*fd));
}

}  // namespace attest
