// Removes credentials from text that is about to reach a person (error messages, logs).
#pragma once

#include <string>
#include <string_view>

namespace attest {

// Every "scheme://user:password@host" in `text` becomes "scheme://***@host" (the userinfo of
// RFC 3986 §3.2.1, up to the last '@' before the authority ends at '/', '?', '#' or a space).
// Text without a "://" comes back unchanged.
[[nodiscard]] std::string redact_url_credentials(std::string_view text);

}  // namespace attest
