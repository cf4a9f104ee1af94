#include "tests/fakes/fake_evidence.h"

#include <openssl/evp.h>

#include <algorithm>

#include "providers/snp/cert_table.h"
#include "tests/fakes/fake_os.h"
#include "tests/fakes/test_keys.h"

namespace attest::testing {
namespace {

void put(Bytes& out, std::size_t at, ByteView data) {
  if (at + data.size() > out.size()) test_error("fake evidence: write past the end");
  std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
}
void fill(Bytes& out, std::size_t at, std::size_t n, std::uint8_t v) { put(out, at, Bytes(n, v)); }
void put_le16(Bytes& out, std::size_t at, std::uint16_t v) {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
  put(out, at, b);
}
void put_le32(Bytes& out, std::size_t at, std::uint32_t v) {
  std::uint8_t b[4];
  store_le32(b, v);
  put(out, at, b);
}
void append(Bytes& out, ByteView data) { out.insert(out.end(), data.begin(), data.end()); }
void append_le16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void append_le32(Bytes& out, std::uint32_t v) {
  std::uint8_t b[4];
  store_le32(b, v);
  append(out, b);
}

Bytes padded64(ByteView report_data) {
  if (report_data.size() > 64) test_error("fake evidence: report data over 64 bytes");
  Bytes rd(64, 0);
  std::copy(report_data.begin(), report_data.end(), rd.begin());
  return rd;
}

constexpr std::uint8_t kIntelQeVendorId[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                               0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

// Signature data of a quote (docs/tee-interfaces.md §3 "Signature data").
Bytes quote_signature_data(ByteView signed_region) {
  const FakeTeeKeys& keys = fake_tee_keys();
  const Bytes att_pub = keys.tdx_attestation.public_xy();
  Bytes qe_auth(32);
  for (std::size_t i = 0; i < qe_auth.size(); ++i) qe_auth[i] = static_cast<std::uint8_t>(i);

  Bytes qe_report(384, 0);
  fill(qe_report, 128, 32, 0x44);  // MRSIGNER
  put_le16(qe_report, 256, 2);     // ISVPRODID of the TD QE
  Bytes binding = att_pub;
  append(binding, qe_auth);
  put(qe_report, 320, sha256(binding));  // REPORTDATA[0:32] = SHA-256(att key || auth data)

  Bytes cert_data = qe_report;
  const auto qe_sig = keys.tdx_pck.sign(qe_report);
  append(cert_data, qe_sig.r);
  append(cert_data, qe_sig.s);
  append_le16(cert_data, static_cast<std::uint16_t>(qe_auth.size()));
  append(cert_data, qe_auth);
  append_le16(cert_data, 5);  // PCK certificate chain (PEM)
  append_le32(cert_data, static_cast<std::uint32_t>(keys.pck_pem.size()));
  append(cert_data, as_bytes(keys.pck_pem));

  Bytes sig_data;
  const auto sig = keys.tdx_attestation.sign(signed_region);
  append(sig_data, sig.r);
  append(sig_data, sig.s);
  append(sig_data, att_pub);
  append_le16(sig_data, 6);  // QE report certification data
  append_le32(sig_data, static_cast<std::uint32_t>(cert_data.size()));
  append(sig_data, cert_data);
  return sig_data;
}

}  // namespace

Bytes sha256(ByteView data) {
  Bytes out(32);
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1)
    test_error("openssl: EVP_Digest");
  return out;
}

Bytes make_tdx_quote_v4(ByteView report_data) {
  Bytes q(kQuoteSignedSize, 0);
  put_le16(q, 0x00, 4);     // version
  put_le16(q, 0x02, 2);     // ECDSA-256-with-P-256
  put_le32(q, 0x04, 0x81);  // TDX
  put(q, 0x0C, kIntelQeVendorId);
  fill(q, 0x1C, 16, 0xA5);  // user data: QE/platform id, then 4 zero bytes
  // TD quote body (TDX 1.0, 584 bytes from 0x30).
  q[0x30] = 0x03;           // TEE_TCB_SVN
  fill(q, 0x40, 48, 0x11);  // MRSEAM
  q[0xB0] = 0xE7;           // XFAM
  q[0xB1] = 0x02;
  q[0xB2] = 0x06;
  fill(q, 0xB8, 48, 0x22);  // MRTD
  for (std::size_t i = 0; i < 4; ++i)
    fill(q, 0x178 + 48 * i, 48, static_cast<std::uint8_t>(0x30 + i));
  put(q, kQuoteReportDataOffset, padded64(report_data));
  const Bytes sig_data = quote_signature_data(q);
  Bytes len(4);
  store_le32(len.data(), static_cast<std::uint32_t>(sig_data.size()));
  append(q, len);
  append(q, sig_data);
  return q;
}

Bytes make_tdreport(ByteView report_data) {
  Bytes r(1024, 0);
  r[0] = 0x81;            // REPORTTYPE.type = TDX
  r[2] = 1;               // version: TDX 1.5
  fill(r, 16, 16, 0x01);  // CPUSVN
  put(r, kTdReportDataOffset, padded64(report_data));
  fill(r, 224, 32, 0x5A);  // MAC
  fill(r, 280, 48, 0x11);  // MRSEAM
  fill(r, 528, 48, 0x22);  // MRTD
  for (std::size_t i = 0; i < 4; ++i)
    fill(r, 720 + 48 * i, 48, static_cast<std::uint8_t>(0x30 + i));
  return r;
}

Bytes make_snp_report(ByteView report_data, std::uint32_t vmpl) {
  Bytes r(kSnpReportSize, 0);
  const std::uint8_t tcb[8] = {3, 0, 0, 0, 0, 0, 8, 115};  // Milan: BL, TEE, ..., SNP, ucode
  put_le32(r, 0x00, 3);                                    // VERSION
  put_le32(r, 0x04, 1);                                    // GUEST_SVN
  put_le32(r, 0x08, 0x30000);  // POLICY: SMT allowed, reserved bit 17 set
  put_le32(r, kSnpVmplOffset, vmpl);
  put_le32(r, 0x34, 1);  // SIGNATURE_ALGO: ECDSA P-384 with SHA-384
  put(r, 0x38, tcb);     // CURRENT_TCB
  put_le32(r, 0x40, 1);  // PLATFORM_INFO: SMT enabled
  put_le32(r, 0x48, 0);  // KEY_INFO: signed by the VCEK
  put(r, kSnpReportDataOffset, padded64(report_data));
  fill(r, 0x90, 48, 0x33);   // MEASUREMENT
  fill(r, 0x140, 32, 0x66);  // REPORT_ID
  fill(r, 0x160, 32, 0xFF);  // REPORT_ID_MA: no migration agent
  put(r, 0x180, tcb);        // REPORTED_TCB
  r[0x188] = 0x19;           // CPUID family: Milan
  r[0x189] = 0x01;
  r[0x18A] = 0x01;
  fill(r, 0x1A0, 64, 0x77);                  // CHIP_ID
  put(r, 0x1E0, tcb);                        // COMMITTED_TCB
  const std::uint8_t fw[4] = {4, 55, 1, 0};  // build, minor, major
  put(r, 0x1E8, fw);
  put(r, 0x1EC, fw);
  put(r, 0x1F0, tcb);  // LAUNCH_TCB
  const auto sig = fake_tee_keys().snp_vcek.sign(ByteView(r).first(kSnpSignedSize));
  Bytes r_le(sig.r.rbegin(), sig.r.rend());
  Bytes s_le(sig.s.rbegin(), sig.s.rend());
  put(r, 0x2A0, r_le);
  put(r, 0x2E8, s_le);
  return r;
}

Bytes make_cert_table(const std::vector<CertBlob>& certs) {
  const std::size_t header = 24 * (certs.size() + 1);
  Bytes table(header, 0);
  std::size_t at = header;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    put(table, 24 * i, certs[i].first);
    put_le32(table, 24 * i + 16, static_cast<std::uint32_t>(at));
    put_le32(table, 24 * i + 20, static_cast<std::uint32_t>(certs[i].second.size()));
    append(table, certs[i].second);
    at += certs[i].second.size();
  }
  return table;
}

Bytes fake_vcek_cert_table() {
  return make_cert_table({{snp::kVcekGuid, fake_tee_keys().vcek_der}});
}

Bytes make_cca_token(ByteView challenge) {
  const Bytes rd = padded64(challenge);
  Bytes realm = {0xA1, 0x0A, 0x58, 0x40};  // {10: bstr .size 64}
  append(realm, rd);
  const std::string_view platform_text(
      "\xA1\x0A\x48"
      "platform");  // {10: bstr "platform"}
  const Bytes platform(platform_text.begin(), platform_text.end());
  Bytes t = {0xD9, 0x01, 0x8F, 0xA2};                      // tag 399, map(2)
  const std::uint8_t platform_key[] = {0x19, 0xAC, 0xCA};  // 44234
  const std::uint8_t realm_key[] = {0x19, 0xAC, 0xD1};     // 44241
  append(t, platform_key);
  t.push_back(0x58);
  t.push_back(static_cast<std::uint8_t>(platform.size()));
  append(t, platform);
  append(t, realm_key);
  t.push_back(0x58);
  t.push_back(static_cast<std::uint8_t>(realm.size()));
  append(t, realm);
  return t;
}

}  // namespace attest::testing
