// A configfs-tsm report directory (/sys/kernel/config/tsm/report) inside a FakeOs, kept the way
// drivers/virt/coco/guest/report.c keeps it:
// - mkdir makes an entry with the attributes the provider shows (tdx_guest and arm_cca_guest:
//   inblob, outblob, provider, generation; sev_guest also privlevel, privlevel_floor, auxblob);
//   with no provider registered mkdir fails ENXIO.
// - inblob writes are buffered and committed at close (more than 64 bytes: EFBIG at write);
//   every commit, and every privlevel store, bumps `generation`.
// - privlevel is parsed as kstrtouint would (a raw byte is EINVAL) and range checked against
//   privlevel_floor..3.
// - outblob/auxblob are generated from the inblob actually written, when the generation moved
//   since the last read; tdx_guest/sev_guest need exactly 64 bytes (else EINVAL), arm_cca_guest
//   32..64. tdx_guest: a signed quote v4; sev_guest: a signed report v3 plus a certificate table
//   in auxblob; arm_cca_guest: a small CBOR token carrying the challenge.
// Faults are scripted per operation; a script that never fires fails the test.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "tests/fakes/fake_os.h"

namespace attest::testing {

enum class TsmProvider { TdxGuest, SevGuest, ArmCcaGuest };

enum class TsmOp { Mkdir, WritePrivlevel, WriteInblob, CommitInblob, ReadOutblob, ReadAuxblob };

class FakeTsm {
 public:
  static constexpr const char* kDefaultRoot = "/sys/kernel/config/tsm/report";

  // Installs the report directory. No provider: mkdir fails ENXIO (module not loaded).
  FakeTsm(FakeOs& os, std::optional<TsmProvider> provider,
          std::filesystem::path root = kDefaultRoot);
  ~FakeTsm();  // fails the test if a scripted fault never fired
  FakeTsm(const FakeTsm&) = delete;
  FakeTsm& operator=(const FakeTsm&) = delete;

  // --- scripts (nth counts that operation over this FakeTsm's lifetime, from 1) ---
  void fail_on(TsmOp op, int nth, int err);
  // Right after the nth outblob read generated its blob, another process stores an inblob into
  // the same entry (generation moves on).
  void race_after_outblob_read(int nth);
  // The nth outblob read returns 0 bytes (pre-v7.0 TDX kernels after a failed GetQuote).
  void empty_outblob_on(int nth);
  void set_privlevel_floor(unsigned floor);
  // sev_guest auxblob content (default: a table with the self-signed test VCEK); empty: none.
  void set_aux_certs(Bytes table);
  // arm_cca_guest outblob: this token (a real one, whose challenge is not the inblob) instead of
  // the generated one; for reading the claims a real realm token carries.
  void set_cca_token(Bytes token);
  // Fails the test now if a scripted fault has not fired.
  void expect_all_used();

  // --- observation ---
  std::size_t live_entries() const;     // created and not yet removed
  std::size_t entries_created() const;  // mkdirs that succeeded
  int count(TsmOp op) const;            // how often the operation ran (including faults)
  Bytes last_inblob() const;            // the last committed inblob, any entry
  std::optional<unsigned> last_privlevel() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace attest::testing
