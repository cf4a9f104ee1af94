// Attestation keys: the AK template, provisioning a persistent AK, and the AK public key as a
// DER SubjectPublicKeyInfo (what Trustee's tpm verifier reads from `ak_public`).
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "providers/tpm/esys.h"

namespace attest::tpm {

enum class AkAlg { Rsa, Ecc };

// guest-components' generic TPM attester default (env AA_TPM_AK_HANDLE there).
inline constexpr TPM2_HANDLE kDefaultAkHandle = 0x81010002;
// Owner-hierarchy persistent handles (TPM 2.0 Part 2 §7.6; platform ones start at 0x81800000).
inline constexpr TPM2_HANDLE kOwnerPersistentFirst = 0x81000000;
inline constexpr TPM2_HANDLE kOwnerPersistentLast = 0x817FFFFF;

[[nodiscard]] Result<AkAlg> parse_ak_alg(std::string_view name);  // "rsa" | "ecc"
std::string_view ak_alg_name(AkAlg alg);

// Restricted signing key: fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth |
// restricted | sign (0x00050072), nameAlg SHA-256, empty authPolicy. RSA-2048 RSASSA-SHA256 or
// ECC NIST P-256 ECDSA-SHA256 (the set tpm2-tools' tpm2_createak uses).
TPM2B_PUBLIC ak_template(AkAlg alg);

// DER SubjectPublicKeyInfo of an RSA or ECC (NIST P-256/P-384/P-521) TPM public area.
[[nodiscard]] Result<Bytes> public_to_spki_der(const TPMT_PUBLIC& pub);
// PEM ("-----BEGIN PUBLIC KEY-----") of a DER SubjectPublicKeyInfo.
[[nodiscard]] Result<std::string> spki_der_to_pem(ByteView der);

// The public key of a loaded/persistent key as DER SPKI; NotFound if the handle is empty.
[[nodiscard]] Result<Bytes> ak_public_der(Esys& esys, TPM2_HANDLE handle);

struct AkProvisionOptions {
  TPM2_HANDLE handle = kDefaultAkHandle;
  AkAlg alg = AkAlg::Rsa;
  bool force = false;  // evict whatever persists at `handle` first
};

struct ProvisionedAk {
  TPM2_HANDLE handle = 0;
  AkAlg alg = AkAlg::Rsa;
  Bytes spki_der;
};

// Creates the AK as a primary key in the owner hierarchy (Esys_CreatePrimary under
// ESYS_TR_RH_OWNER with ak_template) and persists it with Esys_EvictControl.
//
// Why a primary under the owner rather than a child of the EK as tpm2_createak does: the EK is
// a decrypt key that needs a policy session (PolicySecret(endorsement)) to be used as a parent,
// which adds a session and an extra transient object to every provisioning; the owner-primary
// AK needs neither, and its quotes are verified the same way (the verifier trusts the AK public
// key itself, Trustee's trusted_aks reference value). A primary's key is derived from the owner
// seed and the template, so re-provisioning after a TPM clear gives a new key, as it should.
//
// An occupied handle is FailedPrecondition unless `force`; a handle outside the owner
// persistent range is InvalidArgument. Every transient object is flushed on every path.
[[nodiscard]] Result<ProvisionedAk> provision_ak(Esys& esys, const AkProvisionOptions& opts);

}  // namespace attest::tpm
