// attest-cli agent status|resource|token|evidence: ask a running attest-agent over its Unix
// socket (HTTP/1.1, the agent's /v1 API) instead of talking to the hardware and the KBS.
//
// Same exit codes as the stand-alone commands: the agent's error body carries the Code name
// ({"error","code"}), which maps back to the Code and so to the exit code get-resource would
// give for the same failure (a KBS that denies the resource: 7; unreachable: 5). A refusal by
// the agent itself (403) is 7 as well; no agent listening is 5.
#include <openssl/crypto.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <ostream>

#include "agent/http/http_client.h"
#include "agent/kbs/resource_uri.h"
#include "cli/commands.h"
#include "cli/output_options.h"
#include "cli/secret_output.h"
#include "common/secure_buffer.h"

namespace attest::cli {
namespace {

constexpr std::size_t kMaxAgentResponseBytes = 8u << 20;

constexpr const char* kAgentExitCodesHelp =
    "Exit codes: 0 ok; 2 bad option or resource URI (also an empty -o, an unsafe --mode); 3 the\n"
    "KBS has no such path, or the TEE cannot do it; 4 malformed answer or an empty secret\n"
    "without --allow-empty; 5 the agent is not running or not ready, or the KBS is unreachable\n"
    "or timed out; 6 the KBS refused the agent's evidence; 7 access denied (the agent's\n"
    "[[access]] rules, the socket's permissions, or the KBS policy); 8 the secret could not be\n"
    "written to the output (nothing is left behind); 1 internal error.";

struct AgentOptions {
  std::string socket;
  double timeout_seconds = 60;
  std::string uri;                // resource
  SecretOutputOptions out;        // resource, token
  ReportDataOptions report_data;  // evidence
  std::string evidence_output;    // evidence
  bool json = false;              // status
};

// A status answered without a usable {"code"}: the API's status table read backwards.
Code code_for_status(long status) {
  switch (status) {
    case 400:
    case 405:
    case 413:
    case 414:
      return Code::InvalidArgument;
    case 403:
      return Code::PermissionDenied;
    case 404:
      return Code::NotFound;
    case 501:
      return Code::Unsupported;
    case 502:
      return Code::Unauthenticated;
    case 503:
      return Code::Unavailable;
    case 504:
      return Code::DeadlineExceeded;
    default:
      return Code::Internal;
  }
}

Error error_of(const http::HttpResponse& r) {
  const auto j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  std::string message = "HTTP " + std::to_string(r.status);
  Code code = code_for_status(r.status);
  if (j.is_object()) {
    if (auto e = j.find("error"); e != j.end() && e->is_string()) message = e->get<std::string>();
    if (auto c = j.find("code"); c != j.end() && c->is_string()) {
      for (int i = 0; i <= static_cast<int>(Code::Internal); ++i)
        if (code_name(static_cast<Code>(i)) == c->get<std::string>()) code = static_cast<Code>(i);
    }
  }
  // A 403 from the agent is always the caller's refusal, whatever the body says.
  if (r.status == 403) code = Code::PermissionDenied;
  return Error{code, "agent: " + message};
}

// GET http://localhost<path> over the agent's socket. Non-200 answers become their Error.
Result<http::HttpResponse> get(const AgentOptions& o, Clock& clock, const std::string& path) {
  if (!(o.timeout_seconds > 0 && o.timeout_seconds <= 3600))
    return fail(Code::InvalidArgument, "--timeout: expected 0 < seconds <= 3600");
  http::HttpOptions h;
  h.unix_socket_path = o.socket;
  h.allow_insecure_http = true;  // plain HTTP, but only over the local socket
  h.use_proxy = false;
  h.retry.max_attempts = 1;  // the agent retries the KBS itself; a second ask would not help
  h.max_response_bytes = kMaxAgentResponseBytes;
  const auto timeout =
      std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000.0));
  h.request_timeout = timeout;
  h.overall_timeout = timeout;
  h.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000));
  auto client = http::CurlHttpClient::create(std::move(h), clock);
  if (!client) return std::unexpected(std::move(client.error()));
  http::HttpRequest req;
  req.url = "http://localhost" + path;
  auto r = (*client)->send(req);
  if (!r) {
    Error e = std::move(r.error());
    // The socket's mode or group keeps us out: access denied (7), not a network failure.
    if (e.os_errno == EACCES || e.os_errno == EPERM) e.code = Code::PermissionDenied;
    return std::unexpected(std::move(e).with_context("agent socket " + o.socket));
  }
  if (r->status != 200) {
    Error e = error_of(*r);
    OPENSSL_cleanse(r->body.data(), r->body.size());
    return std::unexpected(std::move(e));
  }
  return r;
}

// Copies a secret answer into locked memory and wipes the transfer buffer.
Result<SecureBuffer> take_secret(http::HttpResponse& r) {
  auto secret = SecureBuffer::copy_of(as_bytes(r.body));
  OPENSSL_cleanse(r.body.data(), r.body.size());
  return secret;
}

Result<void> run_resource(const AgentOptions& o, Context& ctx) {
  auto mode = secret_output_mode(o.out, ctx);
  if (!mode) return std::unexpected(std::move(mode.error()));
  auto uri = kbs::parse_resource_uri(o.uri);
  if (!uri) return std::unexpected(std::move(uri.error()));
  if (!uri->authority.empty() || !uri->query.empty())
    return fail(Code::InvalidArgument,
                "agent resource: give kbs:///repo/type/tag (the agent talks to its own KBS; "
                "no host, no ?query)");
  auto r = get(o, ctx.os.clock(), "/v1/resource/" + uri->path());
  if (!r) return std::unexpected(std::move(r.error()));
  auto secret = take_secret(*r);
  if (!secret) return std::unexpected(std::move(secret.error()));
  return write_secret(ctx, o.out, *mode, secret->bytes(), "agent resource " + uri->path());
}

Result<void> run_token(const AgentOptions& o, Context& ctx) {
  auto mode = secret_output_mode(o.out, ctx);
  if (!mode) return std::unexpected(std::move(mode.error()));
  auto r = get(o, ctx.os.clock(), "/v1/token");
  if (!r) return std::unexpected(std::move(r.error()));
  auto token = take_secret(*r);
  if (!token) return std::unexpected(std::move(token.error()));
  return write_secret(ctx, o.out, *mode, token->bytes(), "agent token");
}

Result<void> run_evidence(const AgentOptions& o, Context& ctx) {
  auto data = load_report_data(o.report_data, ctx);
  if (!data) return std::unexpected(std::move(data.error()));
  auto r = get(o, ctx.os.clock(),
               "/v1/evidence?runtime_data=" + base64_encode(*data, Base64::Url, false));
  if (!r) return std::unexpected(std::move(r.error()));
  return write_output(ctx, o.evidence_output, as_bytes(r->body), 0644);
}

Result<void> run_status(const AgentOptions& o, Context& ctx) {
  auto health = get(o, ctx.os.clock(), "/healthz");
  // Not ready is still an answer worth showing with the agent's info; other errors are not.
  std::optional<Error> not_ready;
  if (!health) {
    if (health.error().code != Code::Unavailable) return std::unexpected(health.error());
    not_ready = health.error();
  }
  auto info = get(o, ctx.os.clock(), "/v1/info");
  if (!info) return std::unexpected(std::move(info.error()));
  const auto j = nlohmann::json::parse(info->body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return fail(Code::Corrupt, "agent: /v1/info is not a JSON object");
  if (o.json) {
    nlohmann::json out = {{"ready", !not_ready}, {"info", j}};
    if (not_ready) out["reason"] = not_ready->message;
    ctx.out << out.dump(2) << "\n";
  } else {
    ctx.out << (not_ready ? "not ready" : "ready") << "\n";
    for (const auto& [key, value] : j.items())
      ctx.out << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
              << "\n";
  }
  if (not_ready) return std::unexpected(std::move(*not_ready));
  return {};
}

void add_common(CLI::App& sub, AgentOptions& o) {
  sub.add_option("--socket", o.socket, "The agent's Unix socket ([agent] socket_path)")
      ->capture_default_str();
  sub.add_option("--timeout", o.timeout_seconds,
                 "Give up after S seconds (a first resource waits for the KBS handshake)")
      ->capture_default_str();
}

}  // namespace

Command agent_command() {
  return {
      "agent", "Ask a running attest-agent over its socket (status, resource, token, evidence)",
      [](CLI::App& sub, Context& ctx) -> std::function<Result<void>()> {
        auto o = std::make_shared<AgentOptions>();
        o->socket = ctx.config.agent.socket_path.string();
        sub.require_subcommand(1);
        CLI::App* status = sub.add_subcommand(
            "status", "Readiness and what the agent holds (version, TEE, KBS, cached paths)");
        add_common(*status, *o);
        status->add_flag("--json", o->json, "Print {\"ready\",\"reason\",\"info\"} as JSON");
        CLI::App* resource = sub.add_subcommand(
            "resource", "Fetch a secret through the agent (kbs:///repo/type/tag)");
        resource->add_option("uri", o->uri, "kbs:///repo/type/tag or repo/type/tag")->required();
        add_common(*resource, *o);
        add_secret_output_options(*resource, o->out);
        CLI::App* token = sub.add_subcommand("token", "Print the agent's attestation token");
        add_common(*token, *o);
        add_secret_output_options(*token, o->out);
        CLI::App* evidence = sub.add_subcommand(
            "evidence", "Print evidence for runtime data (passed to the TEE unhashed)");
        add_common(*evidence, *o);
        add_report_data_options(*evidence, o->report_data);
        add_output_option(*evidence, "-o,--output", o->evidence_output,
                          "Write to PATH (atomically) instead of stdout ('-')");
        for (CLI::App* s : {status, resource, token, evidence}) s->footer(kAgentExitCodesHelp);
        return [o, &ctx, status, resource, token]() -> Result<void> {
          if (status->parsed()) return run_status(*o, ctx);
          if (resource->parsed()) return run_resource(*o, ctx);
          if (token->parsed()) return run_token(*o, ctx);
          return run_evidence(*o, ctx);
        };
      }};
}

}  // namespace attest::cli
