#include "agent/measure/measurement_register.h"

#include <algorithm>

#include "providers/tpm/pcr.h"

namespace attest::measure {

namespace {

// The TEEs whose runtime register is a real (v)TPM PCR, with its locality rules.
bool extends_tpm_pcrs(TeeKind tee) {
  return tee == TeeKind::Tpm || tee == TeeKind::AzSnpVtpm || tee == TeeKind::AzTdxVtpm;
}

}  // namespace

unsigned default_measurement_pcr(TeeKind tee) noexcept { return extends_tpm_pcrs(tee) ? 23 : 17; }

std::string pcr_ranges(const std::vector<unsigned>& pcrs) {
  std::string out;
  for (std::size_t i = 0; i < pcrs.size();) {
    std::size_t j = i;
    while (j + 1 < pcrs.size() && pcrs[j + 1] == pcrs[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(pcrs[i]);
    if (j > i) out += "-" + std::to_string(pcrs[j]);
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

Result<std::optional<std::string>> check_measurement_register(const EvidenceProvider& provider,
                                                              unsigned pcr,
                                                              const std::string& tcti) {
  auto reg = provider.runtime_register(pcr);
  if (!reg) return std::unexpected(std::move(reg.error()));
  if (!extends_tpm_pcrs(provider.kind())) return std::nullopt;
  auto access = tpm::pcr_locality0_access(tcti);
  if (!access) return std::unexpected(std::move(access.error()));

  const auto has = [](const std::vector<unsigned>& v, unsigned p) {
    return std::find(v.begin(), v.end(), p) != v.end();
  };
  std::vector<unsigned> durable;  // extendable and not resettable at locality 0
  for (unsigned p : access->extendable)
    if (!has(access->resettable, p)) durable.push_back(p);
  const std::string name = std::string(provider.name()) + ": PCR " + std::to_string(pcr);
  if (!has(access->extendable, pcr))
    return fail(Code::FailedPrecondition,
                name +
                    " cannot be extended at locality 0 (the TPM reserves it for other "
                    "localities, e.g. DRTM); PCRs extendable and not resettable at locality 0 "
                    "are " +
                    pcr_ranges(durable) + ", resettable ones " + pcr_ranges(access->resettable) +
                    "; set [agent] measurement_pcr");
  if (has(access->resettable, pcr))
    return std::optional<std::string>(
        name +
        " can be reset at locality 0: anyone with access to the TPM can wipe the runtime "
        "measurements and replay a history of their choice; PCRs extendable and not "
        "resettable at locality 0 are " +
        pcr_ranges(durable) + " (a PCR the boot chain does not use is safer)");
  return std::nullopt;
}

}  // namespace attest::measure
