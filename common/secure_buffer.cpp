#include "common/secure_buffer.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace attest {

Result<SecureBuffer> SecureBuffer::make(std::size_t n) {
  SecureBuffer b;
  if (n == 0) return b;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t len = (n + page - 1) / page * page;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return os_error(errno, "secure buffer: mmap");
  if (::mlock(p, len) != 0) {
    const int err = errno;
    ::munmap(p, len);
    return os_error(err, "secure buffer: mlock (raise RLIMIT_MEMLOCK)");
  }
  // Best effort on kernels without MADV_DONTDUMP support; the daemon also disables core dumps.
  (void)::madvise(p, len, MADV_DONTDUMP);
  b.data_ = static_cast<std::uint8_t*>(p);
  b.size_ = n;
  b.mapped_ = len;
  return b;
}

Result<SecureBuffer> SecureBuffer::copy_of(std::span<const std::uint8_t> data) {
  auto b = make(data.size());
  if (!b) return b;
  std::copy(data.begin(), data.end(), b->data_);
  return b;
}

SecureBuffer::SecureBuffer(SecureBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      mapped_(std::exchange(o.mapped_, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    mapped_ = std::exchange(o.mapped_, 0);
  }
  return *this;
}

SecureBuffer::~SecureBuffer() { release(); }

void SecureBuffer::truncate(std::size_t n) noexcept {
  if (n >= size_) return;
  OPENSSL_cleanse(data_ + n, size_ - n);
  size_ = n;
}

void SecureBuffer::release() noexcept {
  if (data_ == nullptr) return;
  OPENSSL_cleanse(data_, mapped_);
  ::munlock(data_, mapped_);
  ::munmap(data_, mapped_);
  data_ = nullptr;
  size_ = mapped_ = 0;
}

}  // namespace attest
