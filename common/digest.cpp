#include "common/digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "common/ossl.h"

namespace attest {
namespace {

struct AlgInfo {
  HashAlg alg;
  std::string_view name;
  std::size_t size;
  const char* openssl_name;
};
constexpr std::array<AlgInfo, 5> kAlgs{{
    {HashAlg::Sha1, "sha1", 20, "SHA1"},
    {HashAlg::Sha256, "sha256", 32, "SHA256"},
    {HashAlg::Sha384, "sha384", 48, "SHA384"},
    {HashAlg::Sha512, "sha512", 64, "SHA512"},
    {HashAlg::Sm3_256, "sm3_256", 32, "SM3"},
}};

const AlgInfo& info(HashAlg alg) noexcept {
  for (const auto& a : kAlgs)
    if (a.alg == alg) return a;
  return kAlgs[1];  // unreachable for a valid enumerator
}

}  // namespace

std::optional<HashAlg> hash_alg_from_tcg(std::uint16_t id) noexcept {
  for (const auto& a : kAlgs)
    if (tcg_id(a.alg) == id) return a.alg;
  return std::nullopt;
}

std::string_view hash_alg_name(HashAlg alg) noexcept { return info(alg).name; }

std::size_t digest_size(HashAlg alg) noexcept { return info(alg).size; }

Result<HashAlg> parse_hash_alg(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& a : kAlgs)
    if (a.name == lower) return a.alg;
  return fail(Code::InvalidArgument, "hash algorithm '" + std::string(name) +
                                         "' is not one of sha1, sha256, sha384, sha512, sm3_256");
}

Result<Bytes> digest(HashAlg alg, ByteView data) {
  const AlgInfo& a = info(alg);
  MdPtr md(EVP_MD_fetch(nullptr, a.openssl_name, nullptr));
  if (!md) {
    ERR_clear_error();
    return fail(Code::Unsupported, "OpenSSL has no " + std::string(a.openssl_name) + " digest");
  }
  Bytes out(a.size);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md.get(), nullptr) != 1 ||
      len != out.size())
    return fail(Code::Internal, "EVP_Digest(" + std::string(a.openssl_name) + ") failed");
  return out;
}

}  // namespace attest
