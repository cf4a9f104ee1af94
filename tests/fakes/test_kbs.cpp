#include "tests/fakes/test_kbs.h"

#include "tests/fakes/fake_clock.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace attest::testing {
namespace {

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& out,
            const std::filesystem::path& err) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec.
  const int in = ::open("/dev/null", O_RDONLY);
  const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (in < 0 || o < 0 || e < 0) ::_exit(126);
  ::dup2(in, 0);
  ::dup2(o, 1);
  ::dup2(e, 2);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int counter() {
  static int n = 0;
  return ++n;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "attest-kbs-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();  // test error: no temp dir
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> TempDir::entries() const {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path_))
    names.push_back(e.path().filename().string());
  return names;
}

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text_file(const std::filesystem::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary) << data;
}

unsigned file_mode(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

void bypass_proxy_for_loopback() {
  ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
}

ProcessResult run_process(const std::vector<std::string>& argv, const TempDir& scratch) {
  bypass_proxy_for_loopback();
  const int n = counter();
  const auto out = scratch / ("proc-" + std::to_string(n) + ".out");
  const auto err = scratch / ("proc-" + std::to_string(n) + ".err");
  ProcessResult r;
  const pid_t pid = spawn(argv, out, err);
  if (pid < 0) return r;
  r.exit_code = wait_exit(pid);
  r.out = read_text_file(out);
  r.err = read_text_file(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

ProcessResult run_cli(const std::vector<std::string>& args, const TempDir& scratch) {
  std::vector<std::string> argv{ATTEST_CLI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, scratch);
}

std::string python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

std::filesystem::path kbs_dir() {
  return std::filesystem::path(ATTEST_FIXTURES_DIR).parent_path() / "kbs";
}

Pki make_pki(const std::filesystem::path& dir, const TempDir& scratch) {
  const auto r =
      run_process({python(), (kbs_dir() / "make_test_ca.py").string(), dir.string()}, scratch);
  if (r.exit_code != 0) return {};
  return {dir / "ca.pem", dir / "server.pem", dir / "server.key", dir / "client.pem",
          dir / "client.key"};
}

TestCas::TestCas() {
  std::filesystem::create_directory(dir / "pki");
  std::filesystem::create_directory(dir / "other");
  pki = make_pki(dir / "pki", dir);
  other = make_pki(dir / "other", dir);
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string spki_pin(const std::filesystem::path& cert_pem) {
  std::FILE* f = std::fopen(cert_pem.c_str(), "r");
  if (f == nullptr) return {};
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  X509_free(cert);
  if (n <= 0) return {};
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(der, static_cast<std::size_t>(n), digest.data());
  OPENSSL_free(der);
  return base64_encode(digest);
}

TestKbs::TestKbs(const KbsConfig& config) {
  std::vector<std::string> argv{python(),      (kbs_dir() / "kbs.py").string(),
                                "--port",      std::to_string(config.port),
                                "--port-file", (dir_ / "port").string(),
                                "--log",       (dir_ / "kbs.log").string(),
                                "--policy",    config.policy};
  for (const auto& [path, bytes] : config.resources)
    argv.insert(argv.end(), {"--resource", path + "=" + hex_encode(bytes)});
  http::HttpOptions h;
  h.allow_insecure_http = true;
  h.retry.max_attempts = 1;
  h.overall_timeout = std::chrono::seconds(10);
  if (config.tls != nullptr) {
    scheme_ = "https";
    argv.insert(argv.end(), {"--tls-cert", config.tls->server_cert.string(), "--tls-key",
                             config.tls->server_key.string()});
    h.ca_file = config.tls->ca.string();
    if (config.mtls) {
      argv.insert(argv.end(), {"--client-ca", config.tls->ca.string()});
      h.client_cert_file = config.tls->client_cert.string();
      h.client_key_file = config.tls->client_key.string();
    }
  }
  pid_ = spawn(argv, dir_ / "stdout", dir_ / "stderr");
  if (pid_ < 0) return;
  // Wait for the port file (written atomically once the server accepts connections).
  for (int i = 0; i < 600; ++i) {
    const std::string text = read_text_file(dir_ / "port");
    if (!text.empty() && text.back() == '\n') {
      port_ = std::atoi(text.c_str());
      break;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto client = http::CurlHttpClient::create(h, real_clock());
  if (client) http_ = std::move(*client);
}

TestKbs::~TestKbs() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  (void)wait_exit(pid_);
}

std::string TestKbs::url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }

std::string TestKbs::log() const {
  return read_text_file(dir_ / "kbs.log") + read_text_file(dir_ / "stderr");
}

std::optional<http::HttpResponse> TestKbs::control(const std::string& method,
                                                   const std::string& path,
                                                   const std::string& body) {
  if (!http_) return std::nullopt;
  http::HttpRequest req;
  req.method = method;
  req.url = url() + path;
  req.body = body;
  auto r = http_->send(req);
  if (!r || r->status != 200) return std::nullopt;
  return *r;
}

bool TestKbs::reset() { return control("POST", "/test/reset", "").has_value(); }

bool TestKbs::set_faults(const std::vector<std::string>& specs) {
  return control("POST", "/test/faults", nlohmann::json(specs).dump()).has_value();
}

bool TestKbs::set_policy(const std::string& policy) {
  return control("POST", "/test/policy", nlohmann::json{{"policy", policy}}.dump()).has_value();
}

bool TestKbs::put_resource(const std::string& path, const Bytes& bytes) {
  return control("POST", "/kbs/v0/resource/" + path, std::string(bytes.begin(), bytes.end()))
      .has_value();
}

std::optional<nlohmann::json> TestKbs::stats() {
  auto r = control("GET", "/test/stats", "");
  if (!r) return std::nullopt;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace attest::testing
