// attest-cli pcr read [BANK:LIST]: PCR values, printed as tpm2_pcrread prints them (so scripts
// written for tpm2-tools keep working) or as JSON.
#include <ostream>

#include "cli/commands.h"
#include "cli/output_options.h"
#include "providers/tpm/pcr.h"

namespace attest::cli {
namespace {

struct PcrReadOptions {
  std::string selection;  // empty: every allocated bank, all of its PCRs
  std::string format = "text";
  std::string output;
};

// "  sha256:\n    0 : 0xABCD...\n    16: 0x..." (tpm2-tools 5.x layout, uppercase hex).
std::string render_text(const std::vector<tpm::PcrBankValues>& banks) {
  std::string out;
  for (const auto& bank : banks) {
    out += "  " + tpm::bank_name(bank.alg) + ":\n";
    for (const auto& v : bank.values) {
      std::string index = std::to_string(v.index);
      if (index.size() < 2) index += ' ';
      out += "    " + index + ": 0x" + hex_encode(v.digest, true) + "\n";
    }
  }
  return out;
}

// {"sha256": {"0": "<hex>", ...}, ...}
std::string render_json(const std::vector<tpm::PcrBankValues>& banks) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& bank : banks) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& v : bank.values) values[std::to_string(v.index)] = hex_encode(v.digest);
    j[tpm::bank_name(bank.alg)] = std::move(values);
  }
  return j.dump(2) + "\n";
}

Result<void> run_pcr_read(const PcrReadOptions& o, Context& ctx) {
  auto esys = tpm::Esys::open(ctx.providers.tcti);
  if (!esys) return std::unexpected(std::move(esys.error()));
  auto sel =
      o.selection.empty() ? tpm::allocated_pcr_banks(*esys) : tpm::parse_pcr_selection(o.selection);
  if (!sel) return std::unexpected(std::move(sel.error()));
  auto banks = tpm::pcr_read(*esys, *sel);
  if (!banks) return std::unexpected(std::move(banks.error()));
  const std::string text = o.format == "json" ? render_json(*banks) : render_text(*banks);
  return write_output(ctx, o.output, as_bytes(text), 0644);
}

}  // namespace

Command pcr_command() {
  return {"pcr", "Read TPM PCRs ('pcr read [BANK:LIST]', e.g. sha256:0,1,7 or sha256:all)",
          [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
            auto o = std::make_shared<PcrReadOptions>();
            sub.require_subcommand(1);
            CLI::App* read = sub.add_subcommand("read", "Print PCR values");
            read->add_option("selection", o->selection,
                             "BANK:LIST[+BANK:LIST...], e.g. sha256:0,1,7 or sha1:all+sha256:all "
                             "(default: every allocated bank)");
            read->add_option("--format", o->format, "text (the layout of tpm2_pcrread) or json")
                ->check(CLI::IsMember({"text", "json"}))
                ->capture_default_str();
            add_output_option(*read, "-o,--output", o->output,
                              "Write to PATH (atomically) instead of stdout");
            add_tcti_option(*read, ctx);
            return [o, &ctx] { return run_pcr_read(*o, ctx); };
          }};
}

}  // namespace attest::cli
