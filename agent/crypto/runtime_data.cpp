#include "agent/crypto/runtime_data.h"

#include <string>
#include <utility>

#include "agent/crypto/jcs.h"

namespace attest::crypto {
namespace {

Result<RuntimeBinding> bind(HashAlg alg, const nlohmann::json& object) {
  auto canonical = canonicalize(object);
  if (!canonical) return std::unexpected(std::move(canonical.error()).with_context("runtime data"));
  RuntimeBinding out;
  auto hashed = digest(alg, as_bytes(*canonical));
  if (!hashed) return std::unexpected(std::move(hashed.error()).with_context("runtime data"));
  out.digest = std::move(*hashed);
  out.canonical = std::move(*canonical);
  return out;
}

Result<void> check_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object())
    return fail(Code::InvalidArgument, "runtime data: tee-pubkey is not a JSON object");
  return {};
}

}  // namespace

Result<RuntimeBinding> bind_runtime_data(HashAlg alg, std::string_view nonce,
                                         const nlohmann::json& tee_pubkey_jwk,
                                         std::string_view additional_evidence) {
  ATTEST_TRY(check_jwk(tee_pubkey_jwk));
  // "additional-evidence" (hyphen) is present even when empty (kbs-protocol.md §2.2).
  nlohmann::json object = nlohmann::json::object();
  object["additional-evidence"] = std::string(additional_evidence);
  object["nonce"] = std::string(nonce);
  object["tee-pubkey"] = tee_pubkey_jwk;
  return bind(alg, object);
}

Result<RuntimeBinding> bind_device_runtime_data(HashAlg alg, std::string_view nonce,
                                                const nlohmann::json& tee_pubkey_jwk) {
  ATTEST_TRY(check_jwk(tee_pubkey_jwk));
  nlohmann::json object = nlohmann::json::object();
  object["nonce"] = std::string(nonce);
  object["tee-pubkey"] = tee_pubkey_jwk;
  return bind(alg, object);
}

}  // namespace attest::crypto
