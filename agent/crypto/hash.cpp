#include "agent/crypto/hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace attest::crypto {
namespace {

const EVP_MD* evp_md(HashAlg alg) {
  switch (alg) {
    case HashAlg::Sha256:
      return EVP_sha256();
    case HashAlg::Sha384:
      return EVP_sha384();
    case HashAlg::Sha512:
      return EVP_sha512();
  }
  return EVP_sha384();
}

}  // namespace

Result<HashAlg> parse_hash_alg(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "sha256") return HashAlg::Sha256;
  if (lower == "sha384") return HashAlg::Sha384;
  if (lower == "sha512") return HashAlg::Sha512;
  return fail(Code::Unsupported,
              "hash algorithm '" + std::string(name) + "' is not one of sha256, sha384, sha512");
}

std::string_view hash_alg_name(HashAlg alg) noexcept {
  switch (alg) {
    case HashAlg::Sha256:
      return "sha256";
    case HashAlg::Sha384:
      return "sha384";
    case HashAlg::Sha512:
      return "sha512";
  }
  return "sha384";
}

std::size_t digest_size(HashAlg alg) noexcept {
  switch (alg) {
    case HashAlg::Sha256:
      return 32;
    case HashAlg::Sha384:
      return 48;
    case HashAlg::Sha512:
      return 64;
  }
  return 48;
}

Bytes digest(HashAlg alg, ByteView data) {
  Bytes out(digest_size(alg));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, evp_md(alg), nullptr) != 1 ||
      len != out.size())
    return {};
  return out;
}

}  // namespace attest::crypto
