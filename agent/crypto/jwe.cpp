#include "agent/crypto/jwe.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <array>
#include <cstdint>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "common/json_depth.h"
#include "common/ossl.h"

namespace attest::crypto {
namespace {

using json = nlohmann::json;

constexpr std::size_t kCekSize = 32;  // A256GCM
constexpr std::size_t kIvSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kWrappedCekSize = kCekSize + 8;  // RFC 3394 adds one 64-bit block
constexpr std::size_t kMaxProtectedChars = 16 * 1024;
constexpr std::size_t kMaxEncryptedKeyChars = 1024;  // RSA-4096 is 683 characters
constexpr std::size_t kMaxSmallMemberChars = 1024;   // epk coordinates, apu, apv
constexpr std::string_view kEcdhAlg = "ECDH-ES+A256KW";

[[nodiscard]] std::unexpected<Error> corrupt(std::string what) {
  return fail(Code::Corrupt, "jwe: " + std::move(what));
}

// A string member of `obj`, at most `max_chars` long.
Result<std::string_view> string_member(const json& obj, const char* where, const char* name,
                                       std::size_t max_chars) {
  const auto it = obj.find(name);
  if (it == obj.end()) return corrupt(std::string(where) + " has no '" + name + "'");
  if (!it->is_string()) return corrupt(std::string(where) + " '" + name + "' is not a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_chars)
    return corrupt(std::string(where) + " '" + name + "' is longer than " +
                   std::to_string(max_chars) + " characters");
  return std::string_view(s);
}

// Strict base64url without padding (§3.2: the reference client rejects padded members).
Result<Bytes> b64url_member(const json& obj, const char* where, const char* name,
                            std::size_t max_chars) {
  auto s = string_member(obj, where, name, max_chars);
  if (!s) return std::unexpected(std::move(s.error()));
  auto b = base64_decode(*s, Base64::Url, Padding::Forbidden);
  if (!b) return corrupt(std::string(where) + " '" + name + "': " + b.error().message);
  return b;
}

// Builds the sender's ephemeral public key from the header "epk" and checks it is a valid point
// on our own curve (an off-curve point would leak bits of our private key).
Result<PkeyPtr> peer_key(const json& header, KeyAlg alg) {
  const auto epk = header.find("epk");
  if (epk == header.end() || !epk->is_object()) return corrupt("header 'epk' is not an object");
  auto kty = string_member(*epk, "epk", "kty", 8);
  if (!kty) return std::unexpected(std::move(kty.error()));
  if (*kty != "EC") return corrupt("epk 'kty' is not EC");
  auto crv = string_member(*epk, "epk", "crv", 16);
  if (!crv) return std::unexpected(std::move(crv.error()));
  if (*crv != jwk_curve_name(alg))
    return corrupt("epk curve " + std::string(*crv) + " is not our curve " +
                   std::string(jwk_curve_name(alg)));
  auto x = b64url_member(*epk, "epk", "x", kMaxSmallMemberChars);
  if (!x) return std::unexpected(std::move(x.error()));
  auto y = b64url_member(*epk, "epk", "y", kMaxSmallMemberChars);
  if (!y) return std::unexpected(std::move(y.error()));
  const std::size_t n = ec_coordinate_size(alg);
  if (x->size() != n || y->size() != n)
    return corrupt("epk coordinates must be " + std::to_string(n) + " bytes each");
  Bytes point{0x04};  // SEC1 uncompressed
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  const char* group = alg == KeyAlg::EcP521 ? "secp521r1" : "prime256v1";
  const ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return fail(Code::Internal, "jwe: building epk parameters failed");
  const ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return corrupt("epk is not a point on " + std::string(jwk_curve_name(alg)));
  }
  PkeyPtr peer(raw);
  const PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, peer.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return corrupt("epk fails the public key check");
  }
  return peer;
}

// Concat KDF (NIST SP 800-56A, RFC 7518 §4.6.2) with SHA-256: one round yields the 32-byte KEK.
Result<SecureBuffer> concat_kdf(ByteView z, const Bytes& apu, const Bytes& apv) {
  auto be32 = [](std::size_t v) {
    return std::array<std::uint8_t, 4>{
        static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
        static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  };
  auto kek = SecureBuffer::make(kCekSize);
  if (!kek) return kek;
  const MdCtxPtr md(EVP_MD_CTX_new());
  const auto round = be32(1);
  const auto alg_len = be32(kEcdhAlg.size());
  const auto apu_len = be32(apu.size());
  const auto apv_len = be32(apv.size());
  const auto key_bits = be32(kCekSize * 8);
  unsigned int out_len = 0;
  if (!md || EVP_DigestInit_ex2(md.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(md.get(), round.data(), round.size()) != 1 ||
      EVP_DigestUpdate(md.get(), z.data(), z.size()) != 1 ||
      EVP_DigestUpdate(md.get(), alg_len.data(), alg_len.size()) != 1 ||
      EVP_DigestUpdate(md.get(), kEcdhAlg.data(), kEcdhAlg.size()) != 1 ||
      EVP_DigestUpdate(md.get(), apu_len.data(), apu_len.size()) != 1 ||
      EVP_DigestUpdate(md.get(), apu.data(), apu.size()) != 1 ||
      EVP_DigestUpdate(md.get(), apv_len.data(), apv_len.size()) != 1 ||
      EVP_DigestUpdate(md.get(), apv.data(), apv.size()) != 1 ||
      EVP_DigestUpdate(md.get(), key_bits.data(), key_bits.size()) != 1 ||
      EVP_DigestFinal_ex(md.get(), kek->bytes().data(), &out_len) != 1 || out_len != kCekSize)
    return fail(Code::Internal, "jwe: concat KDF failed");
  return kek;
}

// Optional "apu"/"apv" header members (Trustee sends neither; RFC 7518 §4.6.1.2-3).
Result<Bytes> party_info(const json& header, const char* name) {
  if (!header.contains(name)) return Bytes{};
  return b64url_member(header, "header", name, kMaxSmallMemberChars);
}

// ECDH-ES+A256KW (§3.3): Z = ECDH(own, epk), KEK = ConcatKDF(Z), CEK = AES-KW-unwrap(KEK, ek).
Result<SecureBuffer> unwrap_ecdh(const TeeKey& key, const json& header, const Bytes& wrapped) {
  if (wrapped.size() != kWrappedCekSize)
    return corrupt("'encrypted_key' must be 40 bytes for ECDH-ES+A256KW, got " +
                   std::to_string(wrapped.size()));
  auto peer = peer_key(header, key.alg());
  if (!peer) return std::unexpected(std::move(peer.error()));
  auto apu = party_info(header, "apu");
  if (!apu) return std::unexpected(std::move(apu.error()));
  auto apv = party_info(header, "apv");
  if (!apv) return std::unexpected(std::move(apv.error()));

  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey(), nullptr));
  std::size_t z_len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer->get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &z_len) != 1) {
    ERR_clear_error();
    return corrupt("ECDH with the epk failed");
  }
  auto z = SecureBuffer::make(z_len);
  if (!z) return std::unexpected(std::move(z.error()));
  if (EVP_PKEY_derive(ctx.get(), z->bytes().data(), &z_len) != 1 ||
      z_len != ec_coordinate_size(key.alg())) {
    ERR_clear_error();
    return corrupt("ECDH with the epk failed");
  }
  auto kek = concat_kdf(z->bytes(), *apu, *apv);
  if (!kek) return kek;

  const CipherPtr wrap(EVP_CIPHER_fetch(nullptr, "AES-256-WRAP", nullptr));
  const CipherCtxPtr cctx(EVP_CIPHER_CTX_new());
  auto cek = SecureBuffer::make(wrapped.size());  // the provider wants room for the full input
  if (!cek) return cek;
  int n = 0;
  int fin = 0;
  if (!wrap || !cctx ||
      EVP_DecryptInit_ex2(cctx.get(), wrap.get(), kek->bytes().data(), nullptr, nullptr) != 1 ||
      EVP_DecryptUpdate(cctx.get(), cek->bytes().data(), &n, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(cctx.get(), cek->bytes().data() + n, &fin) != 1 ||
      static_cast<std::size_t>(n + fin) != kCekSize) {
    ERR_clear_error();
    return corrupt("AES key unwrap failed (wrong key or tampered 'encrypted_key')");
  }
  cek->truncate(kCekSize);
  return cek;
}

// RSA-OAEP-256 (SHA-256, MGF1-SHA-256, empty label) or RSA1_5.
Result<SecureBuffer> unwrap_rsa(const TeeKey& key, bool oaep, const Bytes& wrapped) {
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey(), nullptr));
  std::size_t out_len = 0;
  bool ok = ctx && EVP_PKEY_decrypt_init(ctx.get()) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(),
                                         oaep ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING) == 1;
  if (ok && oaep)
    ok = EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) == 1;
  ok = ok && EVP_PKEY_decrypt(ctx.get(), nullptr, &out_len, wrapped.data(), wrapped.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return corrupt("RSA decryption setup failed");
  }
  auto cek = SecureBuffer::make(out_len);
  if (!cek) return cek;
  const bool decrypted = EVP_PKEY_decrypt(ctx.get(), cek->bytes().data(), &out_len, wrapped.data(),
                                          wrapped.size()) == 1 &&
                         out_len == kCekSize;
  ERR_clear_error();
  if (decrypted) {
    cek->truncate(kCekSize);
    return cek;
  }
  if (oaep) return corrupt("RSA-OAEP-256 decryption of 'encrypted_key' failed");
  // RSA1_5: continue with a random CEK so a padding failure looks like a tag failure
  // (RFC 7516 §11.5, Bleichenbacher countermeasure).
  auto random = SecureBuffer::make(kCekSize);
  if (!random) return random;
  if (RAND_bytes(random->bytes().data(), static_cast<int>(kCekSize)) != 1)
    return fail(Code::Internal, "jwe: RAND_bytes failed");
  return random;
}

Result<SecureBuffer> gcm_decrypt(const SecureBuffer& cek, const Bytes& iv, std::string_view aad,
                                 const Bytes& ciphertext, const Bytes& tag) {
  auto plain = SecureBuffer::make(ciphertext.size());
  if (!plain) return plain;
  const CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  int fin = 0;
  bool ok =
      ctx && EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex2(ctx.get(), nullptr, cek.bytes().data(), iv.data(), nullptr) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1;
  if (ok && !ciphertext.empty())
    ok = EVP_DecryptUpdate(ctx.get(), plain->bytes().data(), &n, ciphertext.data(),
                           static_cast<int>(ciphertext.size())) == 1;
  else
    n = 0;
  // SET_TAG takes a non-const pointer but only reads it.
  Bytes tag_copy = tag;
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_copy.size()),
                           tag_copy.data()) == 1 &&
       EVP_DecryptFinal_ex(ctx.get(), plain->bytes().data() + n, &fin) == 1;
  ERR_clear_error();
  if (!ok || static_cast<std::size_t>(n + fin) != ciphertext.size())
    return corrupt("AES-256-GCM authentication failed (wrong key or tampered response)");
  return plain;
}

Result<SecureBuffer> decrypt(const TeeKey& key, std::string_view body) {
  if (body.size() > kMaxJweBodySize)
    return corrupt("response body larger than " + std::to_string(kMaxJweBodySize >> 20) + " MiB");
  if (auto deep = check_json_depth(body, "jwe: response"); !deep)
    return std::unexpected(std::move(deep.error()));
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return corrupt("response is not a JSON object");
  for (const char* unsupported : {"aad", "header", "unprotected", "recipients"})
    if (doc.contains(unsupported))
      return corrupt(std::string("member '") + unsupported + "' is not supported");

  auto protected_b64 = string_member(doc, "response", "protected", kMaxProtectedChars);
  if (!protected_b64) return std::unexpected(std::move(protected_b64.error()));
  auto protected_raw = b64url_member(doc, "response", "protected", kMaxProtectedChars);
  if (!protected_raw) return std::unexpected(std::move(protected_raw.error()));
  auto encrypted_key = b64url_member(doc, "response", "encrypted_key", kMaxEncryptedKeyChars);
  if (!encrypted_key) return std::unexpected(std::move(encrypted_key.error()));
  auto iv = b64url_member(doc, "response", "iv", 16);
  if (!iv) return std::unexpected(std::move(iv.error()));
  auto ciphertext = b64url_member(doc, "response", "ciphertext", kMaxJweBodySize);
  if (!ciphertext) return std::unexpected(std::move(ciphertext.error()));
  auto tag = b64url_member(doc, "response", "tag", 24);
  if (!tag) return std::unexpected(std::move(tag.error()));
  if (iv->size() != kIvSize) return corrupt("'iv' must be 12 bytes");
  if (tag->size() != kTagSize) return corrupt("'tag' must be 16 bytes");

  const std::string header_text = to_string(*protected_raw);
  if (auto deep = check_json_depth(header_text, "jwe: protected header"); !deep)
    return std::unexpected(std::move(deep.error()));
  const json header = json::parse(header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return corrupt("protected header is not a JSON object");
  if (header.contains("crit")) return corrupt("protected header 'crit' is not supported");
  if (header.contains("zip")) return corrupt("protected header 'zip' is not supported");
  auto enc = string_member(header, "header", "enc", 32);
  if (!enc) return std::unexpected(std::move(enc.error()));
  if (*enc != "A256GCM") return corrupt("enc '" + std::string(*enc) + "' is not A256GCM");
  auto alg = string_member(header, "header", "alg", 32);
  if (!alg) return std::unexpected(std::move(alg.error()));

  Result<SecureBuffer> cek = corrupt("alg '" + std::string(*alg) + "' does not match the " +
                                     std::string(key_alg_name(key.alg())) + " TEE key");
  if (key.alg() == KeyAlg::RsaOaep256) {
    if (*alg == "RSA-OAEP-256" || *alg == "RSA1_5")
      cek = unwrap_rsa(key, *alg == "RSA-OAEP-256", *encrypted_key);
  } else if (*alg == kEcdhAlg) {
    cek = unwrap_ecdh(key, header, *encrypted_key);
  }
  if (!cek) return cek;
  return gcm_decrypt(*cek, *iv, *protected_b64, *ciphertext, *tag);
}

}  // namespace

Result<SecureBuffer> decrypt_jwe(const TeeKey& key, std::string_view response_body) {
  try {
    return decrypt(key, response_body);
  } catch (const std::exception& e) {  // nlohmann or allocation failure: nothing escapes
    return fail(Code::Corrupt, std::string("jwe: ") + e.what());
  }
}

}  // namespace attest::crypto
