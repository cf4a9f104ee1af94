// libcurl behind HttpClient. The only file that includes <curl/curl.h>.
#include "agent/kbs/http_client.h"

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace attest::kbs {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxHeaderBytes = 64u << 10;

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, SlistDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

Result<void> global_init() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK)
    return fail(Code::Internal, std::string("curl_global_init: ") + curl_easy_strerror(rc));
  return {};
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<std::vector<X509Ptr>> load_ca_file(const std::string& path) {
  errno = 0;
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    const int err = errno;
    return fail(Code::InvalidArgument,
                "CA file " + path + ": " + (err != 0 ? std::strerror(err) : "cannot open"));
  }
  std::vector<X509Ptr> certs;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(x);
  if (certs.empty())
    return fail(Code::InvalidArgument, "CA file " + path + ": no PEM certificate found");
  return certs;
}

Result<void> check_readable(const std::string& path, std::string_view what) {
  errno = 0;
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    const int err = errno;
    return fail(
        err == ENOENT ? Code::NotFound : Code::InvalidArgument,
        std::string(what) + " " + path + ": " + (err != 0 ? std::strerror(err) : "cannot open"));
  }
  return {};
}

// Everything one transfer collects; the callbacks write here.
struct Transfer {
  std::size_t max_body = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  std::size_t header_bytes = 0;
  HttpResponse response;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (n > t->max_body - std::min(t->max_body, t->response.body.size())) {
    t->body_too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > kMaxHeaderBytes) {
    t->headers_too_large = true;
    return 0;
  }
  const std::string_view line(data, n);
  // A new status line starts a new response (after 100 Continue or a proxy's CONNECT reply):
  // only the final response's headers count.
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0)
    t->response.headers.emplace_back(lowercase(trim(line.substr(0, colon))),
                                     std::string(trim(line.substr(colon + 1))));
  return n;
}

bool is_tls_verification_error(CURLcode rc) {
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view lowercase_name) const {
  for (const auto& [k, v] : headers)
    if (k == lowercase_name) return v;
  return std::nullopt;
}

std::vector<std::string> HttpResponse::headers_named(std::string_view lowercase_name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (k == lowercase_name) out.push_back(v);
  return out;
}

bool is_retryable_status(long status) {
  if (status == 429) return true;
  return status >= 500 && status <= 599 && status != 501 && status != 505;
}

Result<void> check_url_scheme(std::string_view url, bool allow_insecure_http) {
  const std::string lower = lowercase(url.substr(0, std::min<std::size_t>(url.size(), 8)));
  if (lower.starts_with("https://")) return {};
  if (lower.starts_with("http://")) {
    if (allow_insecure_http) return {};
    return fail(Code::InvalidArgument,
                "refusing plain http:// for " + std::string(url) + "; pass --insecure-http");
  }
  return fail(
      Code::InvalidArgument,
      "KBS URL must start with https:// (or http:// with --insecure-http): " + std::string(url));
}

struct CurlHttpClient::Impl {
  HttpOptions options;
  Clock* clock = nullptr;
  std::vector<X509Ptr> extra_roots;

  // Adds the --cert-file roots to the store libcurl already filled from the system bundle.
  static CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* user) {
    auto* self = static_cast<Impl*>(user);
    X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
    if (store == nullptr) return CURLE_SSL_CERTPROBLEM;
    // OpenSSL >= 1.1.1 accepts a certificate already in the store as success.
    for (const auto& cert : self->extra_roots)
      if (X509_STORE_add_cert(store, cert.get()) != 1) return CURLE_SSL_CACERT_BADFILE;
    return CURLE_OK;
  }

  Attempt<HttpResponse> perform(const HttpRequest& req, milliseconds remaining);
  Result<CurlSlist> build_headers(const HttpRequest& req) const;

  // Easy handles kept between requests: a handle keeps its live connections and TLS session
  // cache across curl_easy_reset(), so a long-lived client (the daemon) talks to the KBS over
  // one persistent connection with one TLS handshake. A pool rather than CURLSH connection
  // sharing, which libcurl documents as unsafe between concurrent threads.
  static constexpr std::size_t kMaxIdleHandles = 8;
  std::mutex pool_mu;
  std::vector<CurlEasy> idle;  // guarded by pool_mu

  CurlEasy take_handle() {
    {
      std::lock_guard lock(pool_mu);
      if (!idle.empty()) {
        CurlEasy e = std::move(idle.back());
        idle.pop_back();
        curl_easy_reset(e.get());  // every option back to default; connections stay
        return e;
      }
    }
    return CurlEasy(curl_easy_init());
  }
  void give_back(CurlEasy e) {
    if (!e) return;
    std::lock_guard lock(pool_mu);
    if (idle.size() < kMaxIdleHandles) idle.push_back(std::move(e));
  }
  // Returns the handle to the pool on every path out of perform().
  struct Lease {
    Impl& impl;
    CurlEasy easy;
    ~Lease() { impl.give_back(std::move(easy)); }
  };
};

Result<CurlSlist> CurlHttpClient::Impl::build_headers(const HttpRequest& req) const {
  CurlSlist list;
  auto append = [&list](const std::string& line) -> bool {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) return false;
    (void)list.release();
    list.reset(next);
    return true;
  };
  // No "Expect: 100-continue" round trip before POST bodies.
  if (!append("Expect:")) return fail(Code::Internal, "out of memory building HTTP headers");
  for (const auto& [name, value] : req.headers) {
    if (name.find_first_of(":\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos)
      return fail(Code::InvalidArgument, "HTTP header " + name + " holds a line break");
    if (!append(name + ": " + value)) return fail(Code::Internal, "out of memory building headers");
  }
  return list;
}

Attempt<HttpResponse> CurlHttpClient::Impl::perform(const HttpRequest& req,
                                                    milliseconds remaining) {
  const std::string what = req.method + " " + req.url;
  if (remaining <= milliseconds::zero())
    return {fail(Code::DeadlineExceeded, what + ": timed out (overall deadline reached)"), false};
  Lease lease{*this, take_handle()};
  CurlEasy& easy = lease.easy;
  if (!easy) return {fail(Code::Internal, what + ": curl_easy_init failed"), false};
  auto headers = build_headers(req);
  if (!headers) return {std::unexpected(std::move(headers.error())), false};

  Transfer t;
  t.max_body = options.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* h = easy.get();
  const auto connect_ms = std::min(options.connect_timeout, remaining).count();
  const auto total_ms = std::min(options.request_timeout, remaining).count();

  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
  set(curl_easy_setopt(h, CURLOPT_URL, req.url.c_str()));
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
                       options.allow_insecure_http ? "http,https" : "https"));
  set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));  // threads: no SIGALRM-based DNS timeouts
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(std::max<long long>(connect_ms, 1))));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(total_ms, 1))));
  set(curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str()));
  set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers->get()));
  set(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                       static_cast<curl_off_t>(options.max_response_bytes)));
  set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body));
  set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &t));
  set(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header));
  set(curl_easy_setopt(h, CURLOPT_HEADERDATA, &t));
  if (req.method == "POST") {
    set(curl_easy_setopt(h, CURLOPT_POST, 1L));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size())));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str()));
  } else if (req.method == "GET") {
    set(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
  } else {
    return {fail(Code::InvalidArgument, what + ": unsupported HTTP method"), false};
  }
  // An empty proxy string makes libcurl ignore the proxy environment variables too.
  if (!options.use_proxy) set(curl_easy_setopt(h, CURLOPT_PROXY, ""));
  if (!options.unix_socket_path.empty())
    set(curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, options.unix_socket_path.c_str()));
  if (!extra_roots.empty()) {
    set(curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, &Impl::on_ssl_ctx));
    set(curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, this));
  }
  if (!options.client_cert_file.empty()) {
    set(curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM"));
    set(curl_easy_setopt(h, CURLOPT_SSLCERT, options.client_cert_file.c_str()));
    set(curl_easy_setopt(h, CURLOPT_SSLKEY, options.client_key_file.c_str()));
  }
  if (rc != CURLE_OK)
    return {fail(Code::Internal, what + ": libcurl option: " + curl_easy_strerror(rc)), false};

  rc = curl_easy_perform(h);
  const std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = status;
    Attempt<HttpResponse> a{std::move(t.response), is_retryable_status(status)};
    if (a.retryable)
      if (auto ra = a.result->header("retry-after"))
        if (auto secs = parse_retry_after(*ra)) a.retry_after = *secs;
    return a;
  }
  if (t.body_too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return {fail(Code::Corrupt, what + ": response larger than " +
                                    std::to_string(options.max_response_bytes) + " bytes"),
            false};
  if (t.headers_too_large)
    return {fail(Code::Corrupt, what + ": response headers larger than " +
                                    std::to_string(kMaxHeaderBytes) + " bytes"),
            false};
  if (is_tls_verification_error(rc))
    return {fail(Code::Unavailable, what + ": TLS: certificate verify failed (" + detail +
                                        "); is the KBS CA given with --cert-file?"),
            false};
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return {fail(Code::DeadlineExceeded, what + ": timed out (" + detail + ")"), true};
    case CURLE_SSL_CONNECT_ERROR:
      return {fail(Code::Unavailable, what + ": TLS: handshake failed (" + detail + ")"), true};
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
      const std::string why =
          os_errno != 0 ? std::strerror(static_cast<int>(os_errno)) : std::string("cannot connect");
      return {fail(Code::Unavailable, what + ": " + why + " (" + detail + ")",
                   static_cast<int>(os_errno)),
              true};
    }
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {fail(Code::Unavailable, what + ": " + detail), true};
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return {fail(Code::InvalidArgument, what + ": " + detail), false};
    default:
      return {fail(Code::Unavailable, what + ": " + detail), false};
  }
}

CurlHttpClient::CurlHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlHttpClient::~CurlHttpClient() = default;

Result<std::unique_ptr<CurlHttpClient>> CurlHttpClient::create(HttpOptions options, Clock& clock) {
  ATTEST_TRY(global_init());
  auto impl = std::make_unique<Impl>();
  if (!options.ca_file.empty()) {
    auto roots = load_ca_file(options.ca_file);
    if (!roots) return std::unexpected(std::move(roots.error()));
    impl->extra_roots = std::move(*roots);
  }
  if (options.client_cert_file.empty() != options.client_key_file.empty())
    return fail(Code::InvalidArgument,
                "a client certificate needs its key, and a key its certificate");
  if (!options.client_cert_file.empty()) {
    ATTEST_TRY(check_readable(options.client_cert_file, "client certificate"));
    ATTEST_TRY(check_readable(options.client_key_file, "client key"));
  }
  if (options.max_response_bytes == 0 || options.retry.max_attempts < 1)
    return fail(Code::InvalidArgument, "HTTP options: response cap and attempts must be positive");
  impl->options = std::move(options);
  impl->clock = &clock;
  return std::unique_ptr<CurlHttpClient>(new CurlHttpClient(std::move(impl)));
}

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  ATTEST_TRY(check_url_scheme(request.url, impl_->options.allow_insecure_http));
  auto deadline = impl_->clock->now() + impl_->options.overall_timeout;
  if (impl_->options.deadline) deadline = std::min(deadline, *impl_->options.deadline);
  int attempts = 0;
  auto r = run_with_retries<HttpResponse>(
      impl_->options.retry, *impl_->clock, deadline,
      [&](milliseconds remaining) { return impl_->perform(request, remaining); }, &attempts);
  if (r) {
    r->attempts = attempts;
    return r;
  }
  if (attempts > 1) r.error().message += " (after " + std::to_string(attempts) + " attempts)";
  return r;
}

}  // namespace attest::kbs
