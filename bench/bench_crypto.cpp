// Micro benchmarks of the per-attestation crypto (issue 10): the runtime-data binding (RFC 8785
// JCS + hash), TEE key generation per algorithm, and JWE decryption per algorithm on the
// tests/fixtures/jwe responses. ./scripts/bench runs them with the rest.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "agent/crypto/jwe.h"
#include "agent/crypto/runtime_data.h"
#include "agent/crypto/tee_key.h"
#include "bench/bench_util.h"

namespace {

using attest::HashAlg;
using attest::crypto::KeyAlg;

constexpr KeyAlg kKeyAlgs[] = {KeyAlg::EcP256, KeyAlg::EcP521, KeyAlg::RsaOaep256};
constexpr HashAlg kHashAlgs[] = {HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512};

// H(JCS({"additional-evidence","nonce","tee-pubkey"})) as the client computes it for every
// attestation, with a Trustee-sized nonce (32 random bytes, base64) and a P-256 JWK.
void BM_RuntimeData_JcsHash(benchmark::State& state) {
  const HashAlg alg = kHashAlgs[state.range(0)];
  auto key = attest::crypto::TeeKey::generate(KeyAlg::EcP256);
  if (!key) return state.SkipWithError(key.error().message.c_str());
  const nlohmann::json jwk = key->public_jwk();
  const std::string nonce = "q7R5U0t1c2VkQnlUaGVLYnNTZXJ2ZXJBc0lzLi4uISE=";
  for (auto _ : state) {
    auto b = attest::crypto::bind_runtime_data(alg, nonce, jwk, "");
    if (!b) return state.SkipWithError(b.error().message.c_str());
    benchmark::DoNotOptimize(b->digest.data());
  }
  state.SetLabel(std::string(attest::hash_alg_name(alg)));
}
BENCHMARK(BM_RuntimeData_JcsHash)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

void BM_TeeKey_Generate(benchmark::State& state) {
  const KeyAlg alg = kKeyAlgs[state.range(0)];
  for (auto _ : state) {
    auto key = attest::crypto::TeeKey::generate(alg);
    if (!key) return state.SkipWithError(key.error().message.c_str());
    benchmark::DoNotOptimize(key->pkey());
  }
  state.SetLabel(std::string(attest::crypto::key_alg_name(alg)));
}
BENCHMARK(BM_TeeKey_Generate)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

// One fixture per key-management algorithm: {file, label}.
constexpr const char* kJweCases[][2] = {
    {"jwe/p256.json", "ECDH-ES+A256KW P-256"},
    {"jwe/p521.json", "ECDH-ES+A256KW P-521 (4 KiB)"},
    {"jwe/rsa-oaep-256.json", "RSA-OAEP-256 RSA-2048"},
    {"jwe/rsa1_5.json", "RSA1_5 RSA-2048"},
};

void BM_Jwe_Decrypt(benchmark::State& state) {
  const auto& c = kJweCases[state.range(0)];
  const attest::Bytes raw = attest::bench::fixture(c[0]);
  const auto j = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
  if (j.is_discarded()) return state.SkipWithError("fixture missing or not JSON");
  auto key = attest::crypto::TeeKey::from_pem(j["key_pem"].get<std::string>());
  if (!key) return state.SkipWithError(key.error().message.c_str());
  const std::string body = j["jwe"].get<std::string>();
  for (auto _ : state) {
    auto plain = attest::crypto::decrypt_jwe(*key, body);
    if (!plain) return state.SkipWithError(plain.error().message.c_str());
    benchmark::DoNotOptimize(plain->bytes().data());
  }
  state.SetLabel(c[1]);
}
BENCHMARK(BM_Jwe_Decrypt)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
