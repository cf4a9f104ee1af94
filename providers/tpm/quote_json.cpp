// JSON view of a TPM2_Quote's TPMS_ATTEST for `attest-cli inspect`.
#include <nlohmann/json.hpp>

#include "providers/tpm/quote.h"

namespace attest::tpm {

nlohmann::json quote_info_to_json(const QuoteInfo& q) {
  return nlohmann::json{
      {"magic", "ff544347"},
      {"type", "attest_quote"},
      {"qualified_signer", hex_encode(q.qualified_signer)},
      {"extra_data", hex_encode(q.extra_data)},
      {"clock", q.clock},
      {"reset_count", q.reset_count},
      {"restart_count", q.restart_count},
      {"firmware_version", q.firmware_version},
      {"pcr_selection", pcr_selection_string(q.selection)},
      {"pcr_digest", hex_encode(q.pcr_digest)},
  };
}

}  // namespace attest::tpm
