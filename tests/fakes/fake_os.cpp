#include "tests/fakes/fake_os.h"

#include <fcntl.h>

#include <cstdio>
#include <cstdlib>

namespace attest::testing {

void test_error(const std::string& what) {
  std::fprintf(stderr, "test error: %s\n", what.c_str());
  std::abort();
}

Result<std::size_t> Node::read(OpenFile& f, std::span<std::uint8_t> out) {
  if (!f.read_started) {
    auto c = content();
    if (!c) return std::unexpected(std::move(c.error()));
    f.snapshot = std::move(*c);
    f.read_started = true;
  }
  if (f.offset >= f.snapshot.size()) return std::size_t{0};
  const std::size_t n = std::min(out.size(), f.snapshot.size() - f.offset);
  std::copy_n(f.snapshot.begin() + static_cast<std::ptrdiff_t>(f.offset), n, out.begin());
  f.offset += n;
  return n;
}

Result<std::size_t> PlainFile::write(OpenFile& f, std::span<const std::uint8_t> in) {
  if (!writable_) return os_error(EACCES, "write");
  if ((f.flags & O_APPEND) != 0) {
    data_.insert(data_.end(), in.begin(), in.end());
    return in.size();
  }
  f.pending.insert(f.pending.end(), in.begin(), in.end());
  return in.size();
}

Result<void> PlainFile::close(OpenFile& f) {
  if (writable_ && (f.flags & O_ACCMODE) != O_RDONLY && (f.flags & O_APPEND) == 0)
    data_ = f.pending;
  return {};
}

FakeOs::FakeOs() { dirs_.insert("/"); }

FakeOs::~FakeOs() = default;

void FakeOs::add_dir(const std::filesystem::path& p) {
  std::filesystem::path cur;
  for (const auto& part : p) {
    cur /= part;
    if (nodes_.contains(cur)) test_error("add_dir over a file: " + cur.string());
    dirs_.insert(cur);
  }
}

void FakeOs::add_file(const std::filesystem::path& p, Bytes content, bool writable) {
  add_node(p, std::make_shared<PlainFile>(std::move(content), writable));
}

void FakeOs::add_node(const std::filesystem::path& p, std::shared_ptr<Node> node) {
  if (dirs_.contains(p)) test_error("add_node over a directory: " + p.string());
  add_dir(p.parent_path());
  nodes_[p] = std::move(node);
}

void FakeOs::remove(const std::filesystem::path& p) {
  nodes_.erase(p);
  modes_.erase(p);
  dirs_.erase(p);
}

void FakeOs::set_dir_hooks(const std::filesystem::path& dir, DirHooks hooks) {
  add_dir(dir);
  hooks_[dir] = std::move(hooks);
}

std::shared_ptr<Node> FakeOs::node(const std::filesystem::path& p) const {
  auto it = nodes_.find(p);
  return it == nodes_.end() ? nullptr : it->second;
}

FakeOs::Handle* FakeOs::handle_of(const Fd& fd) {
  auto it = open_.find(fd.handle());
  return it == open_.end() ? nullptr : &it->second;
}

Result<Fd> FakeOs::open(const std::filesystem::path& p, int flags) {
  log_.push_back("open " + p.string());
  if (dirs_.contains(p)) return os_error(EISDIR, "open " + p.string());
  auto it = nodes_.find(p);
  if (it == nodes_.end()) return os_error(ENOENT, "open " + p.string());
  const int mode = flags & O_ACCMODE;
  if ((mode == O_RDONLY || mode == O_RDWR) && !it->second->readable())
    return os_error(EACCES, "open " + p.string());
  if ((mode == O_WRONLY || mode == O_RDWR) && !it->second->writable())
    return os_error(EACCES, "open " + p.string());
  const int h = next_handle_++;
  open_[h] = Handle{it->second, OpenFile{p, flags}};
  return Fd(this, h);
}

Result<Fd> FakeOs::create(const std::filesystem::path& p, int flags, mode_t mode) {
  log_.push_back("create " + p.string());
  if ((flags & O_CREAT) == 0) return os_error(EINVAL, "create " + p.string());
  if (!nodes_.contains(p)) {
    if (!dirs_.contains(p.parent_path())) return os_error(ENOENT, "create " + p.string());
    nodes_.emplace(p, std::make_shared<PlainFile>(Bytes{}, true));
    modes_[p] = mode;
  }
  return open(p, flags & ~O_CREAT);
}

Result<std::size_t> FakeOs::read(const Fd& fd, std::span<std::uint8_t> out) {
  Handle* h = handle_of(fd);
  if (h == nullptr) return os_error(EBADF, "read");
  if ((h->file.flags & O_ACCMODE) == O_WRONLY) return os_error(EBADF, "read");
  return h->node->read(h->file, out);
}

Result<std::size_t> FakeOs::write(const Fd& fd, std::span<const std::uint8_t> in) {
  Handle* h = handle_of(fd);
  if (h == nullptr) return os_error(EBADF, "write");
  if ((h->file.flags & O_ACCMODE) == O_RDONLY) return os_error(EBADF, "write");
  return h->node->write(h->file, in);
}

Result<void> FakeOs::close(Fd fd) {
  const int handle = fd.release();
  auto it = open_.find(handle);
  if (it == open_.end()) return os_error(EBADF, "close");
  Handle h = std::move(it->second);
  open_.erase(it);
  return h.node->close(h.file);
}

Result<void> FakeOs::fsync(const Fd& fd) {
  Handle* h = handle_of(fd);
  if (h == nullptr) return os_error(EBADF, "fsync");
  log_.push_back("fsync " + h->file.path.string());
  return {};
}

void FakeOs::close_quietly(int handle) noexcept {
  auto it = open_.find(handle);
  if (it == open_.end()) return;
  Handle h = std::move(it->second);
  open_.erase(it);
  (void)h.node->close(h.file);
}

Result<int> FakeOs::ioctl(const Fd& fd, unsigned long request, void* arg) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ioctl 0x%lx", request);
  log_.push_back(buf);
  Handle* h = handle_of(fd);
  if (h == nullptr) return os_error(EBADF, "ioctl");
  return h->node->ioctl(h->file, request, arg);
}

Result<void> FakeOs::mkdir(const std::filesystem::path& p) {
  log_.push_back("mkdir " + p.string());
  if (dirs_.contains(p) || nodes_.contains(p)) return os_error(EEXIST, "mkdir " + p.string());
  if (!dirs_.contains(p.parent_path())) return os_error(ENOENT, "mkdir " + p.string());
  auto hook = hooks_.find(p.parent_path());
  if (hook != hooks_.end() && hook->second.on_mkdir) {
    if (auto r = hook->second.on_mkdir(p); !r) return r;
  }
  dirs_.insert(p);
  return {};
}

Result<void> FakeOs::rmdir(const std::filesystem::path& p) {
  log_.push_back("rmdir " + p.string());
  if (!dirs_.contains(p)) return os_error(ENOENT, "rmdir " + p.string());
  auto hook = hooks_.find(p.parent_path());
  if (hook != hooks_.end() && hook->second.on_rmdir) {
    // configfs removes a group's attributes together with the group.
    if (auto r = hook->second.on_rmdir(p); !r) return r;
  } else {
    for (const auto& [path, node] : nodes_)
      if (path.parent_path() == p) return os_error(ENOTEMPTY, "rmdir " + p.string());
  }
  for (auto it = nodes_.begin(); it != nodes_.end();)
    it = it->first.parent_path() == p ? nodes_.erase(it) : std::next(it);
  dirs_.erase(p);
  return {};
}

bool FakeOs::exists(const std::filesystem::path& p) {
  return dirs_.contains(p) || nodes_.contains(p);
}

}  // namespace attest::testing
