// In-process cost of a TPM quote (no process start-up): the bare TPM2_Quote on one ESYS context,
// and the whole TpmProvider::get_evidence (open TCTI, read the AK, quote, read 24 PCRs, JSON).
// Needs a TPM with an AK at 0x81010002: bench/tpm_quote.sh starts a swtpm, provisions the AK and
// runs this with ATTEST_BENCH_TCTI set.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "common/os/posix_os.h"
#include "providers/tpm/ak.h"
#include "providers/tpm/quote.h"
#include "providers/tpm/tpm_provider.h"

namespace {

const char* bench_tcti() { return std::getenv("ATTEST_BENCH_TCTI"); }

void BM_Esys_Quote(benchmark::State& state) {
  if (bench_tcti() == nullptr) return state.SkipWithError("set ATTEST_BENCH_TCTI");
  auto esys = attest::tpm::Esys::open(bench_tcti());
  if (!esys) return state.SkipWithError(esys.error().message.c_str());
  const attest::Bytes nonce(32, 0x42);
  const auto sel = attest::tpm::sha256_all_pcrs();
  for (auto _ : state) {
    auto q = attest::tpm::quote(*esys, attest::tpm::kDefaultAkHandle, nonce, sel);
    if (!q) return state.SkipWithError(q.error().message.c_str());
    benchmark::DoNotOptimize(q->message.data());
  }
}
BENCHMARK(BM_Esys_Quote)->Unit(benchmark::kMillisecond);

void BM_TpmProvider_GetEvidence(benchmark::State& state) {
  if (bench_tcti() == nullptr) return state.SkipWithError("set ATTEST_BENCH_TCTI");
  attest::SystemClock clock;
  attest::PosixOs os(clock);
  attest::ProviderConfig cfg;
  cfg.tcti = bench_tcti();
  cfg.tpm_eventlog = "/nonexistent/attest-bench-eventlog";
  attest::tpm::TpmProvider provider(os, cfg);
  const attest::Bytes report_data(48, 0x42);
  for (auto _ : state) {
    auto ev = provider.get_evidence(report_data);
    if (!ev) return state.SkipWithError(ev.error().message.c_str());
    benchmark::DoNotOptimize(ev->raw.data());
  }
}
BENCHMARK(BM_TpmProvider_GetEvidence)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
