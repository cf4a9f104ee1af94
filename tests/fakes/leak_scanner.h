// The one scanner for issue 10's leak gate: every secret, token and private key a test run
// handles is registered here, then every log line, error message and output the run produced
// (other than the output that was asked for) is scanned for it. The CLI test
// (tests/unit/leak_scan) feeds it attest-cli's stdout/stderr; the agent's gate
// (AgentGates.NoSecretTokenOrKeyInAnyLogErrorBodyOrMetricsOfAFullRun) its stderr, sd_notify
// messages, error bodies, /metrics, /v1/info, /info and /healthz.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace attest::testing {

class LeakScanner {
 public:
  // Shorter values would turn up by chance in unrelated text.
  static constexpr std::size_t kMinValueBytes = 12;

  // Looks for `value` raw, as lower/upper-case hex, and as standard and URL-safe base64 at
  // every alignment (the value may sit anywhere inside a longer base64 text, so the characters
  // that depend only on the value are searched for, for each of the three byte offsets).
  // Returns false (and registers nothing) for values shorter than kMinValueBytes.
  bool add_value(std::string label, ByteView value);
  // A text secret (a token, a PEM line): searched for verbatim only.
  bool add_text(std::string label, std::string_view text);
  // A JWT: the whole token, its payload and signature segments, and the signature's bytes.
  bool add_token(std::string label, std::string_view jwt);
  // A PEM private key: every body line (a leak of one line is a leak) and the DER it holds.
  bool add_private_key_pem(std::string label, std::string_view pem);

  // Scans one output. Besides the registered values it flags anything that is shaped like a
  // secret whatever its value: a PEM private key block or a JWT ("eyJ....eyJ....sig"), since
  // tokens and keys made inside the process under test are never seen by the test.
  void scan(std::string_view source, std::string_view text);

  // One line per hit: "<source>: <label> as <encoding> at offset N".
  const std::vector<std::string>& findings() const { return findings_; }
  std::size_t patterns() const { return patterns_.size(); }
  std::size_t sources_scanned() const { return sources_; }
  std::size_t bytes_scanned() const { return bytes_; }

 private:
  struct Pattern {
    std::string label;     // which secret
    std::string encoding;  // raw, hex, base64url@1, ...
    std::string needle;
  };
  void add(std::string label, std::string encoding, std::string needle);
  void scan_shapes(std::string_view source, std::string_view text);

  std::vector<Pattern> patterns_;
  std::vector<std::string> findings_;
  std::size_t sources_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace attest::testing
