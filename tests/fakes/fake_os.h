// An in-memory Os for tests: a tree of directories, plain files and scripted nodes (devices,
// configfs attributes). It is as strict as the kernel where our code could get it wrong:
// unknown paths are ENOENT, writing a read-only node is EACCES, ioctl on a plain file is
// ENOTTY, and leaked handles are counted. Setup mistakes abort with "test error:".
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/os/os.h"
#include "tests/fakes/fake_clock.h"

namespace attest::testing {

// Per-open state handed to a node, so that a node can buffer writes until close (configfs).
struct OpenFile {
  std::filesystem::path path;
  int flags = 0;
  std::size_t offset = 0;
  Bytes pending;   // bytes written but not yet committed
  Bytes snapshot;  // what reads return (filled by the node on the first read)
  bool read_started = false;
};

// A file-like node whose behaviour a test defines: devices and configfs attributes.
class Node {
 public:
  virtual ~Node() = default;
  virtual bool readable() const { return true; }
  virtual bool writable() const { return false; }
  // Default read: serve `content()` once per open, from the offset.
  virtual Result<std::size_t> read(OpenFile& f, std::span<std::uint8_t> out);
  virtual Result<std::size_t> write(OpenFile& f, std::span<const std::uint8_t> in) {
    (void)f;
    (void)in;
    return os_error(EACCES, "write");
  }
  virtual Result<void> close(OpenFile& f) {
    (void)f;
    return {};
  }
  virtual Result<int> ioctl(OpenFile& f, unsigned long request, void* arg) {
    (void)f;
    (void)request;
    (void)arg;
    return os_error(ENOTTY, "ioctl");
  }
  // The bytes a read returns (generated at the first read of each open).
  virtual Result<Bytes> content() { return Bytes{}; }
};

// A plain file with fixed bytes (optionally writable: writes replace the content at close, or
// with O_APPEND are appended at once, as the kernel appends each write at the end).
class PlainFile : public Node {
 public:
  explicit PlainFile(Bytes data, bool writable = false)
      : data_(std::move(data)), writable_(writable) {}
  bool writable() const override { return writable_; }
  Result<Bytes> content() override { return data_; }
  Result<std::size_t> write(OpenFile& f, std::span<const std::uint8_t> in) override;
  Result<void> close(OpenFile& f) override;
  const Bytes& data() const { return data_; }

 private:
  Bytes data_;
  bool writable_;
};

// A directory whose mkdir/rmdir a test scripts (configfs groups create their attributes).
struct DirHooks {
  std::function<Result<void>(const std::filesystem::path& child)> on_mkdir;
  std::function<Result<void>(const std::filesystem::path& child)> on_rmdir;
};

class FakeOs : public Os {
 public:
  FakeOs();
  ~FakeOs() override;

  // --- setup ---
  void add_dir(const std::filesystem::path& p);
  void add_file(const std::filesystem::path& p, Bytes content, bool writable = false);
  void add_node(const std::filesystem::path& p, std::shared_ptr<Node> node);
  void remove(const std::filesystem::path& p);  // a file/node or an empty directory
  void set_dir_hooks(const std::filesystem::path& dir, DirHooks hooks);
  std::shared_ptr<Node> node(const std::filesystem::path& p) const;
  bool is_dir(const std::filesystem::path& p) const { return dirs_.contains(p); }
  // The mode create() gave a file it made; nullopt for any other path.
  std::optional<mode_t> created_mode(const std::filesystem::path& p) const {
    auto it = modes_.find(p);
    return it == modes_.end() ? std::nullopt : std::optional<mode_t>(it->second);
  }

  // --- observation ---
  int open_handles() const { return static_cast<int>(open_.size()); }
  const std::vector<std::string>& log() const { return log_; }  // "open <path>", "ioctl 0x..."

  // --- Os ---
  Result<Fd> open(const std::filesystem::path& p, int flags) override;
  // O_CREAT on a missing path whose directory exists creates an empty writable PlainFile with
  // `mode` (see created_mode()); otherwise as open().
  Result<Fd> create(const std::filesystem::path& p, int flags, mode_t mode) override;
  Result<std::size_t> read(const Fd& fd, std::span<std::uint8_t> out) override;
  Result<std::size_t> write(const Fd& fd, std::span<const std::uint8_t> in) override;
  Result<void> close(Fd fd) override;
  // Logged as "fsync <path>"; EBADF for a handle that is not open.
  Result<void> fsync(const Fd& fd) override;
  Result<int> ioctl(const Fd& fd, unsigned long request, void* arg) override;
  Result<void> mkdir(const std::filesystem::path& p) override;
  Result<void> rmdir(const std::filesystem::path& p) override;
  bool exists(const std::filesystem::path& p) override;
  FakeClock& clock() override { return clock_; }
  std::chrono::milliseconds slept() const { return clock_.slept(); }

 protected:
  void close_quietly(int handle) noexcept override;

 private:
  struct Handle {
    std::shared_ptr<Node> node;
    OpenFile file;
  };
  Handle* handle_of(const Fd& fd);

  std::set<std::filesystem::path> dirs_;
  std::map<std::filesystem::path, std::shared_ptr<Node>> nodes_;
  std::map<std::filesystem::path, mode_t> modes_;  // of files made by create()
  std::map<std::filesystem::path, DirHooks> hooks_;
  std::map<int, Handle> open_;
  int next_handle_ = 3;
  FakeClock clock_;
  std::vector<std::string> log_;
};

// Aborts the test binary with a clear message: for mistakes in test setup, not code under test.
[[noreturn]] void test_error(const std::string& what);

}  // namespace attest::testing
