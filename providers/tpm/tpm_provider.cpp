#include "providers/tpm/tpm_provider.h"

#include <algorithm>

#include "providers/tpm/ak.h"
#include "providers/tpm/esys.h"
#include "providers/tpm/pcr.h"
#include "providers/tpm/quote.h"
#include "providers/tpm/runtime_pcr.h"

namespace attest::tpm {
namespace {

// Event logs are at most a few hundred KiB; this bounds a hostile or runaway file.
constexpr std::size_t kMaxEventLog = 16u << 20;

Result<bool> detect_tpm(Os& os, const ProviderConfig& cfg) { return os.exists(cfg.tpm_device); }

Result<std::unique_ptr<EvidenceProvider>> create_tpm(Os& os, const ProviderConfig& cfg) {
  return std::make_unique<TpmProvider>(os, cfg);
}

}  // namespace

std::array<std::uint8_t, 32> tpm_nonce(ByteView report_data) {
  std::array<std::uint8_t, 32> nonce{};
  std::copy_n(report_data.begin(), std::min(report_data.size(), nonce.size()), nonce.begin());
  return nonce;
}

Result<Evidence> TpmProvider::get_evidence(ByteView report_data) {
  if (report_data.size() > kMaxReportData)
    return fail(Code::InvalidArgument, "tpm: report data is " + std::to_string(report_data.size()) +
                                           " bytes; the maximum is 64");
  auto esys = Esys::open(cfg_.tcti);
  if (!esys) return std::unexpected(std::move(esys.error()));
  auto key = open_ak(*esys, cfg_.tpm_ak_handle);
  if (!key) return std::unexpected(std::move(key.error()));
  // Trustee's tpm verifier checks RSASSA signatures only: an ECC AK's quote would be refused
  // there, after the whole handshake, with a less helpful message.
  if (key->pub.type != TPM2_ALG_RSA)
    return fail_tpm(Code::Unsupported,
                    "the AK at " + handle_hex(cfg_.tpm_ak_handle) +
                        " is not an RSA key; Trustee's tpm verifier accepts only RSASSA quotes "
                        "(replace it: 'attest-cli tpm provision-ak --alg rsa --force')");
  auto ak = public_to_spki_der(key->pub);
  if (!ak) return std::unexpected(std::move(ak.error()));
  const auto nonce = tpm_nonce(report_data);
  auto q = quote_sha256_pcrs(*esys, *key, nonce);
  if (!q) return std::unexpected(std::move(q.error()));

  Evidence ev;
  ev.tee = TeeKind::Tpm;
  nlohmann::json pcrs = nlohmann::json::array();
  for (const auto& p : q->pcrs) pcrs.push_back(hex_encode(p));
  ev.json = {{"ak_public", base64_encode(*ak)},
             {"tpm_quote",
              {{"signature", base64_encode(q->quote.signature)},
               {"message", base64_encode(q->quote.message)},
               {"pcrs", std::move(pcrs)}}}};
  ev.raw = std::move(q->quote.message);
  if (auto a = attach_aael(os_, cfg_, ev.json); !a)
    return std::unexpected(std::move(a.error()).with_context("tpm"));

  // The firmware event log lets a verifier explain the PCRs, but a quote without it is still
  // valid evidence: securityfs may be unmounted or root-only, and a vTPM may have no log.
  auto log = read_file(os_, cfg_.tpm_eventlog, kMaxEventLog);
  if (log) {
    ev.aux = std::move(*log);
    eventlog_note_.reset();
  } else {
    eventlog_note_ = std::move(log.error()).with_context("tpm: event log, ignoring");
  }
  return ev;
}

Result<void> TpmProvider::extend(unsigned pcr, ByteView digest) {
  ATTEST_TRY(sha256_pcr_register(pcr));
  auto esys = Esys::open(cfg_.tcti);
  if (!esys) return std::unexpected(std::move(esys.error()));
  return pcr_extend(*esys, pcr, digest);
}

Result<RuntimeRegister> TpmProvider::runtime_register(unsigned pcr) const {
  return sha256_pcr_register(pcr);
}

Result<Bytes> TpmProvider::read_register(unsigned pcr) { return read_sha256_pcr(cfg_.tcti, pcr); }

ProviderInfo tpm_provider_info() {
  return {TeeKind::Tpm,
          "TPM 2.0 quote of SHA-256 PCRs 0-23 by a persistent AK (tpm2-tss ESAPI; device from "
          "--tcti / ATTEST_TCTI)",
          detect_tpm, create_tpm};
}

}  // namespace attest::tpm
