// attest-cli as a library: main() builds PosixOs and calls run(); tests call run() with a fake
// kernel ABI behind the same Os seam and capture the output streams.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/config/config.h"
#include "common/error.h"
#include "common/os/os.h"
#include "providers/provider.h"

namespace attest::cli {

// What every command can reach: the OS seam, the streams, and the global options.
struct Context {
  Os& os;
  std::ostream& out;  // binary-safe: commands write raw bytes here
  std::ostream& err;
  ProviderConfig providers;
  // The configuration file read when no --config / ATTEST_CONFIG is given; a missing one is
  // not an error. Empty: none (tests); main() sets config::kDefaultConfigPath.
  std::filesystem::path default_config;
  // Filled by run() before the commands declare their options: the file's values become the
  // option defaults, so a flag given on the command line still wins.
  config::AgentConfig config;
  // Last, so that the brace initialisation {os, out, err, providers} keeps its meaning.
  // When >= 0 (main(): 1), write_output() sends to standard output with write(2) on this
  // descriptor, after flushing `out`: no stdio buffer keeps a copy of a secret.
  int out_fd = -1;
  // Set by write_output() when the output (file or stdout) could not be written: run() then
  // exits kExitOutput, not a code a script would read as a KBS answer.
  bool output_failed = false;
};

// A subcommand: `setup` declares its options on `sub` and returns the action to run after
// parsing. One file per command (cli/cmd_*.cpp).
struct Command {
  std::string_view name;
  std::string_view help;
  std::function<std::function<Result<void>()>(CLI::App& sub, Context& ctx)> setup;
};

const std::vector<Command>& commands();

// trustee-attester's spelling `attest-cli --url U [--cert-file F] get-resource --path P` puts
// KBS options before the subcommand. This moves them after it and, for get-resource, adds
// --base64 (trustee-attester prints the secret base64-encoded) and turns its --initdata (the
// TOML text) into our --initdata-text. Other argv pass unchanged.
std::vector<std::string> rewrite_trustee_args(const std::vector<std::string>& args);

// The configuration file named by the global option `--config PATH` (or `--config=PATH`) placed
// before the subcommand, else by ATTEST_CONFIG; nullopt when neither is given.
std::optional<std::string> explicit_config_path(const std::vector<std::string>& args);

// Loads the configuration (explicit path, else ctx.default_config), applies its [evidence]
// section to ctx.providers and keeps it in ctx.config; ATTEST_TCTI then overrides the file.
[[nodiscard]] Result<void> load_context_config(const std::vector<std::string>& args, Context& ctx);

// Parses argv, runs the chosen command, reports an error once on `err` and returns the exit code.
int run(const std::vector<std::string>& args, Context& ctx);

// Calls a command's action; exceptions stop here. An allocation failure becomes Internal "out of
// memory" (exit 1, one line) instead of an abort (exit 134).
[[nodiscard]] Result<void> call_command(const std::function<Result<void>()>& action) noexcept;

// Shared option helpers, so that every command spells and parses them the same way.
struct TeeOptions {
  std::string tee = "auto";
};
void add_tee_options(CLI::App& sub, TeeOptions& opts, Context& ctx);
// --tcti alone, for commands that talk to the TPM directly (pcr, tpm).
void add_tcti_option(CLI::App& sub, Context& ctx);
[[nodiscard]] Result<std::unique_ptr<EvidenceProvider>> open_provider(const TeeOptions& opts,
                                                                      Context& ctx);

struct ReportDataOptions {
  std::string hex;
  std::string file;
};
void add_report_data_options(CLI::App& sub, ReportDataOptions& opts);
// The report data bytes (at most 64; providers pad or place them).
[[nodiscard]] Result<Bytes> load_report_data(const ReportDataOptions& opts, Context& ctx);

// Loads the report data, opens the chosen (or detected) provider and collects its evidence:
// the common first half of get-report and get-evidence.
[[nodiscard]] Result<Evidence> collect_evidence(const TeeOptions& tee,
                                                const ReportDataOptions& report_data, Context& ctx);

// Writes bytes to `-o PATH` atomically (temp file + rename, mode 0600 unless given) or, for an
// empty path or '-', to standard output (ctx.out_fd, else ctx.out). A failure sets
// ctx.output_failed.
[[nodiscard]] Result<void> write_output(Context& ctx, const std::string& path, ByteView data,
                                        unsigned mode = 0600);

}  // namespace attest::cli
