#include "providers/cca/realm_token.h"

#include <string>
#include <string_view>

namespace attest::cca {
namespace {

enum Major : std::uint8_t {
  kUint = 0,
  kNegint = 1,
  kBytes = 2,
  kText = 3,
  kArray = 4,
  kMap = 5,
  kTag = 6,
  kSimple = 7
};
constexpr int kMaxDepth = 16;

struct Head {
  std::uint8_t major = 0;
  std::uint64_t value = 0;  // the argument: an integer, a length, a count or a tag number
};

std::unexpected<Error> corrupt(std::string_view what) {
  return fail(Code::Corrupt, "cca token: " + std::string(what));
}

// One item's initial byte and argument (RFC 8949 §3); moves `at` only on success.
Result<Head> read_head(ByteView in, std::size_t& at) {
  if (at >= in.size()) return corrupt("truncated at byte " + std::to_string(at));
  const std::uint8_t ib = in[at];
  const std::uint8_t ai = ib & 0x1f;
  Head h{static_cast<std::uint8_t>(ib >> 5), 0};
  std::size_t n = 0;
  if (ai < 24) {
    h.value = ai;
  } else if (ai <= 27) {
    n = std::size_t{1} << (ai - 24);
  } else {
    return corrupt("indefinite or reserved length at byte " + std::to_string(at));
  }
  if (in.size() - at - 1 < n) return corrupt("truncated at byte " + std::to_string(at));
  for (std::size_t i = 0; i < n; ++i) h.value = (h.value << 8) | in[at + 1 + i];
  at += 1 + n;
  return h;
}

// Skips one whole item.
Result<void> skip(ByteView in, std::size_t& at, int depth) {
  if (depth > kMaxDepth) return corrupt("nested deeper than 16");
  auto h = read_head(in, at);
  if (!h) return std::unexpected(std::move(h.error()));
  switch (h->major) {
    case kBytes:
    case kText:
      if (in.size() - at < h->value) return corrupt("string runs past the end");
      at += static_cast<std::size_t>(h->value);
      return {};
    case kArray:
    case kMap: {
      // Every item takes at least one byte: a larger count is a lie (and could overflow).
      if (h->value > in.size() - at) return corrupt("more items than bytes");
      const std::uint64_t items = h->major == kMap ? h->value * 2 : h->value;
      for (std::uint64_t i = 0; i < items; ++i) ATTEST_TRY(skip(in, at, depth + 1));
      return {};
    }
    case kTag:
      return skip(in, at, depth + 1);
    default:  // integers and simple values: the head was all of it
      return {};
  }
}

// A byte string item; returns its content.
Result<ByteView> read_bytes(ByteView in, std::size_t& at, std::string_view what) {
  auto h = read_head(in, at);
  if (!h) return std::unexpected(std::move(h.error()));
  if (h->major != kBytes) return corrupt(std::string(what) + " is not a byte string");
  if (in.size() - at < h->value) return corrupt(std::string(what) + " runs past the end");
  ByteView out = in.subspan(at, static_cast<std::size_t>(h->value));
  at += out.size();
  return out;
}

// In the map at `in[at]`, the value of unsigned integer key `key`: returns its offset.
Result<std::size_t> find_key(ByteView in, std::size_t at, std::uint64_t key,
                             std::string_view what) {
  auto h = read_head(in, at);
  if (!h) return std::unexpected(std::move(h.error()));
  if (h->major != kMap) return corrupt(std::string(what) + " is not a map");
  for (std::uint64_t i = 0; i < h->value; ++i) {
    std::size_t key_at = at;
    auto k = read_head(in, key_at);
    if (!k) return std::unexpected(std::move(k.error()));
    const bool match = k->major == kUint && k->value == key;
    ATTEST_TRY(skip(in, at, 1));  // the key
    if (match) return at;
    ATTEST_TRY(skip(in, at, 1));  // its value
  }
  return corrupt(std::string(what) + " has no claim " + std::to_string(key));
}

}  // namespace

Result<Bytes> realm_personalization_value(ByteView token) {
  std::size_t at = 0;
  auto tag = read_head(token, at);
  if (!tag) return std::unexpected(std::move(tag.error()));
  if (tag->major != kTag || tag->value != 399)
    return corrupt("not a CBOR tag 399 (CCA token collection)");
  auto realm_at = find_key(token, at, kRealmTokenKey, "the token collection");
  if (!realm_at) return std::unexpected(std::move(realm_at.error()));
  auto realm = read_bytes(token, *realm_at, "the realm token");
  if (!realm) return std::unexpected(std::move(realm.error()));

  // COSE_Sign1, tagged 18 or not (RFC 9052 §4.2).
  std::size_t r = 0;
  std::size_t peek = 0;
  auto first = read_head(*realm, peek);
  if (!first) return std::unexpected(std::move(first.error()));
  if (first->major == kTag) {
    if (first->value != 18) return corrupt("the realm token is not a COSE_Sign1 (tag 18)");
    r = peek;
  }
  auto array = read_head(*realm, r);
  if (!array) return std::unexpected(std::move(array.error()));
  if (array->major != kArray || array->value != 4)
    return corrupt("the realm token is not a 4-element COSE_Sign1");
  ATTEST_TRY(skip(*realm, r, 1));  // protected header
  ATTEST_TRY(skip(*realm, r, 1));  // unprotected header
  auto payload = read_bytes(*realm, r, "the realm token payload");
  if (!payload) return std::unexpected(std::move(payload.error()));

  auto rpv_at = find_key(*payload, 0, kRealmPersonalizationValueKey, "the realm claims");
  if (!rpv_at) return std::unexpected(std::move(rpv_at.error()));
  auto rpv = read_bytes(*payload, *rpv_at, "cca-realm-personalization-value");
  if (!rpv) return std::unexpected(std::move(rpv.error()));
  if (rpv->size() != kRpvSize)
    return corrupt("cca-realm-personalization-value is " + std::to_string(rpv->size()) +
                   " bytes, not 64");
  return Bytes(rpv->begin(), rpv->end());
}

}  // namespace attest::cca
