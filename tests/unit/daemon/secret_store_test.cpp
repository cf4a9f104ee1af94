// SecretStore: per-key single flight, errors not cached, refresh replaces or keeps, wipe.
#include "agent/store/secret_store.h"

#include "common/bytes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace attest::store {
namespace {

kbs::ResourceUri uri(const std::string& text) {
  auto u = kbs::parse_resource_uri(text);
  EXPECT_TRUE(u) << text;
  return *u;
}

std::string text_of(const SecureBuffer& b) { return {b.bytes().begin(), b.bytes().end()}; }
std::string text_of(const SecretStore::Value& v) { return text_of(*v); }

TEST(SecretStore, HundredConcurrentFirstRequestsCauseOneFetch) {
  std::atomic<int> calls{0};
  std::atomic<int> waiting{0};
  SecretStore store([&](const kbs::ResourceUri& u) -> Result<SecureBuffer> {
    ++calls;
    // Hold the fetch open until every caller has at least started asking.
    for (int i = 0; i < 500 && waiting.load() < 100; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return SecureBuffer::copy_of(as_bytes("value of " + u.path()));
  });
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&] {
      ++waiting;
      auto r = store.get(uri("kbs:///default/key/one"));
      if (r && text_of(*r) == "value of default/key/one") ++correct;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(correct.load(), 100);
  const StoreStats s = store.stats();
  EXPECT_EQ(s.fetches, 1u);
  EXPECT_EQ(s.joined + s.hits, 99u);
  EXPECT_EQ(s.failures, 0u);
}

TEST(SecretStore, DifferentKeysFetchIndependently) {
  std::atomic<int> calls{0};
  SecretStore store([&](const kbs::ResourceUri& u) -> Result<SecureBuffer> {
    ++calls;
    return SecureBuffer::copy_of(as_bytes(u.path()));
  });
  ASSERT_TRUE(store.get(uri("kbs:///a/b/c")));
  ASSERT_TRUE(store.get(uri("kbs:///a/b/d")));
  ASSERT_TRUE(store.get(uri("kbs:///a/b/c")));
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(store.stats().hits, 1u);
  EXPECT_EQ(store.cached_names(), (std::vector<std::string>{"a/b/c", "a/b/d"}));
}

TEST(SecretStore, ErrorsAreSharedByTheFlightButNotCached) {
  int calls = 0;
  SecretStore store([&](const kbs::ResourceUri&) -> Result<SecureBuffer> {
    if (++calls == 1) return fail(Code::Unavailable, "KBS down");
    return SecureBuffer::copy_of(as_bytes("v"));
  });
  auto first = store.get(uri("kbs:///a/b/c"));
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, Code::Unavailable);
  EXPECT_TRUE(store.cached_names().empty());
  auto second = store.get(uri("kbs:///a/b/c"));
  ASSERT_TRUE(second);
  EXPECT_EQ(text_of(*second), "v");
  EXPECT_EQ(store.stats().failures, 1u);
}

TEST(SecretStore, RefreshReplacesTheValueAndAFailedRefreshKeepsIt) {
  int version = 0;
  bool down = false;
  SecretStore store([&](const kbs::ResourceUri&) -> Result<SecureBuffer> {
    if (down) return fail(Code::Unavailable, "KBS down");
    return SecureBuffer::copy_of(as_bytes("v" + std::to_string(++version)));
  });
  const auto u = uri("kbs:///a/b/c");
  ASSERT_EQ(text_of(*store.get(u)), "v1");
  ASSERT_TRUE(store.refresh(u));
  EXPECT_EQ(text_of(*store.get(u)), "v2");
  down = true;
  auto r = store.refresh(u);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::Unavailable);
  // The KBS is down: the cached value is still served.
  auto cached = store.get(u);
  ASSERT_TRUE(cached);
  EXPECT_EQ(text_of(*cached), "v2");
}

TEST(SecretStore, WipeDropsEveryValueAndTheNextGetFetchesAgain) {
  int calls = 0;
  SecretStore store([&](const kbs::ResourceUri&) -> Result<SecureBuffer> {
    ++calls;
    return SecureBuffer::copy_of(as_bytes("v"));
  });
  const auto u = uri("kbs:///a/b/c");
  ASSERT_TRUE(store.get(u));
  store.wipe();
  EXPECT_TRUE(store.cached().empty());
  ASSERT_TRUE(store.get(u));
  EXPECT_EQ(calls, 2);
}

TEST(SecretStore, AQueryIsPartOfTheKeyAndOfTheListedName) {
  SecretStore store([](const kbs::ResourceUri& u) -> Result<SecureBuffer> {
    return SecureBuffer::copy_of(as_bytes(u.query));
  });
  EXPECT_EQ(text_of(*store.get(uri("kbs:///a/b/c?v=1"))), "v=1");
  EXPECT_EQ(text_of(*store.get(uri("kbs:///a/b/c?v=2"))), "v=2");
  EXPECT_EQ(store.cached_names(), (std::vector<std::string>{"a/b/c?v=1", "a/b/c?v=2"}));
}

// A hit hands out the cache's own buffer: no copy, no allocation. A refresh swaps the pointer;
// an answer still holding the old value (being sent) keeps its bytes intact, and they go (are
// wiped) when that holder lets go, not before and not later.
TEST(SecretStore, AHitSharesTheBufferAndARefreshLeavesAnAnswerInFlightIntact) {
  int version = 0;
  SecretStore store([&](const kbs::ResourceUri&) -> Result<SecureBuffer> {
    return SecureBuffer::copy_of(as_bytes("v" + std::to_string(++version)));
  });
  const auto u = uri("kbs:///a/b/c");
  auto first = store.get(u);
  ASSERT_TRUE(first);
  auto again = store.get(u);
  ASSERT_TRUE(again);
  EXPECT_EQ(first->get(), again->get());  // the same buffer, not a copy
  EXPECT_EQ(store.peek(u).get(), first->get());
  again->reset();

  SecretStore::Value in_flight = std::move(*first);  // an answer MHD has not sent yet
  std::weak_ptr<const SecureBuffer> old = in_flight;
  ASSERT_TRUE(store.refresh(u));
  auto now = store.get(u);
  ASSERT_TRUE(now);
  EXPECT_NE(now->get(), in_flight.get());
  EXPECT_EQ(text_of(*now), "v2");
  EXPECT_EQ(text_of(in_flight), "v1");  // still whole while the answer is in flight
  EXPECT_FALSE(old.expired());
  in_flight.reset();           // MHD freed the response
  EXPECT_TRUE(old.expired());  // the old bytes are gone (SecureBuffer wiped them)
  EXPECT_EQ(text_of(store.peek(u)), "v2");
}

// peek() never fetches and never waits for a fetch in flight: the event loop may call it.
TEST(SecretStore, PeekNeitherFetchesNorWaitsForAFetchInFlight) {
  std::atomic<bool> release{false};
  std::atomic<bool> fetching{false};
  std::atomic<int> calls{0};
  SecretStore store([&](const kbs::ResourceUri&) -> Result<SecureBuffer> {
    ++calls;
    fetching = true;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return SecureBuffer::copy_of(as_bytes("v"));
  });
  const auto u = uri("kbs:///a/b/c");
  EXPECT_EQ(store.peek(u), nullptr);
  EXPECT_EQ(calls, 0);
  std::thread first([&] { EXPECT_TRUE(store.get(u)); });
  while (!fetching) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(store.peek(u), nullptr);  // returns although the fetch is still held open
  release = true;
  first.join();
  EXPECT_EQ(text_of(store.peek(u)), "v");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(store.stats().hits, 1u);
}

}  // namespace
}  // namespace attest::store
