#include "agent/kbs/wire.h"

#include "common/json_depth.h"

namespace attest::kbs {
namespace {

using nlohmann::json;

std::string type_name(const json& j) { return j.type_name(); }

// The non-empty string member `key` of a KBS response object, at most `max_length` bytes;
// shared by the /auth and /attest response parsers.
Result<std::string> required_string_member(const json& j, std::string_view what,
                                           std::string_view key, std::size_t max_length) {
  // Appended, not `"\"" + std::string&&`: that trips GCC 12's false -Wrestrict at -O2/-O3
  // (GCC bug 105651).
  std::string quoted(1, '"');
  quoted.append(key);
  quoted += '"';
  if (!j.is_object())
    return fail(Code::Corrupt, std::string(what) + ": expected a JSON object, got " + type_name(j));
  const auto member = j.find(key);
  if (member == j.end()) return fail(Code::Corrupt, std::string(what) + ": no " + quoted);
  if (!member->is_string())
    return fail(Code::Corrupt, std::string(what) + ": " + quoted + " is a " + type_name(*member) +
                                   ", not a string");
  std::string value = member->get<std::string>();
  if (value.empty()) return fail(Code::Corrupt, std::string(what) + ": " + quoted + " is empty");
  if (value.size() > max_length)
    return fail(Code::Corrupt, std::string(what) + ": " + quoted + " is " +
                                   std::to_string(value.size()) + " bytes; the limit is " +
                                   std::to_string(max_length));
  return value;
}

}  // namespace

Result<json> parse_json(std::string_view body, std::string_view what) {
  ATTEST_TRY(check_json_depth(body, what));
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    return fail(Code::Corrupt, std::string(what) + ": not JSON (syntax error at byte " +
                                   std::to_string(e.byte) + ")");
  } catch (const std::exception&) {
    return fail(Code::Corrupt, std::string(what) + ": not JSON");
  }
}

std::string build_auth_request(std::string_view tee) {
  const json body = {
      {"version", kProtocolVersion},
      {"tee", tee},
      // What guest-components sends; the built-in AS reads it only for `se`, Intel Trust
      // Authority uses it to negotiate (kbs-protocol.md §1.2).
      {"extra-params", {{"supported-hash-algorithms", {"sha256", "sha384", "sha512"}}}},
  };
  return body.dump();
}

Result<Challenge> parse_challenge(std::string_view body) {
  constexpr std::string_view kWhat = "KBS /auth response";
  auto parsed = parse_json(body, kWhat);
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  const json& j = *parsed;
  auto nonce = required_string_member(j, kWhat, "nonce", kMaxNonceLength);
  if (!nonce) return std::unexpected(std::move(nonce.error()));
  Challenge c;
  c.nonce = std::move(*nonce);
  const auto extra = j.find("extra-params");
  // Trustee sends "" (or an object for hash negotiation); an absent or null member means the
  // same as "".
  if (extra == j.end() || extra->is_null() || extra->is_string()) return c;
  if (!extra->is_object())
    return fail(Code::Corrupt, std::string(kWhat) + ": \"extra-params\" is a " + type_name(*extra) +
                                   ", expected a string or an object");
  const auto sel = extra->find("selected-hash-algorithm");
  if (sel == extra->end()) return c;
  if (!sel->is_string())
    return fail(Code::Corrupt, std::string(kWhat) + ": \"selected-hash-algorithm\" is a " +
                                   type_name(*sel) + ", not a string");
  const std::string name = sel->get<std::string>();
  // Only what we offered: sha256, sha384, sha512.
  auto alg = parse_hash_alg(name);
  if (!alg || (*alg != HashAlg::Sha256 && *alg != HashAlg::Sha384 && *alg != HashAlg::Sha512)) {
    std::string shown = name.substr(0, 32);
    for (char& ch : shown)
      if (ch < 0x20 || ch > 0x7e) ch = '?';
    return fail(Code::Unsupported, std::string(kWhat) + ": the KBS selected hash algorithm '" +
                                       shown +
                                       "', which is not one we offered (sha256, sha384, sha512)");
  }
  c.selected = *alg;
  return c;
}

Result<std::string> build_attestation(const std::optional<std::string>& initdata_toml,
                                      std::string_view nonce, const json& tee_pubkey,
                                      const json& primary_evidence,
                                      std::string_view additional_evidence) {
  json init = nullptr;
  if (initdata_toml) init = {{"format", "toml"}, {"body", *initdata_toml}};
  const json body = {
      {"init-data", std::move(init)},
      {"runtime-data", {{"nonce", nonce}, {"tee-pubkey", tee_pubkey}}},
      // snake_case inside, kebab-case outside: kbs-types' CompositeEvidence (§2.1).
      {"tee-evidence",
       {{"primary_evidence", primary_evidence}, {"additional_evidence", additional_evidence}}},
  };
  try {
    return body.dump();
  } catch (const json::exception&) {
    // dump() refuses invalid UTF-8; everything but the init-data text is ours and valid.
    return fail(Code::InvalidArgument, "init-data is not valid UTF-8 text");
  }
}

Result<std::string> parse_attest_response(std::string_view body) {
  constexpr std::string_view kWhat = "KBS /attest response";
  auto parsed = parse_json(body, kWhat);
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  return required_string_member(*parsed, kWhat, "token", kMaxTokenLength);
}

ErrorInfo parse_error_info(std::string_view body) {
  ErrorInfo info;
  if (!check_json_depth(body, "KBS error body")) return info;
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return info;
  auto clean = [](std::string s, std::size_t limit) {
    if (s.size() > limit) s = s.substr(0, limit) + "...";
    for (char& c : s)
      if (c < 0x20 || c > 0x7e) c = '?';
    return s;
  };
  if (auto t = j.find("type"); t != j.end() && t->is_string()) {
    std::string type = t->get<std::string>();
    const auto slash = type.rfind('/');
    info.variant = clean(slash == std::string::npos ? type : type.substr(slash + 1), 60);
  }
  if (auto d = j.find("detail"); d != j.end() && d->is_string())
    info.detail = clean(d->get<std::string>(), 300);
  return info;
}

std::string describe_status(long status, const ErrorInfo& info) {
  std::string s = std::to_string(status);
  if (!info.variant.empty()) s += " " + info.variant;
  if (!info.detail.empty()) s += ": " + info.detail;
  return s;
}

}  // namespace attest::kbs
