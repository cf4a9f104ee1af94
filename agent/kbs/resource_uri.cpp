#include "agent/kbs/resource_uri.h"

#include <array>

namespace attest::kbs {
namespace {

constexpr std::size_t kMaxSegment = 255;
constexpr std::size_t kMaxQuery = 2048;

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Result<void> check_segment(std::string_view seg, std::string_view name, std::string_view uri) {
  auto bad = [&](std::string why) {
    return fail(Code::InvalidArgument,
                "resource URI '" + std::string(uri) + "': " + std::string(name) + " " + why);
  };
  if (seg.empty()) return bad("is empty");
  if (seg.size() > kMaxSegment) return bad("is longer than " + std::to_string(kMaxSegment));
  if (!(is_alnum(seg[0]) || seg[0] == '_' || seg[0] == '-'))
    return bad("must start with a letter, digit, '_' or '-'");
  for (char c : seg)
    if (!(is_alnum(c) || c == '_' || c == '-' || c == '.'))
      return bad("may hold only letters, digits, '_', '-' and '.'");
  return {};
}

// RFC 3986 query = *( pchar / "/" / "?" ), pchar = unreserved / pct-encoded / sub-delims / ":" /
// "@"
Result<void> check_query(std::string_view q, std::string_view uri) {
  auto bad = [&](std::string why) {
    return fail(Code::InvalidArgument, "resource URI '" + std::string(uri) + "': query " + why);
  };
  if (q.size() > kMaxQuery) return bad("is longer than " + std::to_string(kMaxQuery));
  constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/?";
  for (std::size_t i = 0; i < q.size(); ++i) {
    const char c = q[i];
    if (c == '%') {
      if (i + 2 >= q.size() || !is_hex(q[i + 1]) || !is_hex(q[i + 2]))
        return bad("has a bad %-escape at offset " + std::to_string(i));
      i += 2;
      continue;
    }
    if (!is_alnum(c) && kAllowed.find(c) == std::string_view::npos)
      return bad("holds a character not allowed in a URL query at offset " + std::to_string(i));
  }
  return {};
}

Result<void> check_authority(std::string_view a, std::string_view uri) {
  auto bad = [&]() {
    return fail(Code::InvalidArgument, "resource URI '" + std::string(uri) +
                                           "': bad host[:port] '" + std::string(a) + "'");
  };
  if (a.size() > 300) return bad();
  std::string_view host = a;
  std::string_view port;
  if (a.starts_with('[')) {
    const auto close = a.find(']');
    if (close == std::string_view::npos) return bad();
    for (char c : a.substr(1, close - 1))
      if (!is_hex(c) && c != ':' && c != '.') return bad();
    host = a.substr(0, close + 1);
    const std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return bad();
      port = rest.substr(1);
      if (port.empty()) return bad();
    }
  } else {
    const auto colon = a.rfind(':');
    if (colon != std::string_view::npos) {
      host = a.substr(0, colon);
      port = a.substr(colon + 1);
      if (port.empty()) return bad();
    }
    if (host.empty()) return bad();
    for (char c : host)
      if (!is_alnum(c) && c != '-' && c != '.' && c != '_') return bad();
  }
  if (port.size() > 5) return bad();
  for (char c : port)
    if (c < '0' || c > '9') return bad();
  return {};
}

}  // namespace

std::string ResourceUri::path() const { return repository + "/" + type + "/" + tag; }

std::string ResourceUri::request_path() const {
  return "/kbs/v0/resource/" + path() + (query.empty() ? "" : "?" + query);
}

std::string ResourceUri::to_string() const {
  return "kbs://" + authority + "/" + path() + (query.empty() ? "" : "?" + query);
}

Result<ResourceUri> parse_resource_uri(std::string_view text) {
  ResourceUri uri;
  std::string_view rest = text;
  constexpr std::string_view kScheme = "kbs://";
  if (rest.starts_with(kScheme)) {
    rest.remove_prefix(kScheme.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos)
      return fail(Code::InvalidArgument,
                  "resource URI '" + std::string(text) + "': expected kbs:///repository/type/tag");
    const std::string_view authority = rest.substr(0, slash);
    if (!authority.empty()) {
      ATTEST_TRY(check_authority(authority, text));
      uri.authority = std::string(authority);
    }
    rest.remove_prefix(slash + 1);
  } else if (rest.find("://") != std::string_view::npos) {
    return fail(Code::InvalidArgument,
                "resource URI '" + std::string(text) + "': only the kbs:// scheme is supported");
  } else if (rest.starts_with('/') && !rest.starts_with("//")) {
    // "/repo/type/tag": what trustee-attester's --path passes on (it prefixes the '/' itself;
    // guest-components 060b8d2 attestation-agent/kbs_protocol/src/bin/trustee-attester/main.rs).
    rest.remove_prefix(1);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    ATTEST_TRY(check_query(rest.substr(q + 1), text));
    uri.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  std::array<std::string_view, 3> segs;
  std::size_t n = 0;
  while (true) {
    const auto slash = rest.find('/');
    if (n == segs.size())
      return fail(Code::InvalidArgument,
                  "resource URI '" + std::string(text) +
                      "': expected exactly three segments repository/type/tag");
    segs[n++] = rest.substr(0, slash);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (n != segs.size())
    return fail(Code::InvalidArgument,
                "resource URI '" + std::string(text) +
                    "': expected exactly three segments repository/type/tag");
  ATTEST_TRY(check_segment(segs[0], "repository", text));
  ATTEST_TRY(check_segment(segs[1], "type", text));
  ATTEST_TRY(check_segment(segs[2], "tag", text));
  uri.repository = std::string(segs[0]);
  uri.type = std::string(segs[1]);
  uri.tag = std::string(segs[2]);
  return uri;
}

}  // namespace attest::kbs
