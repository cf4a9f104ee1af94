// A scripted api::Service for the API tests: resources from a map, errors by resource path,
// call counters, and an optional gate that holds resource() until the test opens it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/api/service.h"
#include "common/bytes.h"

namespace attest::testing {

class FakeService final : public api::Service {
 public:
  FakeService() {
    resources["default/key/disk"] = "disk-key-\x01\x02\x00\xff-SECRET";
    resources["default/key/other"] = "other-key-SECRET";
    errors["default/key/denied"] = Code::PermissionDenied;
    errors["default/key/down"] = Code::Unavailable;
    errors["default/key/slow"] = Code::DeadlineExceeded;
    errors["default/key/garbled"] = Code::Corrupt;
    errors["default/key/bug"] = Code::Internal;
    errors["default/key/refused"] = Code::Unauthenticated;
  }

  Result<api::SecretRef> resource(const kbs::ResourceUri& uri) override {
    ++resource_calls;
    wait_gate();
    const std::string path = uri.path();
    if (auto e = errors.find(path); e != errors.end())
      return fail(e->second, "kbs: resource " + path + ": scripted failure");
    auto it = resources.find(path);
    if (it == resources.end()) return fail(Code::NotFound, "kbs: no resource " + path);
    auto bytes = SecureBuffer::copy_of(as_bytes(it->second));
    if (!bytes) return std::unexpected(std::move(bytes.error()));
    return std::make_shared<const SecureBuffer>(std::move(*bytes));
  }

  // Paths in `cached` answer at once, never waiting at the gate (a cache hit); the rest are
  // misses that go through resource().
  api::SecretRef cached_resource(const kbs::ResourceUri& uri) override {
    std::lock_guard lock(mu_);
    const auto it = cached.find(uri.path());
    if (it == cached.end()) return nullptr;
    ++cached_hits;
    return it->second;
  }
  void cache(const std::string& path) {
    auto bytes = SecureBuffer::copy_of(as_bytes(resources.at(path)));
    std::lock_guard lock(mu_);
    if (bytes) cached[path] = std::make_shared<const SecureBuffer>(std::move(*bytes));
  }

  Result<api::TokenReply> token() override {
    ++token_calls;
    api::TokenReply r;
    auto t = SecureBuffer::copy_of(as_bytes(token_text));
    auto k = SecureBuffer::copy_of(as_bytes(key_pem));
    if (!t || !k) return fail(Code::Internal, "fake: SecureBuffer");
    r.token = std::move(*t);
    r.private_key_pem = std::move(*k);
    r.expires_at = 1900000000;
    return r;
  }

  Result<std::string> evidence(ByteView runtime_data) override {
    ++evidence_calls;
    return "{\"runtime_data\":\"" + hex_encode(runtime_data) + "\"}";
  }

  Result<void> extend_measurement(const api::MeasurementRequest& request) override {
    ++measurement_calls;
    if (!can_extend) return fail(Code::Unsupported, "sample TEE cannot extend measurements");
    std::lock_guard lock(mu_);
    last_measurement = request;
    return {};
  }

  api::Info info() override {
    return {"0.1.0", "sample", "https://kbs.example:8080", 1900000000, {"default/key/disk"}};
  }

  api::Health health() override { return health_state; }

  void append_metrics(std::string& out) override { out += "attest_fake_handshakes_total 3\n"; }

  // resource() blocks while the gate is closed.
  void close_gate() {
    std::lock_guard lock(mu_);
    gate_open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard lock(mu_);
      gate_open_ = true;
    }
    cv_.notify_all();
  }
  int waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }

  std::map<std::string, std::string> resources;
  std::map<std::string, Code> errors;
  std::string token_text = "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJl";
  std::string key_pem =
      "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
      "-----END PRIVATE KEY-----\n";
  bool can_extend = false;
  api::Health health_state{true, ""};
  api::MeasurementRequest last_measurement;
  std::map<std::string, api::SecretRef> cached;  // guarded by mu_
  std::atomic<int> resource_calls{0};
  std::atomic<int> cached_hits{0};
  std::atomic<int> token_calls{0};
  std::atomic<int> evidence_calls{0};
  std::atomic<int> measurement_calls{0};

 private:
  void wait_gate() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.wait(lock, [&] { return gate_open_; });
    --waiting_;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool gate_open_ = true;
  int waiting_ = 0;
};

}  // namespace attest::testing
