#include "agent/config/coco_kbc_params.h"

namespace attest::config {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// The kernel's COMMAND_LINE_SIZE is at most a few KiB; a larger "cmdline" is not one.
constexpr std::size_t kMaxCmdlineBytes = 64 * 1024;

Result<std::string> kbs_url_from(std::string_view value, std::string_view source) {
  auto p = parse_aa_kbc_params(value, source);
  if (!p) return std::unexpected(std::move(p.error()));
  if (p->kbc != "cc_kbc")
    return fail(Code::InvalidArgument,
                std::string(source) + " names the KBC '" + p->kbc +
                    "'; attest-agent talks to a Trustee KBS only (cc_kbc::<url>), or set "
                    "[kbs] url / --url");
  return std::move(p->url);
}

}  // namespace

Result<KbcParams> parse_aa_kbc_params(std::string_view value, std::string_view source) {
  for (char c : value)
    if (is_blank(c) || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return fail(Code::InvalidArgument,
                  std::string(source) + " holds whitespace or control characters");
  const std::size_t sep = value.find("::");
  if (sep == std::string_view::npos)
    return fail(Code::InvalidArgument, std::string(source) + " '" + std::string(value) +
                                           "' is not <kbc>::<url> (e.g. cc_kbc::https://kbs:8080)");
  KbcParams p{std::string(value.substr(0, sep)), std::string(value.substr(sep + 2))};
  if (p.kbc.empty()) return fail(Code::InvalidArgument, std::string(source) + " has no KBC name");
  if (p.url.empty()) return fail(Code::InvalidArgument, std::string(source) + " has no URL");
  return p;
}

std::optional<std::string_view> find_aa_kbc_params(std::string_view cmdline) {
  std::size_t i = 0;
  while (i < cmdline.size()) {
    while (i < cmdline.size() && is_blank(cmdline[i])) ++i;
    std::size_t end = i;
    while (end < cmdline.size() && !is_blank(cmdline[end])) ++end;
    const std::string_view word = cmdline.substr(i, end - i);
    if (word.starts_with(kAaKbcParamsCmdlineKey)) return word.substr(kAaKbcParamsCmdlineKey.size());
    i = end;
  }
  return std::nullopt;
}

std::string_view origin_name(KbsUrlOrigin origin) noexcept {
  switch (origin) {
    case KbsUrlOrigin::Configured:
      return "configured";
    case KbsUrlOrigin::AaKbcParamsEnv:
      return "AA_KBC_PARAMS";
    case KbsUrlOrigin::KernelCmdline:
      return "kernel command line agent.aa_kbc_params";
    default:
      return "none";
  }
}

Result<ResolvedKbsUrl> resolve_kbs_url(const std::optional<std::string>& configured,
                                       const CocoSources& sources, Os& os) {
  if (configured) return ResolvedKbsUrl{configured, KbsUrlOrigin::Configured};
  if (sources.aa_kbc_params_env) {
    auto url = kbs_url_from(*sources.aa_kbc_params_env, kAaKbcParamsEnv);
    if (!url) return std::unexpected(std::move(url.error()));
    return ResolvedKbsUrl{std::move(*url), KbsUrlOrigin::AaKbcParamsEnv};
  }
  auto raw = read_file(os, sources.cmdline_path, kMaxCmdlineBytes);
  if (!raw && raw.error().code == Code::NotFound) return ResolvedKbsUrl{};
  if (!raw) return std::unexpected(std::move(raw.error()).with_context("kernel command line"));
  const std::string cmdline(raw->begin(), raw->end());
  const auto value = find_aa_kbc_params(cmdline);
  if (!value) return ResolvedKbsUrl{};
  const std::string source = sources.cmdline_path.string() + " agent.aa_kbc_params";
  auto url = kbs_url_from(*value, source);
  if (!url) return std::unexpected(std::move(url.error()));
  return ResolvedKbsUrl{std::move(*url), KbsUrlOrigin::KernelCmdline};
}

}  // namespace attest::config
