// The socket API's request handling (agent/api/routes): method, path, query and body from any
// local process that can reach the socket, handed to the pure Router over a fake Service. The
// HTTP parsing itself is libmicrohttpd's; the Router takes no headers (server.cpp reads none
// but the body's length), so the input is the request line and the body.
//
// Input: byte 0 picks the caller (root, a uid with a rule, a uid without one, loopback TCP),
// then "METHOD PATH[?QUERY]\n" and the body. QUERY is split on '&' and the first '=' as
// libmicrohttpd hands it over (already percent-decoded, so any byte may appear).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent/api/routes.h"
#include "fuzz/fuzz_support.h"
#include "tests/unit/api/fake_service.h"

namespace {

using namespace attest;

constexpr uid_t kRuledUid = 1000;
constexpr uid_t kNobody = 65534;

api::PeerCred caller(std::uint8_t selector) {
  api::PeerCred p;
  p.pid = 7;
  switch (selector & 3) {
    case 0:
      p.uid = p.gid = 0;
      break;
    case 1:
      p.uid = p.gid = kRuledUid;
      break;
    case 2:
      p.uid = p.gid = kNobody;
      break;
    default:
      p = {};
      p.loopback_tcp = true;
      break;
  }
  return p;
}

std::vector<config::AccessRule> rules() {
  config::AccessRule user;
  user.uids = {kRuledUid};
  user.resources = {"default/key/*", "app/*/t?ken"};
  user.token = true;
  config::AccessRule tcp;
  tcp.loopback = true;
  tcp.evidence = true;
  tcp.measurements = true;
  return {user, tcp};
}

std::vector<std::pair<std::string, std::string>> split_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view arg = q.substr(0, amp);
    const auto eq = arg.find('=');
    out.emplace_back(std::string(arg.substr(0, eq)),
                     eq == std::string_view::npos ? "" : std::string(arg.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

int service_calls(const testing::FakeService& s) {
  return s.resource_calls + s.token_calls + s.evidence_calls + s.measurement_calls;
}

}  // namespace

ATTEST_FUZZ_TARGET(api_request) {
  if (size == 0) return;
  const api::PeerCred peer = caller(data[0]);
  const std::string_view text = fuzz::text(data + 1, size - 1);
  const auto eol = text.find('\n');
  const std::string_view line = text.substr(0, eol);
  const std::string_view body = eol == std::string_view::npos ? "" : text.substr(eol + 1);
  const auto sp = line.find(' ');
  const std::string_view method = line.substr(0, sp);
  const std::string_view target = sp == std::string_view::npos ? "" : line.substr(sp + 1);
  const auto qm = target.find('?');
  const std::string_view path = target.substr(0, qm);
  const auto query = qm == std::string_view::npos ? decltype(split_query("")){}
                                                  : split_query(target.substr(qm + 1));

  testing::FakeService service;
  service.can_extend = (data[0] & 4) != 0;
  api::Metrics metrics;
  const api::Router router(service, metrics);
  const auto access = rules();

  // What server.cpp does: admit on the request line before reading any body, then handle.
  const api::Request head{method, path, query, {}, peer};
  const auto early = router.admit(head, access);
  const int calls_before = service_calls(service);
  const api::Request request{method, path, query, body, peer};
  const api::Response r = router.handle(request, access);

  ATTEST_FUZZ_CHECK(r.status >= 200 && r.status <= 599);
  // admit() is handle()'s first step: a request it stops is stopped the same way.
  if (early) ATTEST_FUZZ_CHECK(early->status == r.status && service_calls(service) == calls_before);
  // Secret bytes go out only on a 200 for a caller the rules allow, and say what they release.
  if (r.secret) {
    ATTEST_FUZZ_CHECK(r.status == 200 && !r.release.empty());
    ATTEST_FUZZ_CHECK(peer.uid != kNobody);
  }
  // A caller no rule covers gets nothing but refusals and never reaches the Service.
  if (peer.uid == kNobody && !peer.loopback_tcp && r.status == 200)
    ATTEST_FUZZ_CHECK(r.route == api::Route::Health || r.route == api::Route::Metrics ||
                      r.route == api::Route::Info || r.route == api::Route::CocoInfo);
  if (peer.uid == kNobody && !peer.loopback_tcp)
    ATTEST_FUZZ_CHECK(service.resource_calls == 0 && service.token_calls == 0 &&
                      service.evidence_calls == 0 && service.measurement_calls == 0);
  // Every error is {"error": <what failed>, "code": <code name>} and releases nothing.
  if (r.status >= 400) {
    ATTEST_FUZZ_CHECK(!r.secret && r.release.empty());
    ATTEST_FUZZ_CHECK(r.content_type == "application/json");
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    ATTEST_FUZZ_CHECK(j.is_object() && j.contains("error") && j["error"].is_string() &&
                      !j["error"].get<std::string>().empty() && j.contains("code") &&
                      j["code"].is_string());
  }
  // No resource's bytes in a non-secret body unless the caller sent them itself.
  if (!r.secret)
    for (const auto& [name, value] : service.resources)
      if (r.body.find(value) != std::string::npos)
        ATTEST_FUZZ_CHECK(text.find(value) != std::string_view::npos);
}
