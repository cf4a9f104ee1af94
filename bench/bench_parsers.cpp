// Micro benchmarks of the evidence parsers on real captured evidence (tests/fixtures): TDX quote,
// TDREPORT, SNP report, TPMS_ATTEST, Azure HCL report, and event-log parse + replay (TPM log and
// CCEL). Parsing only, no JSON: that is what a verifier-side caller or `inspect` pays first.
#include <benchmark/benchmark.h>

#include "bench/bench_util.h"
#include "providers/azure/hcl_report.h"
#include "providers/eventlog/eventlog.h"
#include "providers/snp/report.h"
#include "providers/tdx/quote.h"
#include "providers/tdx/tdreport.h"
#include "providers/tpm/quote.h"

namespace {

using attest::Bytes;

// Runs `parse` over the fixture and reports bytes/s as well as time per parse.
template <class Parse>
void parse_loop(benchmark::State& state, const char* rel, Parse parse) {
  const Bytes in = attest::bench::fixture(rel);
  if (in.empty()) return state.SkipWithError(rel);
  for (auto _ : state) {
    auto r = parse(attest::ByteView(in));
    if (!r) return state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(&*r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}

void BM_Parse_TdxQuoteV4(benchmark::State& s) {
  parse_loop(s, "tdx/quote_v4_spr_e4.dat", attest::tdx::parse_quote);
}
void BM_Parse_TdxQuoteV5(benchmark::State& s) {
  parse_loop(s, "tdx/trustee_quote_v5.dat", attest::tdx::parse_quote);
}
void BM_Parse_TdReport(benchmark::State& s) {
  parse_loop(s, "tdx/tdreport_guest_components.bin", attest::tdx::parse_tdreport);
}
void BM_Parse_SnpReport(benchmark::State& s) {
  parse_loop(s, "extra/sev-snp/genoa_v5_report.bin", attest::snp::parse_report);
}
void BM_Parse_HclReport(benchmark::State& s) {
  parse_loop(s, "azure/snp-vtpm/hcl_report.bin", attest::azure::parse_hcl_report);
}
BENCHMARK(BM_Parse_TdxQuoteV4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Parse_TdxQuoteV5)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Parse_TdReport)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Parse_SnpReport)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Parse_HclReport)->Unit(benchmark::kMicrosecond);

// The TPMS_ATTEST of a real quote: the hex `tpm_quote.message` of the Azure evidence fixture.
void BM_Parse_TpmAttest(benchmark::State& state) {
  const Bytes ev = attest::bench::fixture("azure/snp-vtpm/evidence_v2.json");
  const std::string text(ev.begin(), ev.end());
  const auto at = text.find("\"message\"");
  const auto q1 = at == std::string::npos ? at : text.find('"', at + 9);
  const auto q2 = q1 == std::string::npos ? q1 : text.find('"', q1 + 1);
  if (q2 == std::string::npos) return state.SkipWithError("no tpm_quote.message in the fixture");
  auto msg = attest::hex_decode(std::string_view(text).substr(q1 + 1, q2 - q1 - 1));
  if (!msg) return state.SkipWithError(msg.error().message.c_str());
  for (auto _ : state) {
    auto r = attest::tpm::parse_quote_message(*msg);
    if (!r) return state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r->pcr_digest.data());
  }
}
BENCHMARK(BM_Parse_TpmAttest)->Unit(benchmark::kMicrosecond);

// Parse and replay (recompute every PCR / RTMR from the digests), as verification of a log does.
void eventlog_replay(benchmark::State& state, const char* rel) {
  const Bytes in = attest::bench::fixture(rel);
  if (in.empty()) return state.SkipWithError(rel);
  std::size_t events = 0;
  for (auto _ : state) {
    auto log = attest::eventlog::parse_eventlog(in);
    if (!log) return state.SkipWithError(log.error().message.c_str());
    auto regs = attest::eventlog::replay(*log);
    benchmark::DoNotOptimize(regs.size());
    events = log->events.size();
  }
  state.counters["events"] = static_cast<double>(events);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
void BM_EventLog_ParseReplay_TpmGce(benchmark::State& s) {
  eventlog_replay(s, "tpm/eventlog_gce_ubuntu2104.bin");
}
void BM_EventLog_ParseReplay_Ccel(benchmark::State& s) { eventlog_replay(s, "ccel/ccel_ovmf.bin"); }
BENCHMARK(BM_EventLog_ParseReplay_TpmGce)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EventLog_ParseReplay_Ccel)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
