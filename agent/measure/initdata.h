// Init-data (Trustee kbs/docs/initdata.md; kbs-protocol.md §2.3-2.4): a TOML document
// {version, algorithm, [data]} whose digest, algorithm(raw TOML bytes), the host bound into the
// TEE at launch. The KBS client sends the text with the evidence; Trustee hashes it again and
// compares per TEE: TDX regularize(digest, 48) == MRCONFIGID, SNP regularize(digest, 32) ==
// HOST_DATA, CCA == the realm personalisation value, and tpm / az-snp-vtpm / az-tdx-vtpm
// PCR8 == SHA-256(0^32 || digest) (trustee deps/verifier/src/{tdx,snp,tpm,az_*}/mod.rs
// @78962cd4). The PCR 8 check copies the digest into a 32-byte slot: only sha256 can pass.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/error.h"
#include "providers/provider.h"

namespace attest::measure {

inline constexpr unsigned kInitDataPcr = 8;

struct InitData {
  std::string version;
  HashAlg alg = HashAlg::Sha256;
  Bytes digest;  // alg(the TOML text exactly as given)
};

// Parses the TOML as Trustee does: `version` and `algorithm` strings ("sha256", "sha384",
// "sha512", lowercase as kbs-types spells them), `data` a table of strings. InvalidArgument
// naming the key (or the TOML line) otherwise; "sm3" and others are Unsupported.
[[nodiscard]] Result<InitData> parse_initdata(std::string_view toml);

// The one check the KBS client (attest-cli, the daemon) and bind_initdata() share: on tpm,
// az-snp-vtpm and az-tdx-vtpm only sha256 init-data can be verified, on cca only sha512 (the
// 64-byte RPV is compared as it is). InvalidArgument otherwise, naming the TEE and the
// algorithm.
[[nodiscard]] Result<void> check_initdata_alg(TeeKind tee, HashAlg alg);

// parse_initdata() then check_initdata_alg().
[[nodiscard]] Result<InitData> initdata_for(TeeKind tee, std::string_view toml);

enum class InitDataBinding {
  Matched,       // tdx / snp / cca: the hardware field equals the digest
  Extended,      // tpm / az-*-vtpm: PCR 8 was zero and now holds SHA-256(0^32 || digest)
  AlreadyBound,  // tpm / az-*-vtpm: PCR 8 already held exactly that (an agent restart)
  Unchecked,     // sample: nothing in the evidence to bind to
};

// What the binding did, in words for the log.
std::string_view binding_name(InitDataBinding b) noexcept;

// At start, with init-data configured: checks or binds it on the provider's TEE.
// FailedPrecondition on a mismatch, naming both digests (the hardware's and ours); PCR 8 is
// extended at most once, and only while it is still zero. cca: the realm personalisation value
// from a realm token must equal the (sha512) digest.
[[nodiscard]] Result<InitDataBinding> bind_initdata(EvidenceProvider& provider,
                                                    std::string_view toml);

}  // namespace attest::measure
