// A scratch directory for configuration files, removed with everything in it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace attest::testing {

class TempConfigDir {
 public:
  TempConfigDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "attest-config-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();  // test error: no scratch space
    dir_ = tmpl;
  }
  ~TempConfigDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempConfigDir(const TempConfigDir&) = delete;
  TempConfigDir& operator=(const TempConfigDir&) = delete;

  // Writes `name` with `text` and chmods it to `mode`; returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text,
                              mode_t mode = 0644) const {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    if (::chmod(p.c_str(), mode) != 0) std::abort();
    return p;
  }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace attest::testing
