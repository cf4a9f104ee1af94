// libcurl behind HttpClient. The only file that includes <curl/curl.h>.
#include "agent/http/http_client.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "common/bytes.h"
#include "common/redact.h"
#include "common/secure_buffer.h"

#include "common/ossl.h"

namespace attest::http {
namespace {

// libcurl is loaded when the first client is made, not when the program starts: with its
// dependency tree (GnuTLS, Kerberos, LDAP, SSH, RTMP, ...) it is about 40 shared objects whose
// loading and relocation cost tens of milliseconds per process start, while get-report, inspect,
// pcr and tpm never speak HTTP (bench/tpm_quote.sh). Only this file calls libcurl.
struct CurlApi {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  void (*easy_reset)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
};
// Filled once by global_init(), which send() calls before anything else touches libcurl.
CurlApi g_curl;

// The soname of the ABI <curl/curl.h> describes (libcurl 7.16 onwards).
constexpr const char* kLibcurl = "libcurl.so.4";

Result<void> load_libcurl() {
  void* lib = ::dlopen(kLibcurl, RTLD_NOW | RTLD_LOCAL);  // never closed: used until exit
  if (lib == nullptr) {
    const char* why = ::dlerror();
    return fail(Code::Unsupported, std::string("cannot load ") + kLibcurl + ": " +
                                       (why != nullptr ? why : "unknown error"));
  }
  bool ok = true;
  auto bind = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
    ok = ok && fn != nullptr;
  };
  CurlApi api;
  bind(api.global_init, "curl_global_init");
  bind(api.easy_init, "curl_easy_init");
  bind(api.easy_cleanup, "curl_easy_cleanup");
  bind(api.easy_reset, "curl_easy_reset");
  bind(api.easy_setopt, "curl_easy_setopt");
  bind(api.easy_perform, "curl_easy_perform");
  bind(api.easy_getinfo, "curl_easy_getinfo");
  bind(api.easy_strerror, "curl_easy_strerror");
  bind(api.slist_append, "curl_slist_append");
  bind(api.slist_free_all, "curl_slist_free_all");
  if (!ok) return fail(Code::Unsupported, std::string(kLibcurl) + " lacks a libcurl function");
  g_curl = api;
  return {};
}

using std::chrono::milliseconds;

constexpr std::size_t kMaxHeaderBytes = 64u << 10;

struct CurlEasyDeleter {
  void operator()(CURL* h) const { g_curl.easy_cleanup(h); }
};
struct SlistDeleter {
  // Header lines may hold a bearer token: wiped before libcurl frees them.
  void operator()(curl_slist* l) const {
    for (curl_slist* n = l; n != nullptr; n = n->next)
      if (n->data != nullptr) OPENSSL_cleanse(n->data, std::strlen(n->data));
    g_curl.slist_free_all(l);
  }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, SlistDeleter>;

Result<void> global_init() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  static Result<void> loaded;
  std::call_once(once, [] {
    loaded = load_libcurl();
    if (!loaded) return;
    // libcurl's OpenSSL backend opens the file named by SSLKEYLOGFILE in curl_global_init and
    // writes every TLS session secret there; whoever can set our environment could then read
    // the session cookie and the released secrets off the wire. Never honour it.
    (void)::unsetenv("SSLKEYLOGFILE");
    rc = g_curl.global_init(CURL_GLOBAL_DEFAULT);
  });
  if (!loaded) return std::unexpected(loaded.error());
  if (rc != CURLE_OK)
    return fail(Code::Internal, std::string("curl_global_init: ") + g_curl.easy_strerror(rc));
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

constexpr long kMaxCaFileBytes = 4l << 20;

struct CaFile {
  std::string pem;  // the file as read, handed to libcurl as CURLOPT_CAINFO_BLOB
  std::vector<X509Ptr> certs;
};

// Read once, when the client is made: a bad --cert-file fails before any network traffic.
Result<CaFile> load_ca_file(const std::string& path) {
  errno = 0;
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    const int err = errno;
    return fail(Code::InvalidArgument,
                "CA file " + path + ": " + (err != 0 ? std::strerror(err) : "cannot open"));
  }
  CaFile ca;
  char buf[4096];
  int n = 0;
  while ((n = BIO_read(bio.get(), buf, sizeof buf)) > 0) {
    ca.pem.append(buf, static_cast<std::size_t>(n));
    if (static_cast<long>(ca.pem.size()) > kMaxCaFileBytes)
      return fail(Code::InvalidArgument, "CA file " + path + ": larger than 4 MiB");
  }
  BioPtr mem(BIO_new_mem_buf(ca.pem.data(), static_cast<int>(ca.pem.size())));
  if (!mem) return fail(Code::Internal, "CA file " + path + ": out of memory");
  while (X509* x = PEM_read_bio_X509(mem.get(), nullptr, nullptr, nullptr))
    ca.certs.emplace_back(x);
  if (ca.certs.empty())
    return fail(Code::InvalidArgument, "CA file " + path + ": no PEM certificate found");
  return ca;
}

// "sha256//<base64>;sha256//<base64>" for CURLOPT_PINNEDPUBLICKEY; each pin must be the base64
// of exactly 32 bytes (a "sha256//" prefix, as curl spells it, is accepted).
Result<std::string> pinned_key_list(const std::vector<std::string>& pins) {
  std::string list;
  for (std::string_view pin : pins) {
    if (pin.starts_with("sha256//")) pin.remove_prefix(8);
    auto raw = base64_decode(pin);
    if (!raw || raw->size() != 32)
      return fail(Code::InvalidArgument,
                  "--pin-sha256 '" + std::string(pin) +
                      "': expected the base64 SHA-256 of the server's public key (44 characters, "
                      "as 'openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst "
                      "-sha256 -binary | base64' prints it)");
    if (!list.empty()) list += ';';
    list += "sha256//" + std::string(pin);
  }
  return list;
}

Result<void> check_readable(const std::string& path, std::string_view what) {
  errno = 0;
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
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
    return fail(Code::InvalidArgument, "refusing plain http:// for " + redact_url_credentials(url) +
                                           "; pass --insecure-http");
  }
  return fail(Code::InvalidArgument,
              "KBS URL must start with https:// (or http:// with --insecure-http): " +
                  redact_url_credentials(url));
}

struct CurlHttpClient::Impl {
  HttpOptions options;
  Clock* clock = nullptr;
  CaFile ca;                // --cert-file, read once
  std::string pinned_keys;  // CURLOPT_PINNEDPUBLICKEY, empty: none
  std::mutex cached_mu;     // guards cached
  CurlEasy cached;          // the easy handle consecutive calls reuse (keeps the connection)
  std::atomic<bool> cancelled{false};

  // CURLOPT_XFERINFOFUNCTION: a non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Impl*>(user)->cancelled.load() ? 1 : 0;
  }

  // Adds the --cert-file roots to the store libcurl already filled from the system bundle.
  static CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* user) {
    auto* self = static_cast<Impl*>(user);
    X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
    if (store == nullptr) return CURLE_SSL_CERTPROBLEM;
    // OpenSSL >= 1.1.1 accepts a certificate already in the store as success.
    for (const auto& cert : self->ca.certs)
      if (X509_STORE_add_cert(store, cert.get()) != 1) return CURLE_SSL_CACERT_BADFILE;
    return CURLE_OK;
  }

  Attempt<HttpResponse> perform(const HttpRequest& req, milliseconds remaining);
  Attempt<HttpResponse> perform_on(CURL* h, const HttpRequest& req, milliseconds remaining);
  CURLcode set_tls_options(CURL* h);
  Result<CurlSlist> build_headers(const HttpRequest& req) const;
};

Result<CurlSlist> CurlHttpClient::Impl::build_headers(const HttpRequest& req) const {
  CurlSlist list;
  auto append = [&list](const char* line) -> bool {
    curl_slist* next = g_curl.slist_append(list.get(), line);
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
    if (!append((name + ": " + value).c_str()))
      return fail(Code::Internal, "out of memory building headers");
  }
  if (req.bearer_token) {
    static constexpr std::string_view kPrefix = "Authorization: Bearer ";
    const auto token = *req.bearer_token;
    if (std::find_if(token.begin(), token.end(), [](std::uint8_t c) {
          return c == '\r' || c == '\n' || c == '\0';
        }) != token.end())
      return fail(Code::InvalidArgument, "the bearer token holds a line break or NUL");
    auto line = SecureBuffer::make(kPrefix.size() + token.size() + 1);
    if (!line) return std::unexpected(std::move(line.error()));
    auto out = std::copy(kPrefix.begin(), kPrefix.end(), line->bytes().begin());
    out = std::copy(token.begin(), token.end(), out);
    *out = '\0';
    if (!append(reinterpret_cast<const char*>(line->bytes().data())))
      return fail(Code::Internal, "out of memory building headers");
  }
  return list;
}

CURLcode CurlHttpClient::Impl::set_tls_options(CURL* h) {
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  if (!ca.pem.empty() && !options.trust_system_store) {
    // The --cert-file roots alone, from memory: no system bundle is parsed, no file re-read.
    curl_blob blob{ca.pem.data(), ca.pem.size(), CURL_BLOB_NOCOPY};
    set(g_curl.easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob));
    set(g_curl.easy_setopt(h, CURLOPT_CAINFO, nullptr));
    set(g_curl.easy_setopt(h, CURLOPT_CAPATH, nullptr));
  } else {
    if (!options.system_ca_file.empty()) {
      set(g_curl.easy_setopt(h, CURLOPT_CAINFO, options.system_ca_file.c_str()));
      set(g_curl.easy_setopt(h, CURLOPT_CAPATH, nullptr));
    }
    if (!ca.certs.empty()) {  // --trust-system-store: the roots are added to the system store
      set(g_curl.easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, &Impl::on_ssl_ctx));
      set(g_curl.easy_setopt(h, CURLOPT_SSL_CTX_DATA, this));
    }
  }
  if (!pinned_keys.empty())
    set(g_curl.easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pinned_keys.c_str()));
  return rc;
}

Attempt<HttpResponse> CurlHttpClient::Impl::perform(const HttpRequest& req,
                                                    milliseconds remaining) {
  // Reuse the cached handle when no other call holds it: curl_easy_reset() clears the options
  // but keeps the live connection, the TLS session and the CA store cache.
  std::unique_lock lock(cached_mu, std::try_to_lock);
  if (lock.owns_lock() && cached) {
    g_curl.easy_reset(cached.get());
    return perform_on(cached.get(), req, remaining);
  }
  CurlEasy easy(g_curl.easy_init());
  if (!easy)
    return {fail(Code::Internal,
                 req.method + " " + redact_url_credentials(req.url) + ": curl_easy_init failed"),
            false};
  auto a = perform_on(easy.get(), req, remaining);
  if (lock.owns_lock()) cached = std::move(easy);
  return a;
}

Attempt<HttpResponse> CurlHttpClient::Impl::perform_on(CURL* h, const HttpRequest& req,
                                                       milliseconds remaining) {
  const std::string what = req.method + " " + redact_url_credentials(req.url);
  if (remaining <= milliseconds::zero())
    return {fail(Code::DeadlineExceeded, what + ": timed out (overall deadline reached)"), false};
  const auto cancelled_error = [&] {
    return Attempt<HttpResponse>{fail(Code::Unavailable, what + ": cancelled (shutting down)"),
                                 false};
  };
  if (cancelled.load()) return cancelled_error();
  auto headers = build_headers(req);
  if (!headers) return {std::unexpected(std::move(headers.error())), false};

  Transfer t;
  t.max_body = options.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {};
  const auto connect_ms = std::min(options.connect_timeout, remaining).count();
  const auto total_ms = std::min(options.request_timeout, remaining).count();

  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  set(g_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf));
  set(g_curl.easy_setopt(h, CURLOPT_URL, req.url.c_str()));
  if (!options.unix_socket_path.empty())
    set(g_curl.easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, options.unix_socket_path.c_str()));
  set(g_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR,
                         options.allow_insecure_http ? "http,https" : "https"));
  set(g_curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(g_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L));  // threads: no SIGALRM-based DNS timeouts
  set(g_curl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
  set(g_curl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
  set(g_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(std::max<long long>(connect_ms, 1))));
  set(g_curl.easy_setopt(h, CURLOPT_TIMEOUT_MS,
                         static_cast<long>(std::max<long long>(total_ms, 1))));
  set(g_curl.easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str()));
  set(g_curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers->get()));
  set(g_curl.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options.max_response_bytes)));
  set(g_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body));
  set(g_curl.easy_setopt(h, CURLOPT_WRITEDATA, &t));
  set(g_curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header));
  set(g_curl.easy_setopt(h, CURLOPT_HEADERDATA, &t));
  set(g_curl.easy_setopt(h, CURLOPT_NOPROGRESS, 0L));
  set(g_curl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &Impl::on_progress));
  set(g_curl.easy_setopt(h, CURLOPT_XFERINFODATA, this));
  if (req.method == "POST") {
    set(g_curl.easy_setopt(h, CURLOPT_POST, 1L));
    set(g_curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                           static_cast<curl_off_t>(req.body.size())));
    set(g_curl.easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str()));
  } else if (req.method == "GET") {
    set(g_curl.easy_setopt(h, CURLOPT_HTTPGET, 1L));
  } else {
    return {fail(Code::InvalidArgument, what + ": unsupported HTTP method"), false};
  }
  // An empty proxy string makes libcurl ignore the proxy environment variables too.
  if (!options.use_proxy) set(g_curl.easy_setopt(h, CURLOPT_PROXY, ""));
  set(set_tls_options(h));
  if (!options.client_cert_file.empty()) {
    set(g_curl.easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM"));
    set(g_curl.easy_setopt(h, CURLOPT_SSLCERT, options.client_cert_file.c_str()));
    set(g_curl.easy_setopt(h, CURLOPT_SSLKEY, options.client_key_file.c_str()));
  }
  if (rc != CURLE_OK)
    return {fail(Code::Internal, what + ": libcurl option: " + g_curl.easy_strerror(rc)), false};

  rc = g_curl.easy_perform(h);
  // The handle outlives this call: nothing may point at this frame's buffers any more.
  g_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  g_curl.easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  const std::string detail = redact_url_credentials(
      errbuf[0] != '\0' ? std::string(errbuf) : std::string(g_curl.easy_strerror(rc)));
  if (rc == CURLE_OK) {
    long status = 0;
    g_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = status;
    Attempt<HttpResponse> a{std::move(t.response), is_retryable_status(status)};
    if (a.retryable)
      if (auto ra = a.result->header("retry-after"))
        if (auto secs = parse_retry_after(*ra)) a.retry_after = *secs;
    return a;
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK && cancelled.load()) return cancelled_error();
  if (t.body_too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return {fail(Code::Corrupt, what + ": response larger than " +
                                    std::to_string(options.max_response_bytes) + " bytes"),
            false};
  if (t.headers_too_large)
    return {fail(Code::Corrupt, what + ": response headers larger than " +
                                    std::to_string(kMaxHeaderBytes) + " bytes"),
            false};
  if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
    return {fail(Code::Unavailable,
                 what + ": TLS: the server's public key matches no --pin-sha256 (" + detail + ")"),
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
      g_curl.easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
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
  // No libcurl yet: a client that is made but never used (the Azure IMDS client main() sets up
  // for every command) costs nothing; the first send() loads it.
  auto impl = std::make_unique<Impl>();
  if (!options.ca_file.empty()) {
    auto ca = load_ca_file(options.ca_file);
    if (!ca) return std::unexpected(std::move(ca.error()));
    impl->ca = std::move(*ca);
  }
  auto pins = pinned_key_list(options.pinned_sha256);
  if (!pins) return std::unexpected(std::move(pins.error()));
  impl->pinned_keys = std::move(*pins);
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

void CurlHttpClient::cancel() { impl_->cancelled.store(true); }

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  ATTEST_TRY(check_url_scheme(request.url, impl_->options.allow_insecure_http));
  ATTEST_TRY(global_init());
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

}  // namespace attest::http
