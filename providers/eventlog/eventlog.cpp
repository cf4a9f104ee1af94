#include "providers/eventlog/eventlog.h"

#include <algorithm>
#include <string>
#include <utility>

namespace attest::eventlog {
namespace {

constexpr std::string_view kWhat = "event log";
constexpr std::string_view kSpecIdSignature{"Spec ID Event03\0", 16};
constexpr std::string_view kStartupLocalitySignature{"StartupLocality\0", 16};
constexpr std::size_t kLegacyDigestSize = 20;  // TCG_PCR_EVENT carries one SHA-1 digest

std::unexpected<Error> corrupt(std::string msg) {
  return fail(Code::Corrupt, std::string(kWhat) + ": " + std::move(msg));
}

std::string at(std::size_t offset) { return " at offset " + std::to_string(offset); }

// Parses the TCG_EfiSpecIDEvent body at the reader's position, leaving the reader after it. The
// structure may extend past EventSize: tpm2-tools (and its specid-vendordata fixture) put
// vendorInfo after an EventSize that stops at vendorInfoSize, so the structure, not EventSize,
// says where the next record starts.
[[nodiscard]] Result<void> read_spec_id(ByteReader& r, SpecId& spec) {
  const std::size_t base = r.offset();
  ATTEST_TRY(r.skip(kSpecIdSignature.size()));
  auto platform = r.le32();
  if (!platform) return std::unexpected(std::move(platform.error()));
  spec.platform_class = *platform;
  auto minor = r.u8();
  auto major = r.u8();
  auto errata = r.u8();
  auto uintn = r.u8();
  if (!minor || !major || !errata || !uintn) return corrupt("Spec ID header truncated" + at(base));
  spec.version_minor = *minor;
  spec.version_major = *major;
  spec.errata = *errata;
  spec.uintn_size = *uintn;
  auto count = r.le32();
  if (!count) return std::unexpected(std::move(count.error()));
  if (*count == 0) return corrupt("Spec ID event lists no algorithms" + at(base + 24));
  for (std::uint32_t i = 0; i < *count; ++i) {
    const std::size_t alg_at = r.offset();
    auto id = r.le16();
    if (!id) return std::unexpected(std::move(id.error()));
    auto size = r.le16();
    if (!size) return std::unexpected(std::move(size.error()));
    const auto alg = hash_alg_from_tcg(*id);
    const std::size_t known = alg ? digest_size(*alg) : 0;
    if (*size == 0 || (known != 0 && known != *size))
      return corrupt("Spec ID algorithm " + std::to_string(*id) + " has digest size " +
                     std::to_string(*size) + at(alg_at));
    for (const auto& a : spec.algorithms)
      if (a.id == *id)
        return corrupt("Spec ID lists algorithm " + std::to_string(*id) + " twice" + at(alg_at));
    spec.algorithms.push_back({*id, *size});
  }
  auto vendor_size = r.u8();
  if (!vendor_size) return std::unexpected(std::move(vendor_size.error()));
  auto vendor = r.take(*vendor_size);
  if (!vendor) return std::unexpected(std::move(vendor.error()));
  spec.vendor_info.assign(vendor->begin(), vendor->end());
  return {};
}

// Reads the first record. True (and the reader past it) when it is the crypto-agile Spec ID
// Event03 header; false for a legacy log, whose first record is an ordinary SHA-1 event.
[[nodiscard]] Result<bool> read_spec_id_record(ByteReader& r, EventLog& log) {
  auto index = r.le32();
  if (!index) return std::unexpected(std::move(index.error()));
  auto type = r.le32();
  if (!type) return std::unexpected(std::move(type.error()));
  ATTEST_TRY(r.skip(kLegacyDigestSize));
  auto size = r.le32();
  if (!size) return std::unexpected(std::move(size.error()));
  const std::size_t data_at = r.offset();
  const ByteView rest = r.rest();
  if (*type != kEvNoAction || rest.size() < kSpecIdSignature.size() ||
      !std::equal(kSpecIdSignature.begin(), kSpecIdSignature.end(), rest.begin()))
    return false;
  log.spec.index = *index;
  ByteReader spec(r.whole(), "event log Spec ID event");
  ATTEST_TRY(spec.seek(data_at));
  ATTEST_TRY(read_spec_id(spec, log.spec));
  const std::size_t used = spec.offset() - data_at;
  if (used < *size)
    return corrupt("Spec ID event size " + std::to_string(*size) + " leaves " +
                   std::to_string(*size - used) + " unexplained bytes" + at(spec.offset()));
  ATTEST_TRY(r.seek(spec.offset()));
  return true;
}

// The unused tail of a CCEL log area is 0xFF (0x00 with some tools).
bool at_padding(ByteView rest) {
  const ByteView head = rest.first(std::min<std::size_t>(rest.size(), 8));
  return std::all_of(head.begin(), head.end(), [](std::uint8_t b) { return b == 0xFF; }) ||
         std::all_of(head.begin(), head.end(), [](std::uint8_t b) { return b == 0x00; });
}

[[nodiscard]] Result<Event> read_event(ByteReader& r, const SpecId& spec) {
  Event e;
  e.offset = r.offset();
  auto fail_at = [&](std::string_view what) {
    return corrupt("event " + std::string(what) + " truncated" + at(r.offset()) +
                   " (record at offset " + std::to_string(e.offset) + ")");
  };
  auto index = r.le32();
  if (!index) return fail_at("header");
  auto type = r.le32();
  if (!type) return fail_at("header");
  e.index = *index;
  e.type = *type;
  auto count = r.le32();
  if (!count) return fail_at("digest count");
  if (*count > spec.algorithms.size())
    return corrupt("event has " + std::to_string(*count) + " digests but the Spec ID lists " +
                   std::to_string(spec.algorithms.size()) + " algorithms" + at(e.offset + 8));
  for (std::uint32_t i = 0; i < *count; ++i) {
    const std::size_t alg_at = r.offset();
    auto alg = r.le16();
    if (!alg) return fail_at("digest algorithm");
    auto it = std::find_if(spec.algorithms.begin(), spec.algorithms.end(),
                           [&](const AlgorithmSize& a) { return a.id == *alg; });
    if (it == spec.algorithms.end())
      return corrupt("digest algorithm " + std::to_string(*alg) + " is not in the Spec ID table" +
                     at(alg_at));
    for (const auto& d : e.digests)
      if (d.alg == *alg)
        return corrupt("digest algorithm " + std::to_string(*alg) + " repeated" + at(alg_at));
    auto value = r.take(it->digest_size);
    if (!value) return fail_at("digest");
    e.digests.push_back({*alg, Bytes(value->begin(), value->end())});
  }
  auto size = r.le32();
  if (!size) return fail_at("data size");
  auto data = r.take(*size);
  if (!data) return fail_at("data");
  e.data.assign(data->begin(), data->end());
  return e;
}

// TCG_PCR_EVENT (TCG 1.2 / legacy EFI logs): index, type, SHA-1 digest, size, data.
[[nodiscard]] Result<Event> read_legacy_event(ByteReader& r) {
  Event e;
  e.offset = r.offset();
  auto fail_at = [&](std::string_view what) {
    return corrupt("legacy event " + std::string(what) + " truncated" + at(r.offset()) +
                   " (record at offset " + std::to_string(e.offset) + ")");
  };
  auto index = r.le32();
  if (!index) return fail_at("header");
  auto type = r.le32();
  if (!type) return fail_at("header");
  auto digest = r.take(kLegacyDigestSize);
  if (!digest) return fail_at("digest");
  auto size = r.le32();
  if (!size) return fail_at("data size");
  auto data = r.take(*size);
  if (!data) return fail_at("data");
  e.index = *index;
  e.type = *type;
  e.digests.push_back({tcg_id(HashAlg::Sha1), Bytes(digest->begin(), digest->end())});
  e.data.assign(data->begin(), data->end());
  return e;
}

std::optional<std::uint8_t> startup_locality_of(const Event& e) {
  if (e.type != kEvNoAction || e.index != 0 || e.data.size() < kStartupLocalitySignature.size() + 1)
    return std::nullopt;
  if (!std::equal(kStartupLocalitySignature.begin(), kStartupLocalitySignature.end(),
                  e.data.begin()))
    return std::nullopt;
  return e.data[kStartupLocalitySignature.size()];
}

}  // namespace

Result<EventLog> parse_eventlog(ByteView in) {
  EventLog log;
  ByteReader r(in, kWhat);
  if (in.empty() || at_padding(in)) return corrupt("no event log: the data is empty or padding");
  auto agile = read_spec_id_record(r, log);
  if (!agile) return std::unexpected(std::move(agile.error()));
  if (!*agile) {
    log.format = Format::LegacySha1;
    log.spec.algorithms = {{tcg_id(HashAlg::Sha1), static_cast<std::uint16_t>(kLegacyDigestSize)}};
    ATTEST_TRY(r.seek(0));
  }
  while (r.remaining() != 0 && !at_padding(r.rest())) {
    auto e = *agile ? read_event(r, log.spec) : read_legacy_event(r);
    if (!e) return std::unexpected(std::move(e.error()));
    if (!log.startup_locality) log.startup_locality = startup_locality_of(*e);
    log.events.push_back(std::move(*e));
  }
  log.used_size = r.offset();
  return log;
}

std::map<std::uint16_t, std::map<std::uint32_t, Bytes>> replay(const EventLog& log) {
  // TPM library spec Part 1 §34.3: after an H-CRTM sequence PCR 0 starts at locality 4;
  // otherwise at the StartupLocality event's value (0 when there is none).
  std::uint8_t pcr0_start = log.startup_locality.value_or(0);
  for (const auto& e : log.events)
    if (e.type == kEvEfiHcrtmEvent && e.index == 0) pcr0_start = 4;

  std::map<std::uint16_t, std::map<std::uint32_t, Bytes>> banks;
  std::vector<std::uint16_t> broken;  // algorithms OpenSSL cannot hash
  for (const auto& e : log.events) {
    if (e.type == kEvNoAction) continue;
    for (const auto& d : e.digests) {
      auto& bank = banks[d.alg];
      auto [reg, fresh] = bank.try_emplace(e.index, Bytes(d.value.size(), 0));
      if (fresh && e.index == 0 && !reg->second.empty()) reg->second.back() = pcr0_start;
      Bytes input = reg->second;
      input.insert(input.end(), d.value.begin(), d.value.end());
      const auto alg = hash_alg_from_tcg(d.alg);
      auto h = alg ? digest(*alg, input) : fail(Code::Unsupported, "unknown algorithm");
      if (!h) {
        broken.push_back(d.alg);
        continue;
      }
      reg->second = std::move(*h);
    }
  }
  for (auto alg : broken) banks.erase(alg);
  return banks;
}

}  // namespace attest::eventlog
