#include "cli/cli.h"

#include <cstdlib>
#include <ostream>

#include "cli/exit_codes.h"
#include "common/redact.h"

namespace attest::cli {

void add_tee_options(CLI::App& sub, TeeOptions& opts, Context& ctx) {
  if (ctx.config.evidence.tee) opts.tee = *ctx.config.evidence.tee;
  sub.add_option("--tee", opts.tee,
                 "TEE to use: auto (detect; never falls back to sample), tdx, snp, cca, "
                 "az-snp-vtpm, az-tdx-vtpm, tpm, sample")
      ->capture_default_str();
  add_tcti_option(sub, ctx);
}

void add_tcti_option(CLI::App& sub, Context& ctx) {
  sub.add_option("--tcti", ctx.providers.tcti,
                 "TPM transport (tpm2-tss TCTI string), e.g. device:/dev/tpmrm0 or "
                 "swtpm:host=127.0.0.1,port=2321; env ATTEST_TCTI; config [evidence] tcti")
      ->capture_default_str();
}

Result<std::unique_ptr<EvidenceProvider>> open_provider(const TeeOptions& opts, Context& ctx) {
  TeeKind kind;
  if (opts.tee == "auto") {
    auto detected = detect_tee(ctx.os, ctx.providers);
    if (!detected) return std::unexpected(std::move(detected.error()));
    kind = *detected;
  } else {
    auto parsed = parse_tee(opts.tee);
    if (!parsed) return std::unexpected(std::move(parsed.error()));
    kind = *parsed;
  }
  return make_provider(kind, ctx.os, ctx.providers);
}

void add_report_data_options(CLI::App& sub, ReportDataOptions& opts) {
  auto* hex = sub.add_option("--report-data", opts.hex,
                             "Report data as hex (up to 64 bytes; shorter is zero-padded)");
  auto* file = sub.add_option("--report-data-file", opts.file,
                              "Read the report data (raw bytes, up to 64) from PATH ('-' = stdin)");
  hex->excludes(file);
}

Result<Bytes> load_report_data(const ReportDataOptions& opts, Context& ctx) {
  Bytes data;
  if (!opts.hex.empty()) {
    auto decoded = hex_decode(opts.hex);
    if (!decoded) return std::unexpected(std::move(decoded.error()).with_context("--report-data"));
    data = std::move(*decoded);
  } else if (!opts.file.empty()) {
    auto read = read_file(ctx.os, opts.file == "-" ? "/dev/stdin" : opts.file, 4096);
    if (!read) return std::unexpected(std::move(read.error()).with_context("--report-data-file"));
    data = std::move(*read);
  }
  if (data.size() > kMaxReportData)
    return fail(Code::InvalidArgument,
                "report data is " + std::to_string(data.size()) + " bytes; the maximum is 64");
  return data;
}

std::vector<std::string> rewrite_trustee_args(const std::vector<std::string>& args) {
  std::vector<std::string> leading;  // --config stays before the subcommand: it is global
  std::vector<std::string> globals;
  std::size_t i = 1;
  while (i < args.size()) {
    const std::string& a = args[i];
    if (a.starts_with("--config=")) {
      leading.push_back(a);
      i += 1;
    } else if (a == "--config" && i + 1 < args.size()) {
      leading.push_back(a);
      leading.push_back(args[i + 1]);
      i += 2;
    } else if (a.starts_with("--url=") || a.starts_with("--cert-file=")) {
      globals.push_back(a);
      i += 1;
    } else if ((a == "--url" || a == "--cert-file") && i + 1 < args.size()) {
      globals.push_back(a);
      globals.push_back(args[i + 1]);
      i += 2;
    } else {
      break;
    }
  }
  if (globals.empty() || i >= args.size() || args[i].starts_with("-")) return args;
  std::vector<std::string> out{args[0]};
  out.insert(out.end(), leading.begin(), leading.end());
  out.push_back(args[i]);
  out.insert(out.end(), globals.begin(), globals.end());
  if (args[i] != "get-resource") {
    out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
    return out;
  }
  out.emplace_back("--base64");
  // trustee-attester's --initdata is the TOML text itself (guest-components 060b8d2,
  // attestation-agent/kbs_protocol/src/bin/trustee-attester/main.rs: `initdata: Option<String>`
  // handed to add_initdata); ours names a file, so it becomes --initdata-text here.
  for (std::size_t j = i + 1; j < args.size(); ++j) {
    if (args[j] == "--initdata")
      out.emplace_back("--initdata-text");
    else if (args[j].starts_with("--initdata="))
      out.push_back("--initdata-text=" + args[j].substr(11));
    else
      out.push_back(args[j]);
  }
  return out;
}

Result<Evidence> collect_evidence(const TeeOptions& tee, const ReportDataOptions& report_data,
                                  Context& ctx) {
  auto data = load_report_data(report_data, ctx);
  if (!data) return std::unexpected(std::move(data.error()));
  auto provider = open_provider(tee, ctx);
  if (!provider) return std::unexpected(std::move(provider.error()));
  return (*provider)->get_evidence(*data);
}

std::optional<std::string> explicit_config_path(const std::vector<std::string>& args) {
  // Only the options before the subcommand are global; a value-taking option cannot precede
  // --config there (trustee's --url/--cert-file were moved behind the subcommand already).
  for (std::size_t i = 1; i < args.size() && args[i].starts_with("-"); ++i) {
    if (args[i].starts_with("--config=")) return args[i].substr(9);
    if (args[i] == "--config") {
      if (i + 1 < args.size()) return args[i + 1];
      return std::nullopt;  // CLI11 reports the missing value
    }
  }
  if (const char* env = std::getenv("ATTEST_CONFIG"); env != nullptr && *env != '\0')
    return std::string(env);
  return std::nullopt;
}

Result<void> load_context_config(const std::vector<std::string>& args, Context& ctx) {
  const auto explicit_path = explicit_config_path(args);
  Result<config::AgentConfig> loaded = config::AgentConfig{};
  if (explicit_path)
    loaded = config::load_config(ctx.os, *explicit_path, config::ConfigOrigin::Explicit);
  else if (!ctx.default_config.empty())
    loaded = config::load_config(ctx.os, ctx.default_config, config::ConfigOrigin::Default);
  if (loaded) {
    ctx.config = std::move(*loaded);
    config::apply_evidence(ctx.config.evidence, ctx.providers);
  }
  // The environment beats the file, whether or not the file could be read.
  if (const char* tcti = std::getenv("ATTEST_TCTI"); tcti != nullptr && *tcti != '\0')
    ctx.providers.tcti = tcti;
  if (!loaded) return std::unexpected(std::move(loaded.error()));
  return {};
}

Result<void> call_command(const std::function<Result<void>()>& action) noexcept {
  try {
    return action();
  } catch (const std::bad_alloc&) {
    return fail(Code::Internal, "out of memory");
  } catch (const std::exception& e) {
    return fail(Code::Internal, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return fail(Code::Internal, "unexpected exception");
  }
}

int run(const std::vector<std::string>& raw_args, Context& ctx) {
  const std::vector<std::string> args = rewrite_trustee_args(raw_args);
  CLI::App app{"attest-cli: hardware evidence and Trustee KBS secrets for confidential VMs",
               "attest-cli"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "attest-cli 0.1.0");
  app.footer(
      "Exit codes: 0 ok, 1 internal error, 2 usage error, 3 no TEE or device error, 4 bad input,\n"
      "5 network error, 6 attestation refused, 7 access denied, 8 output not written. See "
      "README.md.");
  std::string config_path;  // read by load_context_config(); declared here for parsing and help
  app.add_option("--config", config_path,
                 "Configuration file (default " + std::string(config::kDefaultConfigPath) +
                     "; env ATTEST_CONFIG). Flags and environment override it.");
  // Before the commands declare their options: the file's values become their defaults. A bad
  // file is reported after parsing, so that --help still works.
  const Result<void> config_loaded = load_context_config(args, ctx);

  std::function<Result<void>()> action;
  std::vector<std::function<Result<void>()>> actions(commands().size());
  for (std::size_t i = 0; i < commands().size(); ++i) {
    const Command& c = commands()[i];
    CLI::App* sub = app.add_subcommand(std::string(c.name), std::string(c.help));
    actions[i] = c.setup(*sub, ctx);
    sub->callback([&action, &actions, i] { action = actions[i]; });
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  if (!reversed.empty()) reversed.pop_back();  // argv[0]
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    ctx.out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    ctx.out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    ctx.out << app.version() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // A subcommand's --help raises CallForHelp from within; CLI11 reports it as success.
    if (e.get_exit_code() == 0) {
      app.exit(e, ctx.out, ctx.err);
      return kExitOk;
    }
    ctx.err << "attest-cli: " << redact_url_credentials(e.what()) << "\n";
    ctx.err << "Run 'attest-cli --help' for usage.\n";
    return kExitUsage;
  }
  if (!config_loaded) {
    ctx.err << "attest-cli: " << config_loaded.error().message << "\n";
    // A bad, missing or unsafe configuration file is the caller's to fix, like a bad option:
    // exit 2, not 7 (which scripts read as "the KBS denied access").
    return config_loaded.error().code == Code::Internal ? kExitInternal : kExitUsage;
  }
  if (!action) {
    ctx.err << "attest-cli: no command given\n";
    return kExitUsage;
  }
  auto result = call_command(action);
  if (!result) {
    ctx.err << "attest-cli: " << redact_url_credentials(result.error().message) << "\n";
    return ctx.output_failed ? kExitOutput : exit_code_for(result.error());
  }
  ctx.out.flush();
  return kExitOk;
}

}  // namespace attest::cli
