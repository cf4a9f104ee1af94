// attest-agent: parse the flags (spelled like attest-cli's) and run the daemon.
#include <CLI/CLI.hpp>
#include <iostream>

#include "agent/daemon/daemon.h"
#include "agent/kbs/connection_flags.h"

int main(int argc, char** argv) {
  using attest::daemon::DaemonFlags;
  DaemonFlags f;
  CLI::App app{
      "attest-agent: attests this confidential VM to a Trustee KBS, keeps the released "
      "secrets in locked memory and serves them on a Unix socket",
      "attest-agent"};
  app.set_version_flag("--version", std::string("attest-agent ") + attest::daemon::kAgentVersion);
  app.footer(
      "Flags override the configuration file, which overrides the built-in defaults.\n"
      "Signals: SIGTERM/SIGINT stop (exit 0), SIGHUP reloads the configuration.\n"
      "Exit codes: 0 stopped by a signal or --check-config passed; 1 could not start (socket, "
      "TEE,\n"
      "device); 2 bad flag or configuration.");
  app.add_option("--config", f.config,
                 std::string("Configuration file (default ") + attest::config::kDefaultConfigPath +
                     "; env ATTEST_CONFIG)");
  attest::kbs::add_kbs_trust_flags(app, f.url, f.cert_file, f.trust_system_store, f.pin_sha256);
  app.add_option("--tee", f.tee,
                 "TEE: auto (detect; never falls back to sample), tdx, snp, cca, az-snp-vtpm, "
                 "az-tdx-vtpm, tpm, sample; config [evidence] tee");
  app.add_option("--tcti", f.tcti, "TPM transport (tpm2-tss TCTI); env ATTEST_TCTI");
  app.add_option("--socket", f.socket, "Unix socket path; config [agent] socket_path");
  app.add_option("--secret", f.secrets,
                 "kbs:///repo/type/tag=PATH: fetch at start and write to PATH (relative: under "
                 "[agent] secrets_dir), mode 0400; repeatable, adds to [[secrets]]");
  app.add_option("--log-level", f.log_level,
                 "error, warning, notice, info or debug; config [agent] log_level")
      ->check(CLI::IsMember({"error", "warning", "notice", "info", "debug"}));
  app.add_flag("--check-config", f.check_config, "Validate the configuration and flags, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "attest-agent: " << e.what() << "\nRun 'attest-agent --help' for usage.\n";
    return attest::daemon::kExitConfig;
  }
  return attest::daemon::run(f);
}
