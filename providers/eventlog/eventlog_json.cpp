// Names and the JSON view of a parsed event log (for `attest-cli inspect`).
#include <algorithm>
#include <array>
#include <string>

#include "providers/eventlog/eventlog.h"

namespace attest::eventlog {
namespace {

struct TypeName {
  std::uint32_t type;
  std::string_view name;
};
// TCG PC Client Platform Firmware Profile §10.4.1, Table 9 (event types).
constexpr std::array<TypeName, 39> kTypeNames{{
    {0x00000000, "EV_PREBOOT_CERT"},
    {0x00000001, "EV_POST_CODE"},
    {0x00000002, "EV_UNUSED"},
    {0x00000003, "EV_NO_ACTION"},
    {0x00000004, "EV_SEPARATOR"},
    {0x00000005, "EV_ACTION"},
    {0x00000006, "EV_EVENT_TAG"},
    {0x00000007, "EV_S_CRTM_CONTENTS"},
    {0x00000008, "EV_S_CRTM_VERSION"},
    {0x00000009, "EV_CPU_MICROCODE"},
    {0x0000000A, "EV_PLATFORM_CONFIG_FLAGS"},
    {0x0000000B, "EV_TABLE_OF_DEVICES"},
    {0x0000000C, "EV_COMPACT_HASH"},
    {0x0000000D, "EV_IPL"},
    {0x0000000E, "EV_IPL_PARTITION_DATA"},
    {0x0000000F, "EV_NONHOST_CODE"},
    {0x00000010, "EV_NONHOST_CONFIG"},
    {0x00000011, "EV_NONHOST_INFO"},
    {0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {0x00000013, "EV_POST_CODE2"},
    {0x80000000, "EV_EFI_EVENT_BASE"},
    {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {0x80000002, "EV_EFI_VARIABLE_BOOT"},
    {0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {0x80000006, "EV_EFI_GPT_EVENT"},
    {0x80000007, "EV_EFI_ACTION"},
    {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {0x80000009, "EV_EFI_HANDOFF_TABLES"},
    {0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {0x8000000B, "EV_EFI_HANDOFF_TABLES2"},
    {0x8000000C, "EV_EFI_VARIABLE_BOOT2"},
    {0x8000000D, "EV_EFI_GPT_EVENT2"},
    {0x80000010, "EV_EFI_HCRTM_EVENT"},
    {0x800000E0, "EV_EFI_VARIABLE_AUTHORITY"},
    {0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
    {0x800000E3, "EV_EFI_SPDM_DEVICE_POLICY"},
}};

// Text-like event data (EV_EFI_ACTION strings, grub command lines) is shown as text: printable
// ASCII, optionally NUL-terminated, and short enough to read.
std::optional<std::string> as_text(const Bytes& data) {
  constexpr std::size_t kMaxText = 1024;
  std::size_t n = data.size();
  while (n > 0 && data[n - 1] == 0) --n;
  if (n == 0 || n > kMaxText) return std::nullopt;
  const bool printable = std::all_of(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n),
                                     [](std::uint8_t c) { return c >= 0x20 && c < 0x7F; });
  if (!printable) return std::nullopt;
  return std::string(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
}

std::string alg_key(std::uint16_t alg) {
  const auto known = hash_alg_from_tcg(alg);
  return known ? std::string(hash_alg_name(*known)) : "alg_" + std::to_string(alg);
}

}  // namespace

std::string_view event_type_name(std::uint32_t type) {
  for (const auto& t : kTypeNames)
    if (t.type == type) return t.name;
  return {};
}

std::string register_name(std::uint32_t index, bool ccel) {
  if (!ccel) return "pcr" + std::to_string(index);
  if (index == 0) return "mrtd";
  if (index <= 4) return "rtmr" + std::to_string(index - 1);
  return "ccmr" + std::to_string(index);
}

nlohmann::json eventlog_to_json(const EventLog& log, bool ccel) {
  nlohmann::json j;
  j["format"] = log.format == Format::LegacySha1 ? "tcg1.2-sha1" : ccel ? "ccel" : "tcg2";
  nlohmann::json algs = nlohmann::json::array();
  for (const auto& a : log.spec.algorithms)
    algs.push_back({{"id", a.id}, {"name", alg_key(a.id)}, {"digest_size", a.digest_size}});
  j["spec_id"] = {{"platform_class", log.spec.platform_class},
                  {"spec_version", std::to_string(log.spec.version_major) + "." +
                                       std::to_string(log.spec.version_minor)},
                  {"errata", log.spec.errata},
                  {"uintn_size", log.spec.uintn_size},
                  {"algorithms", std::move(algs)},
                  {"vendor_info", hex_encode(log.spec.vendor_info)}};
  if (log.startup_locality) j["startup_locality"] = *log.startup_locality;
  j["event_count"] = log.events.size();
  j["used_size"] = log.used_size;

  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : log.events) {
    nlohmann::json ev;
    ev["offset"] = e.offset;
    ev["index"] = e.index;
    ev["register"] = register_name(e.index, ccel);
    ev["type"] = e.type;
    const std::string_view name = event_type_name(e.type);
    ev["type_name"] = name.empty() ? "unknown" : std::string(name);
    nlohmann::json digests = nlohmann::json::object();
    for (const auto& d : e.digests) digests[alg_key(d.alg)] = hex_encode(d.value);
    ev["digests"] = std::move(digests);
    ev["data_size"] = e.data.size();
    if (auto text = as_text(e.data)) ev["data_text"] = *text;
    events.push_back(std::move(ev));
  }
  j["events"] = std::move(events);

  nlohmann::json replayed = nlohmann::json::object();
  for (const auto& [alg, regs] : replay(log)) {
    nlohmann::json bank = nlohmann::json::object();
    for (const auto& [index, value] : regs) bank[register_name(index, ccel)] = hex_encode(value);
    replayed[alg_key(alg)] = std::move(bank);
  }
  j["replayed"] = std::move(replayed);
  return j;
}

}  // namespace attest::eventlog
