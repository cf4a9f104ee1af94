#include "agent/store/secret_store.h"

#include <algorithm>
#include <utility>

namespace attest::store {

SecretStore::SecretStore(Fetcher fetch) : fetch_(std::move(fetch)) {}

SecretStore::~SecretStore() { wipe(); }

Result<SecretStore::Value> SecretStore::fetch_into_cache(const kbs::ResourceUri& uri,
                                                         bool use_cache) {
  const std::string key = uri.to_string();
  std::promise<Result<Value>> promise;
  std::uint64_t generation = 0;
  {
    std::unique_lock lock(mu_);
    if (use_cache) {
      if (auto it = cache_.find(key); it != cache_.end()) {
        ++stats_.hits;
        return it->second.value;
      }
    }
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
      // A fetch started by another caller: its result is as fresh as ours would be.
      ++stats_.joined;
      Flight flight = it->second;
      lock.unlock();
      return flight.get();
    }
    ++stats_.fetches;
    in_flight_.emplace(key, promise.get_future().share());
    generation = generation_;
  }

  Result<Value> result = [&]() -> Result<Value> {
    auto fetched = fetch_(uri);
    if (!fetched) return std::unexpected(std::move(fetched.error()));
    return std::make_shared<const SecureBuffer>(std::move(*fetched));
  }();

  {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
    if (!result) {
      ++stats_.failures;
    } else if (generation == generation_) {
      // Replacing drops the old value; its SecureBuffer is wiped once no reader holds it.
      cache_.insert_or_assign(key, Entry{uri, *result});
    }
  }
  promise.set_value(result);
  return result;
}

Result<SecretStore::Value> SecretStore::get(const kbs::ResourceUri& uri) {
  return fetch_into_cache(uri, /*use_cache=*/true);
}

SecretStore::Value SecretStore::peek(const kbs::ResourceUri& uri) {
  const std::string key = uri.to_string();
  std::lock_guard lock(mu_);
  const auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  ++stats_.hits;
  return it->second.value;
}

Result<void> SecretStore::refresh(const kbs::ResourceUri& uri) {
  auto value = fetch_into_cache(uri, /*use_cache=*/false);
  if (!value) return std::unexpected(std::move(value.error()));
  return {};
}

std::vector<kbs::ResourceUri> SecretStore::cached() const {
  std::lock_guard lock(mu_);
  std::vector<kbs::ResourceUri> out;
  out.reserve(cache_.size());
  for (const auto& [key, entry] : cache_) out.push_back(entry.uri);
  return out;
}

std::vector<std::string> SecretStore::cached_names() const {
  std::vector<std::string> names;
  for (const auto& uri : cached())
    names.push_back(uri.query.empty() ? uri.path() : uri.path() + "?" + uri.query);
  std::sort(names.begin(), names.end());
  return names;
}

void SecretStore::wipe() {
  std::map<std::string, Entry> dropped;
  {
    std::lock_guard lock(mu_);
    dropped.swap(cache_);
    ++generation_;
  }
  // `dropped` goes out of scope here, outside the lock: each SecureBuffer wipes itself (a copy
  // a reader still holds is wiped when that reader lets go).
}

StoreStats SecretStore::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace attest::store
