#include "agent/daemon/metrics.h"

#include <cstdio>

namespace attest::daemon {
namespace {

// Label values here are endpoint names, Code names and resource paths
// ([A-Za-z0-9_.-/?=&%]), but escape anyway: the exposition format breaks on '"', '\' and '\n'.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// name{k1="v1",k2="v2"} value
void sample(std::string& out, std::string_view name,
            std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
            std::string_view value) {
  out.append(name);
  if (labels.size() != 0) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out.append(k).append("=\"").append(label(v)).append("\"");
    }
    out += '}';
  }
  out.append(" ").append(value).append("\n");
}

std::string seconds_text(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", s);
  return buf;
}

}  // namespace

void Metrics::kbs_request(std::string_view endpoint, long status,
                          std::chrono::nanoseconds latency) {
  std::lock_guard lock(mu_);
  auto it = latency_.find(endpoint);
  if (it == latency_.end()) it = latency_.emplace(std::string(endpoint), Latency{}).first;
  it->second.count += 1;
  it->second.seconds += std::chrono::duration<double>(latency).count();
  ++responses_[{std::string(endpoint), status == 0 ? "none" : std::to_string(status)}];
  if (endpoint == "attest" && status == 200) ++handshakes_;
}

void Metrics::failure(std::string_view operation, Code code) {
  std::lock_guard lock(mu_);
  // "permission denied" -> "permission_denied": label values that need no quoting in queries.
  std::string kind(code_name(code));
  for (char& c : kind)
    if (c == ' ') c = '_';
  ++failures_[{std::string(operation), kind}];
}

void Metrics::release(const std::string& resource) {
  std::lock_guard lock(mu_);
  ++releases_[resource];
}

void Metrics::append(std::string& out, const store::StoreStats& store) const {
  using std::to_string;
  std::lock_guard lock(mu_);
  header(out, "attest_agent_handshakes_total", "counter",
         "KBS handshakes (auth and attest) that produced a token");
  sample(out, "attest_agent_handshakes_total", {}, to_string(handshakes_));

  header(out, "attest_agent_kbs_responses_total", "counter",
         "KBS requests by endpoint and HTTP status (none: no answer)");
  for (const auto& [key, n] : responses_)
    sample(out, "attest_agent_kbs_responses_total",
           {{"endpoint", key.first}, {"status", key.second}}, to_string(n));

  header(out, "attest_agent_kbs_request_duration_seconds", "summary",
         "Time per KBS request, retries included");
  for (const auto& [endpoint, l] : latency_) {
    sample(out, "attest_agent_kbs_request_duration_seconds_sum", {{"endpoint", endpoint}},
           seconds_text(l.seconds));
    sample(out, "attest_agent_kbs_request_duration_seconds_count", {{"endpoint", endpoint}},
           to_string(l.count));
  }

  header(out, "attest_agent_failures_total", "counter", "Failed operations by kind of error");
  for (const auto& [key, n] : failures_)
    sample(out, "attest_agent_failures_total", {{"operation", key.first}, {"code", key.second}},
           to_string(n));

  header(out, "attest_agent_cache_hits_total", "counter", "Secrets answered from memory");
  sample(out, "attest_agent_cache_hits_total", {}, to_string(store.hits));
  header(out, "attest_agent_cache_fetches_total", "counter",
         "Secret fetches from the KBS (concurrent callers share one)");
  sample(out, "attest_agent_cache_fetches_total", {}, to_string(store.fetches));
  header(out, "attest_agent_cache_joined_total", "counter",
         "Callers that waited for a fetch already in flight");
  sample(out, "attest_agent_cache_joined_total", {}, to_string(store.joined));

  header(out, "attest_agent_releases_total", "counter", "Secrets handed to clients, per resource");
  for (const auto& [resource, n] : releases_)
    sample(out, "attest_agent_releases_total", {{"resource", resource}}, to_string(n));
}

}  // namespace attest::daemon
