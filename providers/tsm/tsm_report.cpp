#include "providers/tsm/tsm_report.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <exception>
#include <random>

namespace attest {
namespace {

constexpr int kCreateAttempts = 3;  // fresh names tried when one is already taken (EEXIST)

std::string unique_entry_name() {
  // Unique per process (counter) and across processes (random): the kernel doc recommends one
  // entry per requesting context so that two agents never share generation counters.
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t r = 0;
  try {
    std::random_device rd;
    r = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  } catch (const std::exception&) {
    // No entropy source: the clock still separates processes well enough, and a clash is
    // caught as EEXIST and retried with another name.
    r = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  }
  std::uint8_t raw[8];
  store_le64(raw, r);
  return "attest-" + hex_encode(raw) + "-" + std::to_string(counter.fetch_add(1));
}

// Retries an operation that failed with EBUSY, doubling the pause each time.
template <class F>
auto retry_busy(Os& os, F&& op) -> decltype(op()) {
  auto delay = kTsmBusyBackoff;
  for (int attempt = 1;; ++attempt) {
    auto r = op();
    if (r || r.error().os_errno != EBUSY || attempt == kTsmBusyAttempts) return r;
    os.clock().sleep_for(delay);
    delay *= 2;
  }
}

Result<std::uint64_t> parse_generation(std::string_view text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end)
    return fail(Code::Corrupt, "generation is not a decimal number: '" + std::string(text) + "'");
  return v;
}

// The error for a generation that does not match our own writes.
std::unexpected<Error> race_error(std::uint64_t got, std::uint64_t want) {
  return fail(Code::Unavailable, "generation is " + std::to_string(got) + ", expected " +
                                     std::to_string(want) +
                                     ": another process wrote to the same report entry");
}

// A blob read failed. ENXIO there is not "absent" (as errno tables have it) but the provider
// failing to produce the report, e.g. an SNP firmware status other than INVALID_PARAM/KEY;
// keeping it out of NotFound stops callers from treating it as "configfs-tsm not usable".
std::unexpected<Error> blob_error(Error e, std::string_view what) {
  if (e.os_errno == ENXIO)
    return fail(Code::Internal,
                "tsm: " + std::string(what) + ": the provider failed to produce a report (ENXIO)",
                ENXIO);
  return std::unexpected(std::move(e).with_context("tsm: " + std::string(what)));
}

// One full attempt on a fresh entry. A racing writer is reported as Unavailable with
// os_errno 0 and a message starting "generation is"; `raced` tells the caller to retry.
Result<TsmOutput> attempt_report(Os& os, const ProviderConfig& cfg,
                                 std::string_view expected_provider, ByteView inblob,
                                 std::optional<unsigned> privlevel, bool& raced) {
  raced = false;
  auto entry = TsmReport::create(os, cfg.tsm_report_dir);
  if (!entry) return std::unexpected(std::move(entry.error()));
  auto provider = entry->provider();
  if (!provider) return std::unexpected(std::move(provider.error()));
  if (*provider != expected_provider)
    return fail(Code::NotFound, "configfs-tsm provider is '" + *provider + "', expected '" +
                                    std::string(expected_provider) + "'");
  auto start = entry->generation();
  if (!start) return std::unexpected(std::move(start.error()));
  if (*start != 0) {  // someone wrote between our mkdir and now
    raced = true;
    return race_error(*start, 0);
  }
  std::uint64_t writes = 0;
  if (privlevel) {
    ATTEST_TRY(entry->write_privlevel(*privlevel));
    ++writes;
  }
  ATTEST_TRY(entry->write_inblob(inblob));
  ++writes;
  auto out = entry->read_outblob();
  if (!out) return std::unexpected(std::move(out.error()));
  // Read auxblob before the final generation check: it comes from the same generation only
  // if nobody wrote in between, and the check below proves that.
  auto aux = entry->read_auxblob();
  if (!aux) return std::unexpected(std::move(aux.error()));
  auto end = entry->generation();
  if (!end) return std::unexpected(std::move(end.error()));
  if (*end != writes) {
    raced = true;
    return race_error(*end, writes);
  }
  ATTEST_TRY(entry->remove());
  return TsmOutput{std::move(*provider), std::move(*out), std::move(*aux)};
}

}  // namespace

Result<TsmReport> TsmReport::create(Os& os, const std::filesystem::path& root) {
  for (int attempt = 1;; ++attempt) {
    std::filesystem::path p = root / unique_entry_name();
    auto made = os.mkdir(p);
    if (made) return TsmReport(os, std::move(p));
    const int err = made.error().os_errno;
    if (err == EEXIST && attempt < kCreateAttempts) continue;
    if (err == ENXIO)
      return fail(Code::NotFound,
                  "tsm: no configfs-tsm provider registered (mkdir " + p.string() + ": ENXIO)",
                  err);
    if (err == ENOENT)
      return fail(Code::NotFound,
                  "tsm: configfs-tsm is not available (" + root.string() + " is missing)", err);
    return std::unexpected(std::move(made.error()).with_context("tsm"));
  }
}

TsmReport::TsmReport(TsmReport&& o) noexcept
    : os_(std::exchange(o.os_, nullptr)), path_(std::move(o.path_)) {}

TsmReport::~TsmReport() {
  if (os_ != nullptr) (void)os_->rmdir(path_);  // best effort; remove() reports errors
}

Result<void> TsmReport::remove() {
  Os* os = std::exchange(os_, nullptr);
  if (os == nullptr) return {};
  return with_context(os->rmdir(path_), "tsm");
}

Result<std::string> TsmReport::provider() {
  return with_context(read_text(*os_, path_ / "provider"), "tsm: read provider");
}

Result<std::uint64_t> TsmReport::generation() {
  auto text = read_text(*os_, path_ / "generation");
  if (!text) return std::unexpected(std::move(text.error()).with_context("tsm: read generation"));
  return with_context(parse_generation(*text), "tsm");
}

Result<void> TsmReport::write_privlevel(unsigned level) {
  const std::string text = std::to_string(level) + "\n";
  auto r =
      retry_busy(*os_, [&] { return write_file_once(*os_, path_ / "privlevel", as_bytes(text)); });
  if (!r && r.error().os_errno == EINVAL)
    return fail(Code::InvalidArgument,
                "tsm: write privlevel " + std::to_string(level) +
                    ": refused (EINVAL); it must lie within privlevel_floor..3 (for SNP the "
                    "VMPL the guest runs at, e.g. 1 or more under an SVSM)",
                EINVAL);
  return with_context(std::move(r), "tsm: write privlevel");
}

Result<void> TsmReport::write_inblob(ByteView data) {
  if (data.size() > kTsmInblobMax)
    return fail(Code::InvalidArgument,
                "tsm: inblob is " + std::to_string(data.size()) + " bytes; the maximum is 64");
  // configfs buffers the write and commits it in close(): EBUSY (generation wrap guard)
  // arrives there, so the whole open/write/close is what gets retried.
  return with_context(
      retry_busy(*os_, [&] { return write_file_once(*os_, path_ / "inblob", data); }),
      "tsm: write inblob");
}

Result<Bytes> TsmReport::read_outblob() {
  auto out = retry_busy(*os_, [&] { return read_file(*os_, path_ / "outblob"); });
  if (!out) return blob_error(std::move(out.error()), "read outblob");
  if (out->empty())
    return fail(Code::Unavailable,
                "tsm: outblob is empty (the provider failed to produce a report; older TDX "
                "kernels signal a failed GetQuote this way)");
  return out;
}

Result<Bytes> TsmReport::read_auxblob() {
  auto aux = retry_busy(*os_, [&] { return read_file(*os_, path_ / "auxblob"); });
  // Only ENOENT means "not shown for this provider"; ENXIO (also NotFound) is a firmware error.
  if (!aux && aux.error().os_errno == ENOENT) return Bytes{};
  if (!aux) return blob_error(std::move(aux.error()), "read auxblob");
  return aux;
}

Result<TsmOutput> tsm_get_report(Os& os, const ProviderConfig& cfg,
                                 std::string_view expected_provider, ByteView inblob,
                                 std::optional<unsigned> privlevel) {
  for (int attempt = 1;; ++attempt) {
    bool raced = false;
    auto r = attempt_report(os, cfg, expected_provider, inblob, privlevel, raced);
    if (r || !raced) return r;
    if (attempt == kTsmRaceAttempts)
      return fail(Code::Unavailable, "tsm: gave up after " + std::to_string(attempt) +
                                         " attempts: " + r.error().message);
  }
}

Result<std::optional<std::string>> tsm_probe_provider(Os& os, const ProviderConfig& cfg) {
  if (!os.exists(cfg.tsm_report_dir)) return std::optional<std::string>{};
  auto entry = TsmReport::create(os, cfg.tsm_report_dir);
  if (!entry && entry.error().os_errno == ENXIO) return std::optional<std::string>{};
  if (!entry) return std::unexpected(std::move(entry.error()));
  auto provider = entry->provider();
  if (!provider) return std::unexpected(std::move(provider.error()));
  ATTEST_TRY(entry->remove());
  return std::optional<std::string>(std::move(*provider));
}

}  // namespace attest
