// The KBS resource response: a JWE encrypted to our TEE key. Two targets: the flattened JSON
// form (what Trustee sends) and the compact form "protected.encrypted_key.iv.ciphertext.tag",
// whose five segments are laid into the JSON members (the decoder accepts only the JSON form; a
// compact string itself must be refused).
// The keys are the fixture keys the seeds were encrypted to, so mutations reach the key unwrap,
// Concat KDF and AES-GCM steps instead of stopping at "wrong key".
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/crypto/jwe.h"
#include "agent/crypto/tee_key.h"
#include "fuzz/fuzz_support.h"

namespace attest::fuzz::jwe {
namespace {

std::vector<crypto::TeeKey>& keys() {
  static std::vector<crypto::TeeKey> k;
  return k;
}

void load_fixture_key(const char* name) {
  std::ifstream in(std::string(ATTEST_FIXTURES_DIR) + "/jwe/" + name);
  const auto j = nlohmann::json::parse(std::istreambuf_iterator<char>(in), {}, nullptr, false);
  if (j.is_discarded() || !j.contains("key_pem")) violated(name, __FILE__, __LINE__);
  auto key = crypto::TeeKey::from_pem(j["key_pem"].get<std::string>());
  if (!key) violated(key.error().message.c_str(), __FILE__, __LINE__);
  keys().push_back(std::move(*key));
}

void load_keys() {
  load_fixture_key("p256.json");
  load_fixture_key("p521.json");
  load_fixture_key("rsa-oaep-256.json");
}

void decrypt_with_every_key(std::string_view body) {
  for (const auto& key : keys()) {
    auto plain = crypto::decrypt_jwe(key, body);
    check_error_named(plain);
    if (!plain)
      ATTEST_FUZZ_CHECK(plain.error().code == Code::Corrupt ||
                        plain.error().code == Code::Unsupported);
  }
}

void json_form(const std::uint8_t* data, std::size_t size) {
  decrypt_with_every_key(text(data, size));
}

void compact_form(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = text(data, size);
  decrypt_with_every_key(in);  // the compact string as such: never accepted
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = in.find('.', start)) != std::string_view::npos; start = dot + 1)
    parts.push_back(in.substr(start, dot - start));
  parts.push_back(in.substr(start));
  if (parts.size() != 5) return;
  nlohmann::json body = nlohmann::json::object();
  constexpr const char* kMembers[] = {"protected", "encrypted_key", "iv", "ciphertext", "tag"};
  for (std::size_t i = 0; i < 5; ++i) body[kMembers[i]] = std::string(parts[i]);
  decrypt_with_every_key(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

[[maybe_unused]] const bool kRegistered = register_target("jwe_json", json_form, load_keys) &&
                                          register_target("jwe_compact", compact_form, load_keys);

}  // namespace
}  // namespace attest::fuzz::jwe
