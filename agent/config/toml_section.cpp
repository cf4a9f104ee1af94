#include "agent/config/toml_section.h"

namespace attest::config {

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    default:
      return "nothing";
  }
}

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Result<void> Section::check_keys(std::span<const std::string_view> known) const {
  for (auto&& [k, v] : table_) {
    bool found = false;
    for (auto n : known) found = found || k.str() == n;
    if (!found)
      return fail(Code::InvalidArgument, at(k.source()) + "unknown key '" + std::string(k.str()) +
                                             "' in " + label_ + " (known: " + join(known) + ")");
  }
  return {};
}

Result<void> Section::get(std::string_view key, std::optional<std::string>& out) const {
  const toml::node* n = table_.get(key);
  if (n == nullptr) return {};
  if (!n->is_string()) return wrong_type(key, *n, "a string");
  out = n->as_string()->get();
  return {};
}

Result<void> Section::get(std::string_view key, std::optional<std::filesystem::path>& out) const {
  std::optional<std::string> s;
  ATTEST_TRY(get(key, s));
  if (!s) return {};
  if (s->empty()) return invalid(key, "must not be empty");
  out = *s;
  return {};
}

Result<void> Section::get(std::string_view key, std::optional<bool>& out) const {
  const toml::node* n = table_.get(key);
  if (n == nullptr) return {};
  if (!n->is_boolean()) return wrong_type(key, *n, "a boolean (true or false)");
  out = n->as_boolean()->get();
  return {};
}

Result<void> Section::get(std::string_view key, std::optional<double>& out) const {
  const toml::node* n = table_.get(key);
  if (n == nullptr) return {};
  if (n->is_integer())
    out = static_cast<double>(n->as_integer()->get());
  else if (n->is_floating_point())
    out = n->as_floating_point()->get();
  else
    return wrong_type(key, *n, "a number");
  return {};
}

Result<void> Section::get(std::string_view key, std::optional<std::uint32_t>& out,
                          std::uint32_t max) const {
  const toml::node* n = table_.get(key);
  if (n == nullptr) return {};
  if (!n->is_integer()) return wrong_type(key, *n, "an integer");
  const std::int64_t v = n->as_integer()->get();
  if (v < 0 || v > static_cast<std::int64_t>(max))
    return invalid(key, "is " + std::to_string(v) + ", outside 0.." + std::to_string(max));
  out = static_cast<std::uint32_t>(v);
  return {};
}

Result<void> Section::get(std::string_view key,
                          std::optional<std::vector<std::string>>& out) const {
  const toml::node* n = table_.get(key);
  if (n == nullptr) return {};
  if (!n->is_array()) return wrong_type(key, *n, "an array of strings");
  std::vector<std::string> v;
  for (const toml::node& e : *n->as_array()) {
    if (!e.is_string())
      return fail(Code::InvalidArgument, at(e.source()) + label_ + " " + std::string(key) +
                                             " must hold strings, not " +
                                             std::string(type_name(e.type())));
    v.push_back(e.as_string()->get());
  }
  out = std::move(v);
  return {};
}

std::string Section::where(std::string_view key) const {
  const toml::node* n = table_.get(key);
  return at(n != nullptr ? n->source() : table_.source());
}

std::uint32_t Section::line(std::string_view key) const {
  const toml::node* n = table_.get(key);
  return (n != nullptr ? n->source() : table_.source()).begin.line;
}

std::unexpected<Error> Section::invalid(std::string_view key, std::string_view what) const {
  return fail(Code::InvalidArgument,
              where(key) + label_ + " " + std::string(key) + " " + std::string(what));
}

std::unexpected<Error> Section::wrong_type(std::string_view key, const toml::node& n,
                                           std::string_view expected) const {
  return invalid(key,
                 "must be " + std::string(expected) + ", not " + std::string(type_name(n.type())));
}

std::unexpected<Error> Section::missing(std::string_view key) const {
  return invalid(key, "is required");
}

std::string Section::at(const toml::source_region& r) const {
  return std::string(source_) + ":" + std::to_string(r.begin.line) + ": ";
}

}  // namespace attest::config
