// TPM2B_PUBLIC as TPM2_ReadPublic returns it for the AK: unmarshalled by tss2-mu, then turned
// into the SubjectPublicKeyInfo we send as ak_public (providers/tpm/ak.cpp).
#include <tss2/tss2_mu.h>

#include "fuzz/fuzz_support.h"
#include "providers/tpm/ak.h"

ATTEST_FUZZ_TARGET(tpm2b_public) {
  using namespace attest;
  TPM2B_PUBLIC pub{};
  std::size_t offset = 0;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(data, size, &offset, &pub) != TSS2_RC_SUCCESS) return;
  auto der = tpm::public_to_spki_der(pub.publicArea);
  fuzz::check_error_named(der);
  if (!der) return;
  auto pem = tpm::spki_der_to_pem(*der);
  fuzz::check_error_named(pem);
  ATTEST_FUZZ_CHECK(pem.has_value());  // DER we produced ourselves must always encode
}
