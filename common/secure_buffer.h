// Secrets live only here: locked in RAM (never swapped), excluded from core dumps, wiped on
// destruction, never copied. Released KBS resources, CEKs and private-key material use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"

namespace attest {

class SecureBuffer {
 public:
  // mlock + MADV_DONTDUMP. A failing mlock (RLIMIT_MEMLOCK) is an error: fail closed.
  [[nodiscard]] static Result<SecureBuffer> make(std::size_t n);
  [[nodiscard]] static Result<SecureBuffer> copy_of(std::span<const std::uint8_t> data);

  SecureBuffer() = default;
  SecureBuffer(SecureBuffer&& o) noexcept;
  SecureBuffer& operator=(SecureBuffer&& o) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;  // a copy would be a second secret to wipe
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  ~SecureBuffer();

  std::span<std::uint8_t> bytes() noexcept { return {data_, size_}; }
  std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // Shrinks the visible size (e.g. after decryption into a larger buffer); the tail is wiped.
  void truncate(std::size_t n) noexcept;

 private:
  void release() noexcept;
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
};

}  // namespace attest
