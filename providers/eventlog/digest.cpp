#include "providers/eventlog/digest.h"

#include <array>
#include <memory>
#include <string>

#include <openssl/evp.h>

namespace attest::eventlog {
namespace {

struct AlgInfo {
  std::uint16_t id;
  std::string_view name;
  std::size_t size;
  const char* openssl_name;
};
constexpr std::array<AlgInfo, 5> kAlgs{{
    {kAlgSha1, "sha1", 20, "SHA1"},
    {kAlgSha256, "sha256", 32, "SHA256"},
    {kAlgSha384, "sha384", 48, "SHA384"},
    {kAlgSha512, "sha512", 64, "SHA512"},
    {kAlgSm3_256, "sm3_256", 32, "SM3"},
}};

const AlgInfo* find_alg(std::uint16_t id) {
  for (const auto& a : kAlgs)
    if (a.id == id) return &a;
  return nullptr;
}

struct MdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};

}  // namespace

std::string_view alg_name(std::uint16_t alg) {
  const AlgInfo* a = find_alg(alg);
  return a ? a->name : std::string_view{};
}

std::size_t alg_digest_size(std::uint16_t alg) {
  const AlgInfo* a = find_alg(alg);
  return a ? a->size : 0;
}

Result<Bytes> digest_of(std::uint16_t alg, ByteView data) {
  const AlgInfo* a = find_alg(alg);
  if (!a) return fail(Code::Unsupported, "hash algorithm " + std::to_string(alg) + " is unknown");
  std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, a->openssl_name, nullptr));
  if (!md)
    return fail(Code::Unsupported, "OpenSSL has no " + std::string(a->openssl_name) + " digest");
  Bytes out(a->size);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md.get(), nullptr) != 1 ||
      len != out.size())
    return fail(Code::Internal, "EVP_Digest(" + std::string(a->openssl_name) + ") failed");
  return out;
}

}  // namespace attest::eventlog
