#include "agent/measure/pending_record.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace attest::measure {
namespace {

constexpr std::string_view kMagic = "AAELWAL1";
// Far above any register or record (a record is at most a few KiB: aael.h bounds its fields).
constexpr std::size_t kMaxRecord = 1u << 20;

void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  Result<std::uint64_t> le(int bytes, std::string_view what) {
    if (in_.size() - at_ < static_cast<std::size_t>(bytes))
      return fail(Code::Corrupt, "pending record truncated in " + std::string(what));
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(in_[at_ + i]) << (8 * i);
    at_ += static_cast<std::size_t>(bytes);
    return v;
  }
  Result<Bytes> take(std::size_t n, std::string_view what) {
    if (in_.size() - at_ < n)
      return fail(Code::Corrupt, "pending record truncated in " + std::string(what));
    Bytes out(in_.begin() + static_cast<std::ptrdiff_t>(at_),
              in_.begin() + static_cast<std::ptrdiff_t>(at_ + n));
    at_ += n;
    return out;
  }
  bool done() const { return at_ == in_.size(); }

 private:
  ByteView in_;
  std::size_t at_ = 0;
};

}  // namespace

Bytes encode_pending(const PendingRecord& p) {
  Bytes out(kMagic.begin(), kMagic.end());
  put_le(out, p.log_offset, 8);
  put_le(out, p.register_before.size(), 1);
  out.insert(out.end(), p.register_before.begin(), p.register_before.end());
  put_le(out, p.digest.size(), 1);
  out.insert(out.end(), p.digest.begin(), p.digest.end());
  put_le(out, p.record.size(), 4);
  out.insert(out.end(), p.record.begin(), p.record.end());
  return out;
}

Result<PendingRecord> decode_pending(ByteView in) {
  Reader r(in);
  auto magic = r.take(kMagic.size(), "magic");
  if (!magic || !std::equal(magic->begin(), magic->end(), kMagic.begin()))
    return fail(Code::Corrupt, "pending record does not start with " + std::string(kMagic));
  PendingRecord p;
  auto offset = r.le(8, "log offset");
  if (!offset) return std::unexpected(std::move(offset.error()));
  p.log_offset = *offset;
  auto n = r.le(1, "register length");
  if (!n) return std::unexpected(std::move(n.error()));
  auto before = r.take(*n, "register value");
  if (!before) return std::unexpected(std::move(before.error()));
  p.register_before = std::move(*before);
  auto d = r.le(1, "digest length");
  if (!d) return std::unexpected(std::move(d.error()));
  auto digest = r.take(*d, "digest");
  if (!digest) return std::unexpected(std::move(digest.error()));
  p.digest = std::move(*digest);
  auto m = r.le(4, "record length");
  if (!m) return std::unexpected(std::move(m.error()));
  if (*m == 0 || *m > kMaxRecord)
    return fail(Code::Corrupt, "pending record length " + std::to_string(*m) + " is implausible");
  auto record = r.take(*m, "record");
  if (!record) return std::unexpected(std::move(record.error()));
  p.record = std::move(*record);
  if (p.register_before.empty() || p.register_before.size() != p.digest.size())
    return fail(Code::Corrupt, "pending record register and digest sizes differ (" +
                                   std::to_string(p.register_before.size()) + " and " +
                                   std::to_string(p.digest.size()) + " bytes)");
  if (!r.done()) return fail(Code::Corrupt, "pending record has trailing bytes");
  return p;
}

}  // namespace attest::measure
