// The real OS: the only provider file that includes <fcntl.h> and <unistd.h>.
#pragma once

#include "providers/os/os.h"

namespace attest {

class PosixOs final : public Os {
 public:
  Result<Fd> open(const std::filesystem::path& p, int flags) override;
  Result<std::size_t> read(const Fd& fd, std::span<std::uint8_t> out) override;
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override;
  Result<void> close(Fd fd) override;
  Result<int> ioctl(const Fd& fd, unsigned long request, void* arg) override;
  Result<void> mkdir(const std::filesystem::path& p) override;
  Result<void> rmdir(const std::filesystem::path& p) override;
  bool exists(const std::filesystem::path& p) override;
  std::chrono::steady_clock::time_point now() override;
  void sleep_for(std::chrono::milliseconds d) override;

 protected:
  void close_quietly(int handle) noexcept override;
};

}  // namespace attest
