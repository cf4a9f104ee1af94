// Helpers shared by the tests that drive the independent test KBS (tests/kbs/kbs.py): a
// temporary directory, child processes (kbs.py, make_test_ca.py, the real attest-cli binary) and
// the test KBS's /test control endpoints. Loopback only.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/http/http_client.h"
#include "common/bytes.h"

namespace attest::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Names of every entry (to prove that a failed write left nothing behind).
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Everything here is loopback: keeps a proxy from the environment out of the way of curl, in
// this process and in the children it starts.
void bypass_proxy_for_loopback();
// A TCP port on 127.0.0.1 that was free a moment ago (for a server started later).
int free_loopback_port();
// Runs argv[0] (searched in PATH when it has no '/') with stdin from /dev/null and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv, const TempDir& scratch);
// The real attest-cli (ATTEST_CLI_BINARY).
ProcessResult run_cli(const std::vector<std::string>& args, const TempDir& scratch);

std::string python();  // /usr/bin/python3 when present (it has jwcrypto), else python3 in PATH
std::filesystem::path kbs_dir();  // tests/kbs

std::string read_text_file(const std::filesystem::path& p);
void write_text_file(const std::filesystem::path& p, const std::string& data);
unsigned file_mode(const std::filesystem::path& p);  // permission bits, 0 if absent

struct Pki {
  std::filesystem::path ca, server_cert, server_key, client_cert, client_key;
};
// make_test_ca.py into `dir`.
Pki make_pki(const std::filesystem::path& dir, const TempDir& scratch);
// The test CA the TLS KBS uses and a second, unrelated one (the wrong CA, the wrong pin), made
// once in their own temporary directory. `pki.ca` is empty when make_test_ca.py failed.
struct TestCas {
  TestCas();
  TempDir dir;
  Pki pki;
  Pki other;
};
// Base64 SHA-256 of the certificate's DER SubjectPublicKeyInfo (curl's sha256// pin, what
// --pin-sha256 takes); empty when the PEM cannot be read.
std::string spki_pin(const std::filesystem::path& cert_pem);

struct KbsConfig {
  std::map<std::string, Bytes> resources;  // "repo/type/tag" -> bytes
  std::string policy = "allow-all";
  const Pki* tls = nullptr;
  bool mtls = false;
  int port = 0;  // 0: any free port; else this one (a test that starts the KBS late)
};

// One kbs.py process on 127.0.0.1 with a free port; stopped (SIGTERM, then SIGKILL) on destruction.
class TestKbs {
 public:
  explicit TestKbs(const KbsConfig& config);
  ~TestKbs();
  TestKbs(const TestKbs&) = delete;
  TestKbs& operator=(const TestKbs&) = delete;

  bool running() const { return port_ != 0; }
  int port() const { return port_; }
  std::string url() const;  // http(s)://127.0.0.1:<port>
  std::string log() const;

  // Control endpoints (README "Endpoints"). Each returns false on any failure.
  bool reset();
  bool set_faults(const std::vector<std::string>& specs);
  bool set_policy(const std::string& policy);
  // The admin endpoint: replaces (or creates) resource "repo/type/tag" with `bytes`.
  bool put_resource(const std::string& path, const Bytes& bytes);
  std::optional<nlohmann::json> stats();

 private:
  std::optional<http::HttpResponse> control(const std::string& method, const std::string& path,
                                            const std::string& body);
  TempDir dir_;
  std::string scheme_ = "http";
  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<http::CurlHttpClient> http_;
};

}  // namespace attest::testing
