// The daemon's secret cache: released KBS resources keyed by resource, held in SecureBuffer
// (locked, not dumped, wiped). A resource is fetched on first use and then served from memory
// until a refresh replaces it, also while the KBS is unreachable.
//
// Values are shared, never copied: get() hands out the cached std::shared_ptr<const
// SecureBuffer>, and a refresh swaps the pointer under the lock. A reader holding the old value
// (an answer still being sent) keeps its bytes alive; they are wiped when the last holder lets
// go.
//
// Per-key single flight: however many callers ask for an uncached resource at once, one fetch
// runs and every caller gets its result (success or error). Errors are not cached: the next
// caller after a failure fetches again.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/kbs/resource_uri.h"
#include "common/error.h"
#include "common/secure_buffer.h"

namespace attest::store {

struct StoreStats {
  std::uint64_t hits = 0;      // answered from the cache
  std::uint64_t fetches = 0;   // fetches started (one per single flight)
  std::uint64_t joined = 0;    // callers that waited for a fetch another caller started
  std::uint64_t failures = 0;  // fetches that failed
};

class SecretStore {
 public:
  using Value = std::shared_ptr<const SecureBuffer>;
  // Fetches one resource from the KBS. Called without the store's lock held, from the thread
  // of the first caller; it must be thread-safe against itself for different keys.
  using Fetcher = std::function<Result<SecureBuffer>(const kbs::ResourceUri&)>;

  explicit SecretStore(Fetcher fetch);
  ~SecretStore();  // every cached value is wiped (SecureBuffer's destructor)
  SecretStore(const SecretStore&) = delete;
  SecretStore& operator=(const SecretStore&) = delete;

  // The cached value, else the result of the one fetch in flight for this key (blocks on it).
  [[nodiscard]] Result<Value> get(const kbs::ResourceUri& uri);
  // The cached value or nullptr; never fetches, never waits for a fetch. Counts a hit.
  [[nodiscard]] Value peek(const kbs::ResourceUri& uri);
  // Fetches anew and replaces the cached value (the old one is wiped). On failure the cached
  // value stays and keeps being served.
  [[nodiscard]] Result<void> refresh(const kbs::ResourceUri& uri);
  // Every cached resource, for refreshing them all.
  std::vector<kbs::ResourceUri> cached() const;
  // "repo/type/tag[?query]" of every cached resource (never values), sorted.
  std::vector<std::string> cached_names() const;
  // Drops every value (each is wiped); a fetch in flight is not cached when it completes.
  void wipe();
  StoreStats stats() const;

 private:
  using Flight = std::shared_future<Result<Value>>;
  [[nodiscard]] Result<Value> fetch_into_cache(const kbs::ResourceUri& uri, bool use_cache);

  Fetcher fetch_;
  mutable std::mutex mu_;
  struct Entry {
    kbs::ResourceUri uri;
    Value value;
  };
  std::map<std::string, Entry> cache_;       // key: ResourceUri::to_string(); guarded by mu_
  std::map<std::string, Flight> in_flight_;  // guarded by mu_
  std::uint64_t generation_ = 0;             // bumped by wipe(); guarded by mu_
  StoreStats stats_;                         // guarded by mu_
};

}  // namespace attest::store
