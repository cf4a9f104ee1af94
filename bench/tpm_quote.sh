#!/usr/bin/env bash
# Compares one TPM quote of SHA-256 PCRs 0-23 taken by `attest-cli get-report --tee tpm` with
# the same quote taken by tpm2-tools' `tpm2_quote` (which also reads the PCRs, as we do),
# against a private swtpm on loopback. Each run is a fresh process, as a boot script would run it.
#
#   bench/tpm_quote.sh [build-dir] [runs]       (defaults: build, 200)
#
# Prints mean / median / min / max wall time per call for both, in milliseconds, their ratio,
# and the same as RESULT|tpm_quote|<metric>|<value>|<unit> lines.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-200}
cli="$build/attest-cli"
[ -x "$cli" ] || { echo "build attest-cli first: cmake --build $build --target attest-cli" >&2; exit 2; }

state=$(mktemp -d /tmp/attest-bench-swtpm-XXXXXX)
port=$(python3 -c 'import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p + 1)); t.close(); print(p); break
    except OSError:
        t.close()')
cleanup() {
  if [ -f "$state/swtpm.pid" ]; then kill "$(cat "$state/swtpm.pid")" 2>/dev/null || true; fi
  rm -rf "$state" "${out:-}"
}
trap cleanup EXIT
swtpm socket --tpm2 --server type=tcp,port="$port",bindaddr=127.0.0.1 \
  --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --tpmstate dir="$state" \
  --flags not-need-init,startup-clear --daemon --pid file="$state/swtpm.pid"
tcti="swtpm:host=127.0.0.1,port=$port"
export TSS2_LOG=all+none

"$cli" tpm provision-ak --tcti "$tcti" --handle 0x81010002 >/dev/null 2>&1
nonce=$(printf '%064x' 42)
pcrs=sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23

# Prints the statistics of the microsecond times on stdin as a human line and RESULT lines
# (RESULT|<benchmark>|<metric>|<value>|<unit>, collected by scripts/bench).
report() {
  local label=$1
  sort -n | awk -v label="$label" '
    { v[NR] = $1; sum += $1 }
    END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%-24s runs %4d  mean %7.2f ms  median %7.2f ms  min %7.2f ms  max %7.2f ms\n",
             label, NR, sum / NR / 1000, med / 1000, v[1] / 1000, v[NR] / 1000
      printf "RESULT|tpm_quote|%s_mean|%.3f|ms\n", label, sum / NR / 1000
      printf "RESULT|tpm_quote|%s_median|%.3f|ms\n", label, med / 1000
    }'
}
elapsed_us() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}

# Both commands write their files to tmpfs: attest-cli fsyncs an output file and its directory
# (a disk key must survive a crash), tpm2_quote does not, and this benchmark compares quoting,
# not the disk's flush latency (tens of milliseconds on this machine's disk).
out=$(mktemp -d /dev/shm/attest-bench-quote-XXXXXX)
ours() {
  "$cli" get-report --tee tpm --tcti "$tcti" --report-data "$nonce" -o "$out/attest.bin"
}
theirs() {
  tpm2_quote --tcti "$tcti" -c 0x81010002 -l "$pcrs" -q "$nonce" -m "$out/msg" -s "$out/sig" \
    -o "$out/pcrs" -g sha256
}
echo "swtpm $(swtpm --version | grep -o 'version [0-9.]*' | head -1 | cut -d' ' -f2)," \
  "tpm2-tools $(tpm2_quote --version | grep -o 'version="[0-9.]*"' | tr -dc '0-9.')," \
  "$(nproc) cores, $runs runs each"
for _ in 1 2 3 4 5; do ours; theirs; done >/dev/null  # warm-up
# Interleaved, so that load from other jobs on a shared machine hits both alike.
: >"$out/ours.us"
: >"$out/theirs.us"
for ((i = 0; i < runs; i++)); do
  elapsed_us ours >>"$out/ours.us"
  elapsed_us theirs >>"$out/theirs.us"
done
report attest_cli_get_report <"$out/ours.us"
report tpm2_quote <"$out/theirs.us"
paste "$out/ours.us" "$out/theirs.us" | awk '
  { a += $1; b += $2 }
  END {
    printf "ratio attest-cli / tpm2_quote (mean over mean): %.3f\n", a / b
    printf "RESULT|tpm_quote|ratio_attest_cli_over_tpm2_quote|%.3f|x\n", a / b
  }'

# The in-process figures, when the Google Benchmark binary is built
# (cmake --build <build> --target benchmarks).
if [ -x "$build/bench/bench_tpm_quote" ]; then
  ATTEST_BENCH_TCTI="$tcti" "$build/bench/bench_tpm_quote" --benchmark_min_time=2 2>/dev/null |
    grep -E '^(Benchmark|BM_|-)'
fi
