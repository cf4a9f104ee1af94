#include "tests/fakes/fake_tsm.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>
#include <map>

#include "tests/fakes/fake_evidence.h"

namespace attest::testing {

namespace {

constexpr std::size_t kInblobMax = 64;  // TSM_REPORT_INBLOB_MAX
constexpr unsigned kPrivlevelMax = 3;   // TSM_REPORT_PRIVLEVEL_MAX

struct Script {
  enum class Kind { Errno, Race, Empty };
  TsmOp op;
  int nth;
  Kind kind;
  int err = 0;
  bool used = false;
};

struct Entry {
  Bytes inblob;  // inblob_len 0 until the first commit
  std::uint64_t write_gen = 0;
  std::uint64_t read_gen = 0;
  unsigned privlevel = 0;
  Bytes out, aux;
};

std::string op_name(TsmOp op) {
  switch (op) {
    case TsmOp::Mkdir:
      return "mkdir";
    case TsmOp::WritePrivlevel:
      return "privlevel write";
    case TsmOp::WriteInblob:
      return "inblob write";
    case TsmOp::CommitInblob:
      return "inblob commit (close)";
    case TsmOp::ReadOutblob:
      return "outblob read";
    case TsmOp::ReadAuxblob:
      return "auxblob read";
  }
  return "?";
}

// As kstrtouint(buf, 0, ...) for the decimal numbers a client writes: digits, then at most
// one newline. A raw byte (guest-components writes one) is EINVAL.
std::optional<unsigned> parse_kstrtouint(ByteView in) {
  std::size_t n = in.size();
  if (n > 0 && in[n - 1] == '\n') --n;
  if (n == 0 || n > 9) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (in[i] < '0' || in[i] > '9') return std::nullopt;
    v = v * 10 + (in[i] - '0');
  }
  return v;
}

}  // namespace

struct FakeTsm::State {
  std::optional<TsmProvider> provider;
  unsigned floor = 0;
  Bytes aux_certs = fake_vcek_cert_table();
  std::optional<Bytes> cca_token;  // set_cca_token(): served as it is
  std::vector<Script> scripts;
  std::map<TsmOp, int> counts;
  std::map<std::filesystem::path, std::shared_ptr<Entry>> live;
  std::size_t created = 0;
  Bytes last_inblob;
  std::optional<unsigned> last_privlevel;

  // Counts one run of `op` and returns the script for this occurrence, if any.
  std::optional<Script> take(TsmOp op) {
    const int n = ++counts[op];
    for (auto& s : scripts) {
      if (!s.used && s.op == op && s.nth == n) {
        s.used = true;
        return s;
      }
    }
    return std::nullopt;
  }

  // The provider's report_new(): from the inblob actually committed.
  Result<void> generate(Entry& e) {
    const std::size_t len = e.inblob.size();
    if (len == 0) return os_error(EINVAL, "outblob (inblob never written)");
    switch (*provider) {
      case TsmProvider::TdxGuest:
        if (len != 64) return os_error(EINVAL, "outblob (tdx_guest needs 64 bytes of inblob)");
        e.out = make_tdx_quote_v4(e.inblob);
        e.aux.clear();
        break;
      case TsmProvider::SevGuest:
        if (len != 64) return os_error(EINVAL, "outblob (sev_guest needs 64 bytes of inblob)");
        e.out = make_snp_report(e.inblob, e.privlevel);
        e.aux = aux_certs;
        break;
      case TsmProvider::ArmCcaGuest:
        if (len < 32) return os_error(EINVAL, "outblob (arm_cca_guest needs 32..64 bytes)");
        e.out = cca_token ? *cca_token : make_cca_token(e.inblob);
        e.aux.clear();
        break;
    }
    e.read_gen = e.write_gen;
    return {};
  }
};

namespace {

using StatePtr = std::shared_ptr<FakeTsm::State>;

class TextAttr : public Node {
 public:
  explicit TextAttr(std::function<std::string()> text) : text_(std::move(text)) {}
  Result<Bytes> content() override {
    const std::string s = text_();
    return Bytes(s.begin(), s.end());
  }

 private:
  std::function<std::string()> text_;
};

class PrivlevelAttr : public Node {
 public:
  PrivlevelAttr(StatePtr st, std::shared_ptr<Entry> e) : st_(std::move(st)), e_(std::move(e)) {}
  bool readable() const override { return false; }
  bool writable() const override { return true; }
  // A text attribute: configfs stores it on every write().
  Result<std::size_t> write(OpenFile&, std::span<const std::uint8_t> in) override {
    if (auto s = st_->take(TsmOp::WritePrivlevel)) return os_error(s->err, "write privlevel");
    auto level = parse_kstrtouint(in);
    if (!level) return os_error(EINVAL, "write privlevel");
    if (*level < st_->floor || *level > kPrivlevelMax) return os_error(EINVAL, "write privlevel");
    e_->privlevel = *level;
    ++e_->write_gen;
    st_->last_privlevel = *level;
    return in.size();
  }

 private:
  StatePtr st_;
  std::shared_ptr<Entry> e_;
};

class InblobAttr : public Node {
 public:
  InblobAttr(StatePtr st, std::shared_ptr<Entry> e) : st_(std::move(st)), e_(std::move(e)) {}
  bool readable() const override { return false; }
  bool writable() const override { return true; }
  // A binary attribute: configfs buffers up to the attribute's maximum.
  Result<std::size_t> write(OpenFile& f, std::span<const std::uint8_t> in) override {
    if (auto s = st_->take(TsmOp::WriteInblob)) return os_error(s->err, "write inblob");
    if (f.pending.size() + in.size() > kInblobMax) return os_error(EFBIG, "write inblob");
    f.pending.insert(f.pending.end(), in.begin(), in.end());
    return in.size();
  }
  // ...and hands the buffer to the attribute on the final close.
  Result<void> close(OpenFile& f) override {
    if (f.pending.empty()) return {};
    if (auto s = st_->take(TsmOp::CommitInblob)) return os_error(s->err, "close inblob");
    e_->inblob = f.pending;
    ++e_->write_gen;
    st_->last_inblob = f.pending;
    return {};
  }

 private:
  StatePtr st_;
  std::shared_ptr<Entry> e_;
};

class BlobAttr : public Node {
 public:
  BlobAttr(StatePtr st, std::shared_ptr<Entry> e, bool aux)
      : st_(std::move(st)), e_(std::move(e)), aux_(aux) {}
  // Called at the first read() of each open: configfs fills the whole buffer then.
  Result<Bytes> content() override {
    const TsmOp op = aux_ ? TsmOp::ReadAuxblob : TsmOp::ReadOutblob;
    const char* what = aux_ ? "read auxblob" : "read outblob";
    auto s = st_->take(op);
    if (s && s->kind == Script::Kind::Errno) return os_error(s->err, what);
    if (e_->read_gen != e_->write_gen || e_->out.empty()) {
      if (auto r = st_->generate(*e_); !r) return std::unexpected(std::move(r.error()));
    }
    if (s && s->kind == Script::Kind::Empty) e_->out.clear();
    Bytes blob = aux_ ? e_->aux : e_->out;
    if (s && s->kind == Script::Kind::Race) {
      e_->inblob.assign(64, 0xEE);  // another process's report data
      ++e_->write_gen;
    }
    return blob;
  }

 private:
  StatePtr st_;
  std::shared_ptr<Entry> e_;
  bool aux_;
};

std::string provider_name(TsmProvider p) {
  switch (p) {
    case TsmProvider::TdxGuest:
      return "tdx_guest";
    case TsmProvider::SevGuest:
      return "sev_guest";
    case TsmProvider::ArmCcaGuest:
      return "arm_cca_guest";
  }
  return "?";
}

}  // namespace

FakeTsm::FakeTsm(FakeOs& os, std::optional<TsmProvider> provider, std::filesystem::path root)
    : state_(std::make_shared<State>()) {
  state_->provider = provider;
  StatePtr st = state_;
  DirHooks hooks;
  hooks.on_mkdir = [st, &os](const std::filesystem::path& dir) -> Result<void> {
    if (auto s = st->take(TsmOp::Mkdir)) return os_error(s->err, "mkdir " + dir.string());
    if (!st->provider) return os_error(ENXIO, "mkdir " + dir.string());
    auto e = std::make_shared<Entry>();
    const std::string name = provider_name(*st->provider) + "\n";
    os.add_node(dir / "provider", std::make_shared<TextAttr>([name] { return name; }));
    os.add_node(dir / "generation",
                std::make_shared<TextAttr>([e] { return std::to_string(e->write_gen) + "\n"; }));
    os.add_node(dir / "inblob", std::make_shared<InblobAttr>(st, e));
    os.add_node(dir / "outblob", std::make_shared<BlobAttr>(st, e, false));
    if (*st->provider == TsmProvider::SevGuest) {
      os.add_node(dir / "privlevel", std::make_shared<PrivlevelAttr>(st, e));
      os.add_node(dir / "privlevel_floor",
                  std::make_shared<TextAttr>([st] { return std::to_string(st->floor) + "\n"; }));
      os.add_node(dir / "auxblob", std::make_shared<BlobAttr>(st, e, true));
    }
    st->live[dir] = e;
    ++st->created;
    return {};
  };
  hooks.on_rmdir = [st](const std::filesystem::path& dir) -> Result<void> {
    st->live.erase(dir);
    return {};
  };
  os.set_dir_hooks(root, std::move(hooks));
}

FakeTsm::~FakeTsm() { expect_all_used(); }

void FakeTsm::fail_on(TsmOp op, int nth, int err) {
  state_->scripts.push_back({op, nth, Script::Kind::Errno, err});
}

void FakeTsm::race_after_outblob_read(int nth) {
  state_->scripts.push_back({TsmOp::ReadOutblob, nth, Script::Kind::Race});
}

void FakeTsm::empty_outblob_on(int nth) {
  state_->scripts.push_back({TsmOp::ReadOutblob, nth, Script::Kind::Empty});
}

void FakeTsm::set_privlevel_floor(unsigned floor) { state_->floor = floor; }

void FakeTsm::set_aux_certs(Bytes table) { state_->aux_certs = std::move(table); }

void FakeTsm::set_cca_token(Bytes token) { state_->cca_token = std::move(token); }

void FakeTsm::expect_all_used() {
  for (auto& s : state_->scripts) {
    if (!s.used) {
      ADD_FAILURE() << "fake configfs-tsm: scripted fault on " << op_name(s.op) << " #" << s.nth
                    << " never fired";
      s.used = true;  // report once
    }
  }
}

std::size_t FakeTsm::live_entries() const { return state_->live.size(); }
std::size_t FakeTsm::entries_created() const { return state_->created; }
int FakeTsm::count(TsmOp op) const {
  auto it = state_->counts.find(op);
  return it == state_->counts.end() ? 0 : it->second;
}
Bytes FakeTsm::last_inblob() const { return state_->last_inblob; }
std::optional<unsigned> FakeTsm::last_privlevel() const { return state_->last_privlevel; }

}  // namespace attest::testing
