#include "common/log.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <string>

namespace attest::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};

constexpr std::array<std::pair<Level, std::string_view>, 5> kNames{{
    {Level::Error, "error"},
    {Level::Warning, "warning"},
    {Level::Notice, "notice"},
    {Level::Info, "info"},
    {Level::Debug, "debug"},
}};

void append_escaped(std::string& out, std::string_view m) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char ch : m) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
}

}  // namespace

Result<Level> parse_level(std::string_view name) {
  for (const auto& [level, n] : kNames)
    if (n == name) return level;
  return fail(Code::InvalidArgument, "log level '" + std::string(name) +
                                         "': expected error, warning, notice, info or debug");
}

std::string_view level_name(Level level) noexcept {
  for (const auto& [l, n] : kNames)
    if (l == level) return n;
  return "info";
}

void set_level(Level level) noexcept { g_level.store(static_cast<int>(level)); }
Level level() noexcept { return static_cast<Level>(g_level.load()); }

void write(Level level, std::string_view message) noexcept {
  if (static_cast<int>(level) > g_level.load()) return;
  try {
    // Built by appends: `"<" + std::string&&` trips GCC 12's false -Wrestrict (bug 105651).
    std::string line;
    line.reserve(message.size() + 8);
    line += '<';
    line += std::to_string(static_cast<int>(level));
    line += '>';
    append_escaped(line, message);
    line.push_back('\n');
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Out of memory while logging: drop the line rather than abort the daemon.
  }
}

}  // namespace attest::log
