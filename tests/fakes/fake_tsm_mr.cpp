#include "tests/fakes/fake_tsm_mr.h"

#include <cerrno>
#include <string>

#include "common/digest.h"

namespace attest::testing {

struct FakeTsmMr::State {
  std::array<Bytes, 4> rtmr{Bytes(48, 0), Bytes(48, 0), Bytes(48, 0), Bytes(48, 0)};
  std::array<int, 4> extends{};
  int refused = 0;
};

namespace {

class RtmrNode : public Node {
 public:
  RtmrNode(std::shared_ptr<FakeTsmMr::State> s, unsigned index) : s_(std::move(s)), i_(index) {}
  bool writable() const override { return true; }
  Result<Bytes> content() override { return s_->rtmr[i_]; }
  Result<std::size_t> write(OpenFile& f, std::span<const std::uint8_t> in) override {
    if (f.offset != 0 || in.size() != 48) {
      ++s_->refused;
      return os_error(EINVAL, "write");
    }
    Bytes chain = s_->rtmr[i_];
    chain.insert(chain.end(), in.begin(), in.end());
    auto h = digest(HashAlg::Sha384, chain);
    if (!h) test_error("SHA-384 unavailable");
    s_->rtmr[i_] = std::move(*h);
    ++s_->extends[i_];
    f.offset += in.size();
    return in.size();
  }

 private:
  std::shared_ptr<FakeTsmMr::State> s_;
  unsigned i_;
};

}  // namespace

FakeTsmMr::FakeTsmMr(FakeOs& os, Bytes mrconfigid, std::filesystem::path dir)
    : state_(std::make_shared<State>()) {
  if (mrconfigid.size() != 48) test_error("FakeTsmMr: MRCONFIGID must be 48 bytes");
  os.add_file(dir / "mrconfigid", std::move(mrconfigid));
  os.add_file(dir / "mrowner", Bytes(48, 0));
  os.add_file(dir / "mrownerconfig", Bytes(48, 0));
  os.add_file(dir / "mrtd:sha384", Bytes(48, 0x11));
  for (unsigned i = 0; i < 4; ++i)
    os.add_node(dir / ("rtmr" + std::to_string(i) + ":sha384"),
                std::make_shared<RtmrNode>(state_, i));
}

Bytes FakeTsmMr::rtmr(unsigned index) const { return state_->rtmr.at(index); }
int FakeTsmMr::extends(unsigned index) const { return state_->extends.at(index); }
int FakeTsmMr::refused_writes() const { return state_->refused; }

}  // namespace attest::testing
