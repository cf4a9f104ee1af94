#include "providers/eventlog/cc_eventlog.h"

#include <algorithm>

#include "providers/eventlog/eventlog.h"

namespace attest::eventlog {
namespace {

void put_le32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_le16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

}  // namespace

Result<Bytes> trim_ccel(ByteView ccel) {
  auto log = parse_eventlog(ccel);
  if (!log) return std::unexpected(std::move(log.error()).with_context("CCEL"));
  if (log->format != Format::CryptoAgile)
    return fail(Code::Corrupt, "CCEL: no Spec ID Event03 header (not a crypto-agile log)");
  return Bytes(ccel.begin(), ccel.begin() + static_cast<std::ptrdiff_t>(log->used_size));
}

Bytes spec_id_header(HashAlg alg) {
  static constexpr std::string_view kSignature{"Spec ID Event03\0", 16};
  Bytes event(kSignature.begin(), kSignature.end());
  put_le32(event, 0);  // platformClass: client
  event.push_back(0);  // specVersionMinor
  event.push_back(2);  // specVersionMajor
  event.push_back(0);  // specErrata
  event.push_back(2);  // uintnSize: UINTN is 64-bit
  put_le32(event, 1);  // numberOfAlgorithms
  put_le16(event, tcg_id(alg));
  put_le16(event, static_cast<std::uint16_t>(digest_size(alg)));
  event.push_back(0);  // vendorInfoSize

  Bytes out;
  put_le32(out, 0);              // PCRIndex (upstream's header uses 0 too)
  put_le32(out, kEvNoAction);    // EventType
  out.insert(out.end(), 20, 0);  // the legacy SHA-1 digest slot, zero
  put_le32(out, static_cast<std::uint32_t>(event.size()));
  out.insert(out.end(), event.begin(), event.end());
  return out;
}

Result<std::optional<Bytes>> assemble_cc_eventlog(const std::optional<Bytes>& ccel,
                                                  const std::optional<Bytes>& aael,
                                                  HashAlg header_alg) {
  if (!ccel && !aael) return std::optional<Bytes>{};
  Bytes out;
  if (ccel) {
    auto trimmed = trim_ccel(*ccel);
    if (!trimmed) return std::unexpected(std::move(trimmed.error()));
    out = std::move(*trimmed);
  } else {
    out = spec_id_header(header_alg);
  }
  const std::size_t records_end = out.size() + (aael ? aael->size() : 0);
  if (aael) out.insert(out.end(), aael->begin(), aael->end());
  // A torn or foreign AAEL would make the verifier refuse the whole evidence: say so here.
  auto check = parse_eventlog(out);
  if (!check) return std::unexpected(std::move(check.error()).with_context("AAEL"));
  if (check->used_size != records_end)
    return fail(Code::Corrupt, "AAEL: the records end at offset " +
                                   std::to_string(check->used_size) + " of " +
                                   std::to_string(records_end) + " (padding inside the log)");
  out.insert(out.end(), kEndMarkerSize, 0xFF);
  return std::optional<Bytes>(std::move(out));
}

}  // namespace attest::eventlog
