// attest-cli get-evidence: the evidence JSON that Trustee's verifier for the TEE expects.
#include <ostream>

#include "cli/commands.h"
#include "cli/output_options.h"

namespace attest::cli {
namespace {

struct GetEvidenceOptions {
  TeeOptions tee;
  ReportDataOptions report_data;
  std::string output;
};

Result<void> run_get_evidence(const GetEvidenceOptions& o, Context& ctx) {
  auto ev = collect_evidence(o.tee, o.report_data, ctx);
  if (!ev) return std::unexpected(std::move(ev.error()));
  const std::string text = ev->json.dump() + "\n";
  return write_output(ctx, o.output, as_bytes(text), 0644);
}

}  // namespace

Command get_evidence_command() {
  return {"get-evidence", "Print the evidence JSON Trustee expects for this TEE",
          [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
            auto o = std::make_shared<GetEvidenceOptions>();
            add_tee_options(sub, o->tee, ctx);
            add_report_data_options(sub, o->report_data);
            add_output_option(sub, "-o,--output", o->output,
                              "Write to PATH (atomically) instead of stdout");
            return [o, &ctx] { return run_get_evidence(*o, ctx); };
          }};
}

}  // namespace attest::cli
