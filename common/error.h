// The one error type every layer returns (see docs: abseil's Status discipline).
//
// A Code tells the caller what to do next; a message tells a person what failed and where.
// Messages never carry secrets and nothing parses them.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace attest {

enum class Code : std::uint8_t {
  InvalidArgument,     // the caller passed something wrong: fix the call
  NotFound,            // a file, device, index or resource does not exist
  PermissionDenied,    // the OS or a server refused access
  FailedPrecondition,  // not until the system state is fixed (e.g. VMPCK wiped)
  Unavailable,         // transient: retry with backoff
  DeadlineExceeded,    // a timeout fired
  Unauthenticated,     // the KBS wants (re-)attestation
  Unsupported,         // this TEE/build cannot do that
  Corrupt,             // malformed input: truncated report, bad JSON, bad JWE
  Internal,            // a bug or an unexpected library failure
};

std::string_view code_name(Code c) noexcept;

struct Error {
  Code code = Code::Internal;
  std::string message;
  int os_errno = 0;  // the errno behind an OS failure, 0 otherwise

  // Prefixes the message with where it happened: "snp: GET_EXT_REPORT: <message>".
  [[nodiscard]] Error with_context(std::string_view where) && {
    message = std::string(where) + ": " + message;
    return std::move(*this);
  }
  [[nodiscard]] std::string to_string() const;
};

template <class T>
using Result = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(Code c, std::string message, int os_errno = 0) {
  return std::unexpected<Error>(Error{c, std::move(message), os_errno});
}

// Adds context to an error result on its way up; passes success through.
template <class T>
[[nodiscard]] Result<T> with_context(Result<T>&& r, std::string_view where) {
  if (!r) return std::unexpected<Error>(std::move(r.error()).with_context(where));
  return std::move(r);
}

// 'text', for naming a caller's value in a message. Built by appending: GCC 12 at -O3 reports a
// false -Wrestrict (GCC bug 105329) for `"'" + std::string(text)`, which a packager's -O3 build
// would print for every such message.
[[nodiscard]] std::string quoted(std::string_view text);

// Maps an errno to a Code (one table for the whole program).
Code code_for_errno(int err) noexcept;
// An Error for a failed OS call: "<what>: <strerror> (errno N)".
[[nodiscard]] std::unexpected<Error> os_error(int err, std::string_view what);

}  // namespace attest

// Propagates an error: ATTEST_TRY(r) returns r's error from the enclosing function.
#define ATTEST_TRY(expr)                                                         \
  do {                                                                           \
    if (auto attest_try_r_ = (expr); !attest_try_r_)                             \
      return std::unexpected<::attest::Error>(std::move(attest_try_r_.error())); \
  } while (0)
