// Field types and readers shared by the TD quote body and the TDREPORT: both carry the same
// TEE_TCB_INFO and TDINFO fields in the same order (Intel TDX module ABI, TDREPORT_STRUCT;
// sgx_quote_4.h / sgx_quote_5.h sgx_report2_body_t).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::tdx {

using Svn16 = std::array<std::uint8_t, 16>;
using Bits64 = std::array<std::uint8_t, 8>;  // attributes / XFAM, kept in wire (LE) byte order
using Mr48 = std::array<std::uint8_t, 48>;   // SHA-384 measurement register
using Data64 = std::array<std::uint8_t, 64>;

// The TD ATTRIBUTES bits a policy looks at (TDX module ABI: bit 0 DEBUG, 28 SEPT_VE_DISABLE,
// 30 PKS, 31 KL, 63 PERFMON) as {"debug": bool, ...}.
nlohmann::json td_attributes_flags(const Bits64& attributes);
std::uint64_t bits_value(const Bits64& b);

// Copies the next N bytes into `out`; Corrupt (with the reader's offset) when they are missing.
template <std::size_t N>
[[nodiscard]] Result<void> read_array(ByteReader& r, std::array<std::uint8_t, N>& out) {
  auto b = r.take(N);
  if (!b) return std::unexpected(std::move(b.error()));
  std::copy(b->begin(), b->end(), out.begin());
  return {};
}

template <std::size_t N>
std::string hex_of(const std::array<std::uint8_t, N>& a) {
  return hex_encode(ByteView(a));
}

// The TDINFO prefix (ATTRIBUTES .. RTMR3), identical in the quote body and the TDREPORT.
// T is TdQuoteBody or TdReport; both name these members the same way.
template <class T>
[[nodiscard]] Result<void> read_td_info(ByteReader& r, T& out) {
  ATTEST_TRY(read_array(r, out.td_attributes));
  ATTEST_TRY(read_array(r, out.xfam));
  ATTEST_TRY(read_array(r, out.mr_td));
  ATTEST_TRY(read_array(r, out.mr_config_id));
  ATTEST_TRY(read_array(r, out.mr_owner));
  ATTEST_TRY(read_array(r, out.mr_owner_config));
  for (auto& m : out.rtmr) ATTEST_TRY(read_array(r, m));
  return {};
}

template <class T>
void td_info_to_json(const T& in, nlohmann::json& j) {
  j["td_attributes"] = hex_of(in.td_attributes);
  j["td_attributes_flags"] = td_attributes_flags(in.td_attributes);
  j["xfam"] = hex_of(in.xfam);
  j["mr_td"] = hex_of(in.mr_td);
  j["mr_config_id"] = hex_of(in.mr_config_id);
  j["mr_owner"] = hex_of(in.mr_owner);
  j["mr_owner_config"] = hex_of(in.mr_owner_config);
  for (std::size_t i = 0; i < in.rtmr.size(); ++i)
    j["rtmr" + std::to_string(i)] = hex_of(in.rtmr[i]);
}

}  // namespace attest::tdx
