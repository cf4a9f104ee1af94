#include "common/redact.h"

namespace attest {

std::string redact_url_credentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (true) {
    const std::size_t scheme_end = text.find("://", pos);
    if (scheme_end == std::string_view::npos) break;
    const std::size_t authority = scheme_end + 3;
    // The authority ends at the path, query, fragment, or where the message goes on.
    std::size_t end = text.find_first_of("/?# \t\r\n'\"", authority);
    if (end == std::string_view::npos) end = text.size();
    const std::size_t at = text.substr(authority, end - authority).rfind('@');
    out.append(text.substr(pos, authority - pos));
    if (at != std::string_view::npos) {
      out.append("***");
      pos = authority + at;  // keeps the '@'
    } else {
      pos = authority;
    }
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace attest
