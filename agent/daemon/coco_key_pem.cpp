#include "agent/daemon/coco_key_pem.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/ossl.h"

namespace attest::daemon {

Result<SecureBuffer> coco_key_pem(const SecureBuffer& pkcs8_pem) {
  const BioPtr in(BIO_new_mem_buf(pkcs8_pem.bytes().data(), static_cast<int>(pkcs8_pem.size())));
  if (!in) return fail(Code::Internal, "tee key: BIO_new_mem_buf failed");
  const PkeyPtr key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  if (!key) return fail(Code::Internal, "tee key: cannot read the key's own PEM");
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
    return SecureBuffer::copy_of(pkcs8_pem.bytes());
  const BioPtr out(BIO_new(BIO_s_secmem()));
  if (!out) return fail(Code::Internal, "tee key: BIO_new failed");
  // The "traditional" form of an RSA key is PKCS#1.
  if (PEM_write_bio_PrivateKey_traditional(out.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                           nullptr) != 1)
    return fail(Code::Internal, "tee key: PKCS#1 export failed");
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  if (len <= 0 || data == nullptr) return fail(Code::Internal, "tee key: PKCS#1 export is empty");
  return SecureBuffer::copy_of(
      {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(len)});
}

}  // namespace attest::daemon
