// One table of the config file ([kbs], one [[secrets]] entry, ...), read strictly: every error
// names the file, the line and the key ("<source>:<line>: [kbs] url must be a string, not an
// integer"). Private to agent/config: toml++ types stay inside this folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/error.h"

namespace attest::config {

std::string_view type_name(toml::node_type t);
std::string join(std::span<const std::string_view> names);

class Section {
 public:
  // `label` as the user wrote it in the file: "[kbs]", "[[secrets]]".
  Section(std::string_view source, std::string label, const toml::table& table)
      : source_(source), label_(std::move(label)), table_(table) {}

  // Every key must be one of `known`: a typo is an error, not a silently ignored line.
  [[nodiscard]] Result<void> check_keys(std::span<const std::string_view> known) const;

  [[nodiscard]] Result<void> get(std::string_view key, std::optional<std::string>& out) const;
  // Non-empty.
  [[nodiscard]] Result<void> get(std::string_view key,
                                 std::optional<std::filesystem::path>& out) const;
  [[nodiscard]] Result<void> get(std::string_view key, std::optional<bool>& out) const;
  // A number of seconds: TOML's 10 and 10.0 are both accepted.
  [[nodiscard]] Result<void> get(std::string_view key, std::optional<double>& out) const;
  // Integers in [0, max]; TOML's 0x81010002 spelling works for handles.
  [[nodiscard]] Result<void> get(std::string_view key, std::optional<std::uint32_t>& out,
                                 std::uint32_t max) const;
  // An array of strings.
  [[nodiscard]] Result<void> get(std::string_view key,
                                 std::optional<std::vector<std::string>>& out) const;
  // A required key: the same as get(), plus "is required" when absent.
  template <class T>
  [[nodiscard]] Result<T> require(std::string_view key) const {
    std::optional<T> v;
    ATTEST_TRY(get(key, v));
    if (!v) return missing(key);
    return std::move(*v);
  }

  // The key's node, or nullptr.
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  // "<source>:<line>: " of the key (of the table itself when the key is absent).
  std::string where(std::string_view key) const;
  // The line of the key, or of the table when absent.
  std::uint32_t line(std::string_view key) const;

  // "<source>:<line>: <label> <key> <what>"
  [[nodiscard]] std::unexpected<Error> invalid(std::string_view key, std::string_view what) const;
  [[nodiscard]] std::unexpected<Error> wrong_type(std::string_view key, const toml::node& n,
                                                  std::string_view expected) const;
  [[nodiscard]] std::unexpected<Error> missing(std::string_view key) const;

  const std::string& label() const { return label_; }
  std::string_view source() const { return source_; }
  // "<source>:<line>: " of any node (an array element, say).
  std::string at(const toml::source_region& r) const;

 private:
  std::string_view source_;
  std::string label_;
  const toml::table& table_;
};

}  // namespace attest::config
