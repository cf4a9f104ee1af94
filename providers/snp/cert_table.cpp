#include "providers/snp/cert_table.h"

#include <algorithm>
#include <string>
#include <utility>

#include <openssl/sha.h>

namespace attest::snp {
namespace {

bool all_zero(ByteView b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t v) { return v == 0; });
}

// The unit-variant spelling of virtee/sev's CertType for well-known GUIDs, empty otherwise.
std::string_view known_type(const Guid& guid) {
  if (guid == kVcekGuid) return "VCEK";
  if (guid == kVlekGuid) return "VLEK";
  if (guid == kAskGuid) return "ASK";
  if (guid == kArkGuid) return "ARK";
  if (guid == kCrlGuid) return "CRL";
  return {};
}

std::string entry_where(std::size_t index) {
  return "snp cert table: entry " + std::to_string(index) + " at offset " +
         std::to_string(index * kCertEntrySize);
}

}  // namespace

std::string guid_to_string(const Guid& guid) {
  const std::string h = hex_encode(guid);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string cert_type_name(const Guid& guid) {
  const std::string_view known = known_type(guid);
  return known.empty() ? guid_to_string(guid) : std::string(known);
}

Result<std::vector<CertEntry>> parse_cert_table(ByteView table) {
  // The kernel zeroes the buffer when the host supplies no certificates.
  if (all_zero(table)) return std::vector<CertEntry>{};

  struct Raw {
    Guid guid;
    std::uint32_t offset;
    std::uint32_t length;
    std::size_t index;
  };
  std::vector<Raw> raw;
  ByteReader in(table, "snp cert table");
  for (;;) {
    const std::size_t index = raw.size();
    if (in.remaining() < kCertEntrySize)
      return fail(Code::Corrupt, entry_where(index) + ": no all-zero terminator entry");
    auto bytes = in.take(kCertEntrySize);
    if (!bytes) return std::unexpected(std::move(bytes.error()));
    if (all_zero(*bytes)) break;
    Raw e{};
    std::copy_n(bytes->begin(), e.guid.size(), e.guid.begin());
    e.offset = load_le32(bytes->data() + 16);
    e.length = load_le32(bytes->data() + 20);
    e.index = index;
    if (all_zero(e.guid))
      return fail(Code::Corrupt, entry_where(index) + ": zero GUID with a non-zero offset/length");
    raw.push_back(e);
  }

  // Certificates live after the entry array (terminator included), inside the buffer, and do
  // not overlap: anything else means a confused or hostile host.
  const std::size_t entries_end = in.offset();
  for (const Raw& e : raw) {
    const std::string where = entry_where(e.index) + " (" + cert_type_name(e.guid) + ")";
    if (e.length == 0) return fail(Code::Corrupt, where + ": zero-length certificate");
    if (e.offset < entries_end)
      return fail(Code::Corrupt, where + ": certificate offset " + std::to_string(e.offset) +
                                     " points into the entry array (ends at " +
                                     std::to_string(entries_end) + ")");
    if (e.offset > table.size() || table.size() - e.offset < e.length)
      return fail(Code::Corrupt, where + ": certificate [" + std::to_string(e.offset) + ", +" +
                                     std::to_string(e.length) + ") exceeds the table size " +
                                     std::to_string(table.size()));
  }
  std::vector<const Raw*> by_offset;
  for (const Raw& e : raw) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Raw* a, const Raw* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const Raw& prev = *by_offset[i - 1];
    const Raw& cur = *by_offset[i];
    // Both ranges are inside the table, so the sum cannot overflow std::size_t.
    if (static_cast<std::size_t>(prev.offset) + prev.length > cur.offset)
      return fail(Code::Corrupt, entry_where(cur.index) + ": certificate overlaps entry " +
                                     std::to_string(prev.index));
  }

  std::vector<CertEntry> out;
  out.reserve(raw.size());
  for (const Raw& e : raw) {
    const ByteView der = table.subspan(e.offset, e.length);
    out.push_back(CertEntry{e.guid, Bytes(der.begin(), der.end())});
  }
  return out;
}

Bytes build_cert_table(const std::vector<CertEntry>& entries) {
  std::size_t at = (entries.size() + 1) * kCertEntrySize;
  std::size_t total = at;
  for (const CertEntry& e : entries) total += e.der.size();
  Bytes out(total, 0);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::uint8_t* slot = out.data() + i * kCertEntrySize;
    std::copy(entries[i].guid.begin(), entries[i].guid.end(), slot);
    store_le32(slot + 16, static_cast<std::uint32_t>(at));
    store_le32(slot + 20, static_cast<std::uint32_t>(entries[i].der.size()));
    std::copy(entries[i].der.begin(), entries[i].der.end(), out.begin() + static_cast<long>(at));
    at += entries[i].der.size();
  }
  return out;
}

// virtee/sev CertTableEntry {cert_type: CertType, data: Vec<u8>} (src/firmware/host/types/snp.rs,
// v6.3.0 and HEAD). CertType is an externally tagged enum: unit variants serialize as their name,
// OTHER(uuid::Uuid) as {"OTHER": "<hyphenated lowercase uuid>"}.
nlohmann::json cert_chain_to_trustee_json(const std::vector<CertEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const CertEntry& e : entries) {
    const std::string_view known = known_type(e.guid);
    nlohmann::json type = known.empty() ? nlohmann::json{{"OTHER", guid_to_string(e.guid)}}
                                        : nlohmann::json(std::string(known));
    out.push_back({{"cert_type", std::move(type)}, {"data", e.der}});
  }
  return out;
}

nlohmann::json cert_table_to_json(const std::vector<CertEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const CertEntry& e : entries) {
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(e.der.data(), e.der.size(), digest);
    out.push_back({{"type", cert_type_name(e.guid)},
                   {"guid", guid_to_string(e.guid)},
                   {"size", e.der.size()},
                   {"sha256", hex_encode(digest)}});
  }
  return out;
}

}  // namespace attest::snp
