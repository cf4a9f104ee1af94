#include "providers/tpm/runtime_pcr.h"

#include <cerrno>

#include "providers/eventlog/cc_eventlog.h"
#include "providers/tpm/esys.h"
#include "providers/tpm/pcr.h"

namespace attest::tpm {

Result<RuntimeRegister> sha256_pcr_register(unsigned pcr) {
  if (pcr >= kPcrCount)
    return fail(Code::InvalidArgument,
                "tpm: PCR " + std::to_string(pcr) + " does not exist (PCRs are 0-23)");
  return RuntimeRegister{pcr, HashAlg::Sha256};
}

Result<Bytes> read_sha256_pcr(const std::string& tcti, unsigned pcr) {
  ATTEST_TRY(sha256_pcr_register(pcr));
  auto esys = Esys::open(tcti);
  if (!esys) return std::unexpected(std::move(esys.error()));
  auto values = pcr_read(*esys, PcrSelection{PcrBank{TPM2_ALG_SHA256, {pcr}}});
  if (!values) return std::unexpected(std::move(values.error()));
  if (values->size() != 1 || (*values)[0].values.size() != 1)
    return fail(Code::Internal, "tpm: PCR_Read returned another selection than asked");
  return std::move((*values)[0].values[0].digest);
}

Result<void> attach_aael(Os& os, const ProviderConfig& cfg, nlohmann::json& evidence) {
  auto aael = read_file(os, cfg.aael_path, eventlog::kMaxAaelSize);
  if (!aael && aael.error().os_errno == ENOENT) return {};
  if (!aael) return std::unexpected(std::move(aael.error()).with_context("read AAEL"));
  auto log = eventlog::assemble_cc_eventlog(std::nullopt, *aael, HashAlg::Sha256);
  if (!log) return std::unexpected(std::move(log.error()));
  evidence["aa_eventlog"] = base64_encode(**log);
  return {};
}

}  // namespace attest::tpm
