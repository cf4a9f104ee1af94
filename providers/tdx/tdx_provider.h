// Intel TDX evidence: a DCAP quote through configfs-tsm (provider "tdx_guest"), plus the
// TDREPORT through /dev/tdx_guest for local use.
//
// Design: an Evidence of kind tdx always carries a quote, because that is the only thing a
// remote verifier (Trustee) can check; the TDREPORT is only MACed with a CPU key. So when
// configfs-tsm is absent, get_evidence() fails Unsupported ("no quote available ...") instead
// of returning a TDREPORT under a quote's name, and the TDREPORT stays available through
// tdx::get_tdreport() (e.g. for `inspect`, or for an Azure-style conversion elsewhere).
// cfg.prefer_configfs does not apply: configfs-tsm is the only upstream source of a quote.
// FIXME: /dev/tdx_guest quoting (TDX_CMD_GET_QUOTE) existed only in Intel's downstream
// kernels; upstream quoting is configfs-tsm only (v6.7+), so there is no ioctl fallback.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "providers/provider.h"

namespace attest {

// Registry entry: present if configfs-tsm is served by tdx_guest or /dev/tdx_guest exists.
ProviderInfo tdx_provider_info();

namespace tdx {

// The 1024-byte TDREPORT_STRUCT for report data (<= 64 bytes, zero-padded) via
// TDX_CMD_GET_REPORT0 on cfg.tdx_guest_device. NotFound if the device is missing.
[[nodiscard]] Result<Bytes> get_tdreport(Os& os, const ProviderConfig& cfg, ByteView report_data);

// Trustee's TdxEvidence JSON: {"cc_eventlog": <base64 event log or null>, "quote": <base64>}
// (standard alphabet, padded). The log is the trimmed CCEL + AAEL + end marker
// (providers/eventlog/cc_eventlog.h).
nlohmann::json evidence_json(ByteView quote, const std::optional<Bytes>& cc_eventlog);

}  // namespace tdx
}  // namespace attest
