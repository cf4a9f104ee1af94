// KBS protocol 0.4.0 message bodies (kbs-protocol.md §1.2, §1.5, §1.7, §2.1): builders and
// strict parsers. Pure functions, no I/O; every hostile input gives Code::Corrupt naming the
// message and field.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/error.h"

namespace attest::kbs {

inline constexpr std::string_view kProtocolVersion = "0.4.0";
// IBM SE sends a serialized request as its nonce; anything beyond this is hostile.
inline constexpr std::size_t kMaxNonceLength = 16u << 10;
inline constexpr std::size_t kMaxTokenLength = 1u << 20;

struct Challenge {
  std::string nonce;                // echoed byte-for-byte
  std::optional<HashAlg> selected;  // from extra-params.selected-hash-algorithm
};

// {"version":"0.4.0","tee":<tee>,"extra-params":{"supported-hash-algorithms":[...]}}
std::string build_auth_request(std::string_view tee);

// {"nonce": string, "extra-params": "" | {"selected-hash-algorithm": "sha384"} | absent/null}.
// A selected algorithm we do not implement is Unsupported.
[[nodiscard]] Result<Challenge> parse_challenge(std::string_view body);

// The /attest body. `initdata_toml` null -> "init-data": null. Invalid UTF-8 in the init-data
// text (the only caller-supplied free text) is InvalidArgument.
[[nodiscard]] Result<std::string> build_attestation(const std::optional<std::string>& initdata_toml,
                                                    std::string_view nonce,
                                                    const nlohmann::json& tee_pubkey,
                                                    const nlohmann::json& primary_evidence,
                                                    std::string_view additional_evidence);

// {"token": "<JWT>"} -> the token.
[[nodiscard]] Result<std::string> parse_attest_response(std::string_view body);

// RFC 7807-style {"type": ".../<Variant>", "detail": "..."}; missing or foreign bodies give
// empty fields (error bodies are advisory: the status code decides).
struct ErrorInfo {
  std::string variant;  // the last path segment of "type", e.g. "PolicyDeny"
  std::string detail;   // sanitised: printable ASCII only, at most 300 characters
};
ErrorInfo parse_error_info(std::string_view body);
// "401 PolicyDeny: Access denied by policy" (parts omitted when absent).
std::string describe_status(long status, const ErrorInfo& info);

// Parses JSON without throwing: Corrupt "<what>: not JSON (... at byte N)".
[[nodiscard]] Result<nlohmann::json> parse_json(std::string_view body, std::string_view what);

}  // namespace attest::kbs
