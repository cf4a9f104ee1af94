#include "providers/azure/hcl_report.h"

#include "providers/tdx/abi.h"

#include <algorithm>
#include <string>

#include <openssl/evp.h>

#include "providers/snp/report.h"

namespace attest::azure {
namespace {

constexpr std::size_t kIgvmHeaderSize = 20;  // data_size .. var_data_size

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string_view report_type_name(std::uint32_t t) {
  switch (t) {
    case kIgvmReportTypeSnp:
      return "snp";
    case kIgvmReportTypeTdx:
      return "tdx";
    default:
      return "unknown";
  }
}

// IGVM report_data_hash_type -> OpenSSL digest (HCL: 1 SHA-256, 2 SHA-384, 3 SHA-512).
const EVP_MD* hash_for(std::uint32_t hash_type) {
  switch (hash_type) {
    case 1:
      return EVP_sha256();
    case 2:
      return EVP_sha384();
    case 3:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

std::string_view hash_name(std::uint32_t hash_type) {
  switch (hash_type) {
    case 1:
      return "sha256";
    case 2:
      return "sha384";
    case 3:
      return "sha512";
    default:
      return "unknown";
  }
}

// nlohmann::json::dump() throws on invalid UTF-8, so non-JSON var data is shown as text only
// when it is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points > U+10FFFF).
bool valid_utf8(ByteView b) {
  std::size_t i = 0;
  while (i < b.size()) {
    const std::uint8_t c = b[i];
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (b.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b[i + k] & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// The embedded TDREPORT decoded by the TDX parser, with its raw bytes and the two fields an
// operator compares first (the report data binding and MRTD) at the top.
nlohmann::json tdreport_json(ByteView td) {
  nlohmann::json j{{"tdreport", hex_encode(td)}};
  auto parsed = tdx::parse_tdreport(td);
  if (!parsed) {
    j["tdreport_error"] = parsed.error().message;
    return j;
  }
  j["report_data"] = hex_encode(parsed->report_data);
  j["mrtd"] = hex_encode(parsed->mr_td);
  j["fields"] = tdx::tdreport_to_json(*parsed);
  return j;
}

}  // namespace

Result<HclReport> parse_hcl_report(ByteView raw) {
  ByteReader in(raw, "hcl report");
  HclReport r;
  auto read32 = [&in](std::uint32_t& field) -> Result<void> {
    auto v = in.le32();
    if (!v) return std::unexpected(std::move(v.error()));
    field = *v;
    return {};
  };
  ATTEST_TRY(read32(r.signature));
  if (r.signature != kHclSignature)
    return fail(Code::Corrupt, "hcl report: bad signature at offset 0 (expected \"HCLA\")");
  ATTEST_TRY(read32(r.version));
  ATTEST_TRY(read32(r.report_size));
  ATTEST_TRY(read32(r.request_type));
  ATTEST_TRY(read32(r.status));
  // report_size covers the header, the hardware slot and the IGVM data; the NV index that holds
  // the report is larger and zero-padded, so bytes past report_size are ignored.
  if (r.report_size < kVarDataOffset || r.report_size > raw.size())
    return fail(Code::Corrupt, "hcl report: report_size " + num(r.report_size) +
                                   " at offset 8 is outside [" + num(kVarDataOffset) + ", " +
                                   num(raw.size()) + "]");
  ATTEST_TRY(in.seek(kHwReportOffset));
  auto slot = in.take(kHwReportSlot);
  if (!slot) return std::unexpected(std::move(slot.error()));
  IgvmRequestData& g = r.igvm;
  ATTEST_TRY(read32(g.data_size));
  ATTEST_TRY(read32(g.version));
  ATTEST_TRY(read32(g.report_type));
  ATTEST_TRY(read32(g.hash_type));
  ATTEST_TRY(read32(g.var_data_size));
  const std::uint64_t igvm_room = r.report_size - kIgvmOffset;
  if (g.data_size < kIgvmHeaderSize || g.data_size > igvm_room)
    return fail(Code::Corrupt, "hcl report: IGVM data_size " + num(g.data_size) +
                                   " at offset 1216 does not fit report_size " +
                                   num(r.report_size));
  if (g.var_data_size > g.data_size - kIgvmHeaderSize)
    return fail(Code::Corrupt, "hcl report: variable_data_size " + num(g.var_data_size) +
                                   " at offset 1232 exceeds IGVM data_size " + num(g.data_size));
  auto var = in.take(g.var_data_size);
  if (!var) return std::unexpected(std::move(var.error()));
  g.var_data.assign(var->begin(), var->end());

  switch (g.report_type) {
    case kIgvmReportTypeSnp:
      r.hw_report.assign(slot->begin(), slot->end());
      break;
    case kIgvmReportTypeTdx:
      // The TDREPORT (1024 bytes) sits at the start of the 1184-byte slot, padded with zeros.
      r.hw_report.assign(slot->begin(), slot->begin() + kTdReportSize);
      break;
    default:
      return fail(Code::Unsupported, "hcl report: IGVM report_type " + num(g.report_type) +
                                         " at offset 1224 (known: 2 SNP, 4 TDX)");
  }
  return r;
}

HclTee hcl_tee(const HclReport& r) {
  return r.igvm.report_type == kIgvmReportTypeTdx ? HclTee::Tdx : HclTee::Snp;
}

std::array<std::uint8_t, 64> hcl_hw_report_data(const HclReport& r) {
  const std::size_t off =
      hcl_tee(r) == HclTee::Tdx ? tdx::kTdReportDataOffset : snp::kReportDataOffset;
  std::array<std::uint8_t, 64> out{};
  // parse_hcl_report guarantees hw_report is 1024 or 1184 bytes; be safe for hand-built values.
  if (r.hw_report.size() >= off + out.size())
    std::copy_n(r.hw_report.begin() + static_cast<long>(off), out.size(), out.begin());
  return out;
}

Result<bool> hcl_binding_ok(const HclReport& r) {
  const EVP_MD* md = hash_for(r.igvm.hash_type);
  if (md == nullptr)
    return fail(Code::Unsupported,
                "hcl report: unknown report_data hash type " + num(r.igvm.hash_type));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(r.igvm.var_data.data(), r.igvm.var_data.size(), digest, &len, md, nullptr) != 1)
    return fail(Code::Internal, "hcl report: hashing the variable data failed");
  const auto report_data = hcl_hw_report_data(r);
  return std::equal(digest, digest + len, report_data.begin());
}

nlohmann::json hcl_report_to_json(const HclReport& r) {
  using nlohmann::json;
  const IgvmRequestData& g = r.igvm;
  json j = {{"signature", "HCLA"},
            {"version", r.version},
            {"report_size", r.report_size},
            {"request_type", r.request_type},
            {"status", r.status},
            {"igvm",
             {{"data_size", g.data_size},
              {"version", g.version},
              {"report_type", g.report_type},
              {"report_type_name", report_type_name(g.report_type)},
              {"hash_type", g.hash_type},
              {"hash_type_name", hash_name(g.hash_type)},
              {"var_data_size", g.var_data_size}}}};

  const std::string text = to_string(g.var_data);
  json var = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!var.is_discarded()) {
    j["var_data"] = std::move(var);
  } else if (valid_utf8(g.var_data)) {
    j["var_data_text"] = text;
  } else {
    j["var_data_hex"] = hex_encode(g.var_data);
  }

  auto binding = hcl_binding_ok(r);
  j["binding_ok"] = binding ? json(*binding) : json(nullptr);

  if (hcl_tee(r) == HclTee::Tdx) {
    if (r.hw_report.size() == kTdReportSize) j["tdx_report"] = tdreport_json(r.hw_report);
  } else {
    auto snp_report = snp::parse_report(r.hw_report);
    if (snp_report) {
      j["snp_report"] = snp::report_to_json(*snp_report);
    } else {
      j["snp_report_error"] = snp_report.error().message;
    }
  }
  return j;
}

}  // namespace attest::azure
