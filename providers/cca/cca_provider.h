// Arm CCA evidence: the CCA attestation token (CBOR tag 399 collection of the platform and realm
// tokens) through configfs-tsm, provider "arm_cca_guest" (v6.13,
// drivers/virt/coco/arm-cca-guest/arm-cca-guest.c). There is no other interface.
#pragma once

#include "providers/provider.h"

namespace attest {

// Registry entry: present if configfs-tsm is served by arm_cca_guest.
ProviderInfo cca_provider_info();

namespace cca {

// Trustee's CcaEvidence: {"token": [the token bytes as JSON integers]}.
nlohmann::json evidence_json(ByteView token);

}  // namespace cca
}  // namespace attest
