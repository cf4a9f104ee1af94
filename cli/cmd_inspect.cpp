// attest-cli inspect: decode a report, quote or event log and print its fields.
#include <ostream>

#include "cli/commands.h"
#include "providers/inspect.h"

namespace attest::cli {
namespace {

struct InspectOptions {
  std::string type = "auto";
  bool json = false;
  std::string input;
};

// Operators often have reports as hex or base64 text (copied from logs or evidence JSON):
// accept those when the whole input is such text.
Bytes decode_text_encodings(Bytes data) {
  std::string text(data.begin(), data.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.empty() || text.size() < 64) return data;
  if (auto hex = hex_decode(text)) return std::move(*hex);
  if (auto b64 = base64_decode(text, Base64::Standard)) return std::move(*b64);
  if (auto b64url = base64_decode(text, Base64::Url)) return std::move(*b64url);
  return data;
}

// Human-readable form: one "path: value" line per leaf.
void print_flat(std::ostream& out, const nlohmann::json& j, const std::string& prefix) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) print_flat(out, v, prefix.empty() ? k : prefix + "." + k);
  } else if (j.is_array() && !j.empty() && (j.front().is_object() || j.front().is_array())) {
    for (std::size_t i = 0; i < j.size(); ++i)
      print_flat(out, j[i], prefix + "[" + std::to_string(i) + "]");
  } else {
    out << prefix << ": " << (j.is_string() ? j.get<std::string>() : j.dump()) << "\n";
  }
}

Result<void> run_inspect(const InspectOptions& o, Context& ctx) {
  auto type = parse_report_type(o.type);
  if (!type) return std::unexpected(std::move(type.error()));
  auto raw = read_file(ctx.os, o.input == "-" ? "/dev/stdin" : o.input, 64u << 20);
  if (!raw) {
    // The file to inspect is an argument: failing to read it is a usage problem, not a
    // device error (exit 2 rather than 3).
    Error e = std::move(raw.error());
    if (e.code == Code::NotFound) e.code = Code::InvalidArgument;
    return std::unexpected(std::move(e));
  }
  const Bytes data = decode_text_encodings(std::move(*raw));
  if (*type == ReportType::Auto) {
    type = sniff_report_type(data);
    if (!type) return std::unexpected(std::move(type.error()).with_context(o.input));
  }
  auto fields = inspect_report(*type, data);
  if (!fields) return std::unexpected(std::move(fields.error()).with_context(o.input));
  if (o.json) {
    ctx.out << fields->dump(2) << "\n";
  } else {
    ctx.out << "type: " << report_type_name(*type) << "\n";
    print_flat(ctx.out, *fields, "");
  }
  return {};
}

}  // namespace

Command inspect_command() {
  return {"inspect",
          "Decode a report, quote or event log (raw, hex or base64) and print its fields",
          [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
            auto o = std::make_shared<InspectOptions>();
            sub.add_option("--type", o->type,
                           "auto, tdx-quote, tdreport, snp-report, hcl-report, eventlog, ccel, "
                           "tpm-quote, cca-token")
                ->capture_default_str();
            sub.add_flag("--json", o->json, "Print the decoded fields as JSON");
            sub.add_option("file", o->input, "The file to decode ('-' = stdin)")->required();
            return [o, &ctx] { return run_inspect(*o, ctx); };
          }};
}

}  // namespace attest::cli
