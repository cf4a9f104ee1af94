// A private swtpm for one test: fresh state directory, free loopback ports, stopped by its pid
// and its state removed when the object dies (so also when a test fails half-way).
//
//   swtpm socket --tpm2 --server type=tcp,port=P,bindaddr=127.0.0.1
//                --ctrl type=tcp,port=P+1,bindaddr=127.0.0.1 --tpmstate dir=<mkdtemp>
//                --flags not-need-init,startup-clear --daemon --pid file=<dir>/swtpm.pid
//
// Plain swtpm has no resource manager and three transient object slots, which is what makes it
// a good leak detector for flushing.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/error.h"

namespace attest::testing {

class Swtpm {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Swtpm>> start();
  ~Swtpm();
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  int port() const { return port_; }
  // "swtpm:host=127.0.0.1,port=P" for tctildr, tpm2-tools' --tcti and attest-cli --tcti.
  std::string tcti() const;
  const std::filesystem::path& state_dir() const { return dir_; }

 private:
  Swtpm() = default;
  std::filesystem::path dir_;
  int port_ = 0;
  int pid_ = -1;
};

// A gtest fixture that owns one Swtpm per test.
class SwtpmTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override { swtpm_.reset(); }
  std::string tcti() const { return swtpm_->tcti(); }
  // Runs `tpm2_<tool> <args>` against this swtpm; returns {exit status, stdout}.
  std::pair<int, std::string> tpm2(const std::string& tool_and_args) const;

  std::unique_ptr<Swtpm> swtpm_;
};

// Runs a shell command and returns {exit status, stdout}; stderr goes to the test log.
std::pair<int, std::string> run_command(const std::string& command);

// Writes bytes to a file (test setup; aborts on failure).
void write_test_file(const std::filesystem::path& p, ByteView data);
Bytes read_test_file(const std::filesystem::path& p);

// True if `signature` over `message` verifies with the DER SubjectPublicKeyInfo (RSA PKCS#1 v1.5
// or ECDSA DER, SHA-256).
bool verify_sha256_signature(ByteView spki_der, ByteView message, ByteView signature);

}  // namespace attest::testing
