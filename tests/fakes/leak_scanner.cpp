#include "tests/fakes/leak_scanner.h"

#include <algorithm>
#include <array>

namespace attest::testing {
namespace {

bool is_b64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Length of the run of base64url characters starting at `at`.
std::size_t b64url_run(std::string_view s, std::size_t at) {
  std::size_t n = 0;
  while (at + n < s.size() && is_b64url_char(s[at + n])) ++n;
  return n;
}

// The characters of base64(prefix of `shift` bytes || value) that depend on `value` alone: a
// character covers 6 bits, so those from ceil(8*shift/6) up to floor(8*(shift+n)/6) exclusive.
std::string aligned_core(ByteView value, std::size_t shift, Base64 alphabet) {
  Bytes buf(shift, 0);
  buf.insert(buf.end(), value.begin(), value.end());
  const std::string enc = base64_encode(buf, alphabet, false);
  const std::size_t first = (8 * shift + 5) / 6;
  const std::size_t last = 8 * (shift + value.size()) / 6;
  return enc.substr(first, last - first);
}

}  // namespace

void LeakScanner::add(std::string label, std::string encoding, std::string needle) {
  for (const auto& p : patterns_)
    if (p.needle == needle) return;
  patterns_.push_back({std::move(label), std::move(encoding), std::move(needle)});
}

bool LeakScanner::add_value(std::string label, ByteView value) {
  if (value.size() < kMinValueBytes) return false;
  add(label, "raw", to_string(value));
  add(label, "hex", hex_encode(value));
  add(label, "HEX", hex_encode(value, true));
  for (std::size_t shift = 0; shift < 3; ++shift) {
    const std::string at = "@" + std::to_string(shift);
    add(label, "base64" + at, aligned_core(value, shift, Base64::Standard));
    add(label, "base64url" + at, aligned_core(value, shift, Base64::Url));
  }
  return true;
}

bool LeakScanner::add_text(std::string label, std::string_view text) {
  if (text.size() < kMinValueBytes) return false;
  add(std::move(label), "text", std::string(text));
  return true;
}

bool LeakScanner::add_token(std::string label, std::string_view jwt) {
  const auto dot1 = jwt.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return false;
  if (!add_text(label, jwt)) return false;
  (void)add_text(label + " payload", jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  const std::string_view sig = jwt.substr(dot2 + 1);
  (void)add_text(label + " signature", sig);
  if (auto raw = base64_decode(sig, Base64::Url, Padding::Forbidden))
    (void)add_value(label + " signature bytes", *raw);
  return true;
}

bool LeakScanner::add_private_key_pem(std::string label, std::string_view pem) {
  std::string body;
  bool in_body = false;
  std::size_t lines = 0;
  for (std::size_t start = 0; start < pem.size();) {
    auto end = pem.find('\n', start);
    if (end == std::string_view::npos) end = pem.size();
    const std::string_view line = pem.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("-----BEGIN")) {
      in_body = true;
    } else if (line.starts_with("-----END")) {
      in_body = false;
    } else if (in_body && !line.empty()) {
      body += line;
      lines += add_text(label + " PEM line", line) ? 1 : 0;
    }
  }
  auto der = base64_decode(body, Base64::Standard, Padding::Optional);
  if (!der || lines == 0) return false;
  return add_value(label + " DER", *der);
}

void LeakScanner::scan(std::string_view source, std::string_view text) {
  ++sources_;
  bytes_ += text.size();
  for (const auto& p : patterns_) {
    for (auto at = text.find(p.needle); at != std::string_view::npos;
         at = text.find(p.needle, at + 1))
      findings_.push_back(std::string(source) + ": " + p.label + " as " + p.encoding +
                          " at offset " + std::to_string(at));
  }
  scan_shapes(source, text);
}

void LeakScanner::scan_shapes(std::string_view source, std::string_view text) {
  if (auto at = text.find("PRIVATE KEY-----"); at != std::string_view::npos)
    findings_.push_back(std::string(source) + ": a PEM private key block at offset " +
                        std::to_string(at));
  // A JWT: "eyJ" (base64url of '{"') + segment, '.', "eyJ" + segment, '.', a signature segment.
  for (auto at = text.find("eyJ"); at != std::string_view::npos; at = text.find("eyJ", at + 1)) {
    const std::size_t header = b64url_run(text, at);
    std::size_t p = at + header;
    if (p >= text.size() || text[p] != '.' || text.substr(p + 1, 3) != "eyJ") continue;
    const std::size_t payload = b64url_run(text, p + 1);
    p += 1 + payload;
    if (p >= text.size() || text[p] != '.' || b64url_run(text, p + 1) < 16) continue;
    findings_.push_back(std::string(source) + ": a JWT-shaped token at offset " +
                        std::to_string(at));
  }
}

}  // namespace attest::testing
