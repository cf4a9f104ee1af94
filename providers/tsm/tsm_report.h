// The generic configfs-tsm report interface (/sys/kernel/config/tsm/report/<entry>/), shared by
// the tdx_guest, sev_guest and arm_cca_guest providers (docs/tee-interfaces.md §1; kernel
// drivers/virt/coco/guest/report.c, Documentation/ABI/testing/configfs-tsm-report).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/error.h"
#include "common/os/os.h"
#include "providers/provider.h"

namespace attest {

// The kernel's per-attribute maximum for inblob (TSM_REPORT_INBLOB_MAX).
inline constexpr std::size_t kTsmInblobMax = 64;
// Whole-sequence attempts when another writer races us on the same entry (generation check).
inline constexpr int kTsmRaceAttempts = 3;
// Attempts of a single write/commit/read that fails EBUSY, with doubling backoff from
// kTsmBusyBackoff (EBUSY: generation wrap guard on write, or a TDX GetQuote still in flight).
inline constexpr int kTsmBusyAttempts = 5;
inline constexpr std::chrono::milliseconds kTsmBusyBackoff{100};

// Owns one report entry: mkdir in create(), rmdir in the destructor (or remove()). configfs
// keeps an entry until someone removes it, so an owner type is the only way not to leak them
// on error paths.
class TsmReport {
 public:
  // mkdir a fresh uniquely named entry under `root`. ENXIO -> NotFound "no configfs-tsm
  // provider registered"; a missing root -> NotFound.
  [[nodiscard]] static Result<TsmReport> create(Os& os, const std::filesystem::path& root);

  TsmReport(TsmReport&& o) noexcept;
  TsmReport& operator=(TsmReport&&) = delete;
  TsmReport(const TsmReport&) = delete;
  TsmReport& operator=(const TsmReport&) = delete;
  ~TsmReport();  // rmdir, ignoring errors (nothing can be done about them here)

  const std::filesystem::path& path() const { return path_; }

  // `provider` without its trailing newline (e.g. "tdx_guest").
  [[nodiscard]] Result<std::string> provider();
  // `generation`: the number of successful writes to this entry.
  [[nodiscard]] Result<std::uint64_t> generation();
  // `privlevel` as ASCII decimal, as kstrtouint parses it (a raw byte would be EINVAL).
  [[nodiscard]] Result<void> write_privlevel(unsigned level);
  // `inblob` with one open/write/close; configfs commits binary attributes at close, so the
  // close result is checked. At most kTsmInblobMax bytes.
  [[nodiscard]] Result<void> write_inblob(ByteView data);
  // `outblob` to EOF (size is dynamic; an empty outblob is Unavailable: older TDX kernels
  // return 0 bytes when the quoting service failed).
  [[nodiscard]] Result<Bytes> read_outblob();
  // `auxblob` to EOF; an attribute the provider does not show (tdx_guest) reads as empty.
  [[nodiscard]] Result<Bytes> read_auxblob();
  // rmdir now and report the result; the destructor then does nothing.
  [[nodiscard]] Result<void> remove();

 private:
  TsmReport(Os& os, std::filesystem::path path) : os_(&os), path_(std::move(path)) {}
  Os* os_;
  std::filesystem::path path_;
};

struct TsmOutput {
  std::string provider;
  Bytes outblob;
  Bytes auxblob;  // empty when the provider has none
};

// The whole protocol (§1): mkdir, check `provider` == expected_provider, check generation 0,
// optional privlevel, inblob, outblob, auxblob, then require `generation` == number of writes.
// A racing writer restarts the sequence on a fresh entry up to kTsmRaceAttempts times, then
// Unavailable. EBUSY on a write, commit or read is retried with backoff (os.sleep_for).
// The entry is always removed.
[[nodiscard]] Result<TsmOutput> tsm_get_report(Os& os, const ProviderConfig& cfg,
                                               std::string_view expected_provider, ByteView inblob,
                                               std::optional<unsigned> privlevel);

// Which provider serves configfs-tsm: nullopt when configfs-tsm is absent (no report directory)
// or no provider is registered (mkdir ENXIO). Needs a mkdir of a probe entry, which is removed
// again. Other failures (e.g. PermissionDenied when not root) are errors.
[[nodiscard]] Result<std::optional<std::string>> tsm_probe_provider(Os& os,
                                                                    const ProviderConfig& cfg);

}  // namespace attest
