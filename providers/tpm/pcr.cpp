#include "providers/tpm/pcr.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "common/digest.h"

namespace attest::tpm {
namespace {

Result<unsigned> parse_index(std::string_view s) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v >= kPcrCount)
    return fail(Code::InvalidArgument,
                "PCR index '" + std::string(s) + "' is not a number from 0 to 23");
  return v;
}

std::vector<unsigned> all_indices() {
  std::vector<unsigned> v(kPcrCount);
  for (unsigned i = 0; i < kPcrCount; ++i) v[i] = i;
  return v;
}

Result<PcrBank> parse_bank_spec(std::string_view spec) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos)
    return fail(Code::InvalidArgument,
                "PCR selection '" + std::string(spec) + "' is not BANK:LIST (e.g. sha256:0,1,7)");
  auto alg = parse_bank(spec.substr(0, colon));
  if (!alg) return std::unexpected(std::move(alg.error()));
  PcrBank bank{*alg, {}};
  std::string_view list = spec.substr(colon + 1);
  if (list == "all") {
    bank.indices = all_indices();
    return bank;
  }
  while (true) {
    const auto comma = list.find(',');
    auto index = parse_index(list.substr(0, comma));
    if (!index) return std::unexpected(std::move(index.error()));
    bank.indices.push_back(*index);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  std::sort(bank.indices.begin(), bank.indices.end());
  bank.indices.erase(std::unique(bank.indices.begin(), bank.indices.end()), bank.indices.end());
  return bank;
}

bool selected(const TPMS_PCR_SELECTION& s, unsigned index) {
  return index / 8 < s.sizeofSelect && (s.pcrSelect[index / 8] & (1u << (index % 8))) != 0;
}

}  // namespace

// TPM2_ALG_* and the TCG ids of common/digest.h are the same registry.
static_assert(TPM2_ALG_SHA256 == tcg_id(HashAlg::Sha256) &&
              TPM2_ALG_SM3_256 == tcg_id(HashAlg::Sm3_256));

Result<TPMI_ALG_HASH> parse_bank(std::string_view name) {
  auto alg = parse_hash_alg(name);
  if (!alg) return fail(Code::InvalidArgument, "unknown PCR bank: " + alg.error().message);
  return tcg_id(*alg);
}

std::string bank_name(TPMI_ALG_HASH alg) {
  const auto known = hash_alg_from_tcg(alg);
  return known ? std::string(hash_alg_name(*known)) : "alg-" + handle_hex(alg);
}

Result<PcrSelection> parse_pcr_selection(std::string_view spec) {
  PcrSelection sel;
  while (true) {
    const auto plus = spec.find('+');
    auto bank = parse_bank_spec(spec.substr(0, plus));
    if (!bank) return std::unexpected(std::move(bank.error()));
    for (const auto& b : sel)
      if (b.alg == bank->alg)
        return fail(Code::InvalidArgument, "PCR bank " + bank_name(b.alg) + " is selected twice");
    sel.push_back(std::move(*bank));
    if (plus == std::string_view::npos) break;
    spec.remove_prefix(plus + 1);
  }
  return sel;
}

std::string pcr_selection_string(const PcrSelection& sel) {
  std::string out;
  for (const auto& b : sel) {
    if (!out.empty()) out += '+';
    // Appended piece by piece: `std::string&& + char` makes GCC 12's -O2/-O3 inliner report a
    // false -Wrestrict overlap inside libstdc++ (GCC bug 105651, fixed in GCC 13).
    out += bank_name(b.alg);
    out += ':';
    if (b.indices == all_indices()) {
      out += "all";
      continue;
    }
    for (std::size_t i = 0; i < b.indices.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(b.indices[i]);
    }
  }
  return out;
}

PcrSelection sha256_all_pcrs() { return {PcrBank{TPM2_ALG_SHA256, all_indices()}}; }

Result<TPML_PCR_SELECTION> to_tpml(const PcrSelection& sel) {
  TPML_PCR_SELECTION out{};
  if (sel.size() > TPM2_NUM_PCR_BANKS)
    return fail(Code::InvalidArgument, "too many PCR banks selected (" +
                                           std::to_string(sel.size()) + ", the TPM takes " +
                                           std::to_string(TPM2_NUM_PCR_BANKS) + ")");
  for (const auto& b : sel) {
    TPMS_PCR_SELECTION& s = out.pcrSelections[out.count++];
    s.hash = b.alg;
    s.sizeofSelect = 3;
    for (unsigned i : b.indices) {
      if (i >= kPcrCount)
        return fail(Code::InvalidArgument, "PCR index " + std::to_string(i) + " is out of range");
      s.pcrSelect[i / 8] |= static_cast<BYTE>(1u << (i % 8));
    }
  }
  return out;
}

Result<PcrSelection> allocated_pcr_banks(Esys& esys) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  const TSS2_RC rc = Esys_GetCapability(esys.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        TPM2_CAP_PCRS, 0, 1, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "GetCapability(PCRS)");
  PcrSelection out;
  const TPML_PCR_SELECTION& assigned = data->data.assignedPCR;
  for (UINT32 i = 0; i < assigned.count && i < TPM2_NUM_PCR_BANKS; ++i) {
    PcrBank bank{assigned.pcrSelections[i].hash, {}};
    for (unsigned p = 0; p < kPcrCount; ++p)
      if (selected(assigned.pcrSelections[i], p)) bank.indices.push_back(p);
    if (!bank.indices.empty()) out.push_back(std::move(bank));
  }
  return out;
}

Result<std::vector<PcrBankValues>> pcr_read(Esys& esys, const PcrSelection& sel) {
  auto pending = to_tpml(sel);
  if (!pending) return std::unexpected(std::move(pending.error()));
  std::vector<PcrBankValues> out;
  for (const auto& b : sel) out.push_back({b.alg, {}});
  // Values arrive per call in selection order (bank, then ascending index); collect them by
  // (bank, index) and order them at the end.
  std::vector<std::vector<Bytes>> by_index(sel.size(), std::vector<Bytes>(kPcrCount));

  auto remaining = [&] {
    for (UINT32 i = 0; i < pending->count; ++i)
      for (BYTE byte : pending->pcrSelections[i].pcrSelect)
        if (byte != 0) return true;
    return false;
  };
  while (remaining()) {
    UINT32 counter = 0;
    TPML_PCR_SELECTION* out_sel_raw = nullptr;
    TPML_DIGEST* values_raw = nullptr;
    const TSS2_RC rc = Esys_PCR_Read(esys.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     &*pending, &counter, &out_sel_raw, &values_raw);
    EsysPtr<TPML_PCR_SELECTION> out_sel(out_sel_raw);
    EsysPtr<TPML_DIGEST> values(values_raw);
    if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "PCR_Read");
    if (values->count == 0) {
      // The TPM leaves out banks it has not allocated; asking again would loop forever.
      std::string missing;
      for (UINT32 i = 0; i < pending->count; ++i)
        for (BYTE byte : pending->pcrSelections[i].pcrSelect)
          if (byte != 0) {
            missing = bank_name(pending->pcrSelections[i].hash);
            break;
          }
      return fail_tpm(Code::NotFound, "PCR bank " + missing + " is not allocated on this TPM");
    }
    UINT32 next = 0;
    for (UINT32 s = 0; s < out_sel->count; ++s) {
      const TPMS_PCR_SELECTION& got = out_sel->pcrSelections[s];
      std::size_t bank = sel.size();
      for (std::size_t b = 0; b < sel.size(); ++b)
        if (sel[b].alg == got.hash) bank = b;
      for (unsigned p = 0; p < kPcrCount; ++p) {
        if (!selected(got, p)) continue;
        if (next >= values->count || bank == sel.size())
          return fail_tpm(Code::Corrupt, "PCR_Read returned fewer digests than it selected");
        const TPM2B_DIGEST& d = values->digests[next++];
        by_index[bank][p].assign(d.buffer, d.buffer + d.size);
        pending->pcrSelections[bank].pcrSelect[p / 8] &= static_cast<BYTE>(~(1u << (p % 8)));
      }
    }
  }
  for (std::size_t b = 0; b < sel.size(); ++b)
    for (unsigned p : sel[b].indices) out[b].values.push_back({p, std::move(by_index[b][p])});
  return out;
}

Result<PcrLocalityAccess> pcr_locality0_access(Esys& esys) {
  const auto pcrs_in = [](const TPMS_TAGGED_PCR_SELECT& s) {
    std::vector<unsigned> out;
    for (unsigned p = 0; p < kPcrCount; ++p)
      if (p / 8 < s.sizeofSelect && (s.pcrSelect[p / 8] & (1u << (p % 8))) != 0) out.push_back(p);
    return out;
  };
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* raw = nullptr;
  // The properties from TPM_PT_PCR_EXTEND_L0 on, two of them: EXTEND_L0 (1) and RESET_L0 (2).
  const TSS2_RC rc =
      Esys_GetCapability(esys.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                         TPM2_CAP_PCR_PROPERTIES, TPM2_PT_PCR_EXTEND_L0, 2, &more, &raw);
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "GetCapability(PCR_PROPERTIES)");
  PcrLocalityAccess access;
  bool extend_listed = false;
  const TPML_TAGGED_PCR_PROPERTY& props = data->data.pcrProperties;
  for (UINT32 i = 0; i < props.count && i < TPM2_MAX_PCR_PROPERTIES; ++i) {
    if (props.pcrProperty[i].tag == TPM2_PT_PCR_EXTEND_L0) {
      access.extendable = pcrs_in(props.pcrProperty[i]);
      extend_listed = true;
    } else if (props.pcrProperty[i].tag == TPM2_PT_PCR_RESET_L0) {
      access.resettable = pcrs_in(props.pcrProperty[i]);
    }
  }
  if (!extend_listed)
    for (unsigned p = 0; p < kPcrCount; ++p) access.extendable.push_back(p);
  return access;
}

Result<PcrLocalityAccess> pcr_locality0_access(const std::string& tcti) {
  auto esys = Esys::open(tcti);
  if (!esys) return std::unexpected(std::move(esys.error()));
  return pcr_locality0_access(*esys);
}

Result<void> pcr_extend(Esys& esys, unsigned index, ByteView sha256_digest) {
  if (index >= kPcrCount)
    return fail_tpm(Code::InvalidArgument,
                    "PCR index " + std::to_string(index) + " is out of range (0-23)");
  if (sha256_digest.size() != 32)
    return fail_tpm(Code::InvalidArgument, "a SHA-256 PCR extend takes 32 bytes, not " +
                                               std::to_string(sha256_digest.size()));
  TPML_DIGEST_VALUES digests{};
  digests.count = 1;
  digests.digests[0].hashAlg = TPM2_ALG_SHA256;
  std::memcpy(digests.digests[0].digest.sha256, sha256_digest.data(), 32);
  // ESYS_TR_PCR0..23 are consecutive, fixed ESYS handles for the PCRs.
  const TSS2_RC rc = Esys_PCR_Extend(esys.get(), ESYS_TR_PCR0 + index, ESYS_TR_PASSWORD,
                                     ESYS_TR_NONE, ESYS_TR_NONE, &digests);
  if (rc != TSS2_RC_SUCCESS) return fail_rc(rc, "PCR_Extend(" + std::to_string(index) + ")");
  return {};
}

}  // namespace attest::tpm
