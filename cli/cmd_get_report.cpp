// attest-cli get-report: the raw hardware report or quote for given report data.
#include <ostream>

#include "cli/commands.h"
#include "cli/output_options.h"
#include "providers/inspect.h"

namespace attest::cli {
namespace {

struct GetReportOptions {
  TeeOptions tee;
  ReportDataOptions report_data;
  std::string format = "raw";
  std::string output;
};

Result<void> run_get_report(const GetReportOptions& o, Context& ctx) {
  auto ev = collect_evidence(o.tee, o.report_data, ctx);
  if (!ev) return std::unexpected(std::move(ev.error()));
  std::string text;
  if (o.format == "raw") return write_output(ctx, o.output, ev->raw, 0644);
  if (o.format == "hex") {
    text = hex_encode(ev->raw) + "\n";
  } else if (o.format == "base64") {
    text = base64_encode(ev->raw) + "\n";
  } else {  // json
    auto fields = inspect_report(report_type_for(ev->tee), ev->raw);
    if (!fields) return std::unexpected(std::move(fields.error()));
    text = fields->dump(2) + "\n";
  }
  return write_output(ctx, o.output, as_bytes(text), 0644);
}

}  // namespace

Command get_report_command() {
  return {"get-report", "Print the raw hardware report or quote for given report data",
          [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
            auto o = std::make_shared<GetReportOptions>();
            add_tee_options(sub, o->tee, ctx);
            add_report_data_options(sub, o->report_data);
            sub.add_option("--format", o->format,
                           "raw (bytes), hex, base64, or json (the parsed fields)")
                ->check(CLI::IsMember({"raw", "hex", "base64", "json"}))
                ->capture_default_str();
            add_output_option(sub, "-o,--output", o->output,
                              "Write to PATH (atomically) instead of stdout");
            return [o, &ctx] { return run_get_report(*o, ctx); };
          }};
}

}  // namespace attest::cli
