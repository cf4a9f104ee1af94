#!/usr/bin/env bash
# attest-agent's footprint: stripped binary sizes of attest-agent and attest-cli, the time from
# exec to READY=1 with a [[secrets]] entry (attest, fetch, file written; the test KBS on
# loopback, sample TEE), and the agent's RSS idle and after 100k and 200k cached socket requests
# (32 keep-alive clients, bench/load_gen): the second 100k show whether it grows; and USS/PSS,
# because RSS includes the shared libraries' pages. More rounds of load (the fourth argument)
# tell steady growth (the same step every round) from a one-off (malloc arenas, pool pages
# touched once by a connection landing on the other event loop).
#
#   bench/footprint.sh [build-dir] [starts] [requests] [rounds]     (build, 10, 100000, 2)
#
# Prints human lines and RESULT|footprint|<metric>|<value>|<unit> lines. Use a Release build
# (scripts/bench --release builds build-rel) for figures.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
starts=${2:-10}
requests=${3:-100000}
rounds=${4:-2}
((rounds >= 2)) || { echo "rounds: at least 2 (the growth is the RSS after the last minus after the first)" >&2; exit 2; }
agent_bin="$build/attest-agent"
load_gen="$build/bench/load_gen"
for b in "$agent_bin" "$build/attest-cli" "$load_gen"; do
  [ -x "$b" ] || { echo "build it first: cmake --build $build --target attest-agent attest-cli load_gen" >&2; exit 2; }
done
source bench/lib/agent.bash

for b in attest-agent attest-cli; do
  strip -o "$bench_work/$b.stripped" "$build/$b"
  size=$(stat -c %s "$bench_work/$b.stripped")
  awk -v s="$size" -v b="$b" 'BEGIN {
    printf "%s stripped: %d bytes (%.2f MiB)\n", b, s, s / 1048576
    printf "RESULT|footprint|%s_stripped_size|%.2f|MiB\n", b, s / 1048576 }'
done

head -c 32 /dev/urandom >"$bench_work/secret.bin"
start_kbs kbs --port 0 --resource default/bench/key=@"$bench_work/secret.bin"

# Start-to-READY: fresh agent processes, one after the other, each with its own state.
: >"$bench_work/ready.ms"
for ((i = 0; i < starts; i++)); do
  agent_config "$bench_work/start$i" "$kbs_url"
  start_agent "$bench_work/start$i"
  echo "$ready_ms" >>"$bench_work/ready.ms"
  cmp -s "$bench_work/start$i/secrets/bench.key" "$bench_work/secret.bin" ||
    { echo "the agent did not deliver the secret" >&2; exit 1; }
  stop_pid "$agent_pid"
done
sort -n "$bench_work/ready.ms" | awk '{ v[NR] = $1 } END {
  med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "start to READY=1 with one [[secrets]] entry: median %.1f ms, min %.1f, max %.1f (%d starts)\n", med, v[1], v[NR], NR
  printf "RESULT|footprint|start_to_ready_median|%.1f|ms\n", med }'

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# RSS counts every resident page of the shared libraries too (libcrypto, libstdc++, libc, ...,
# ~13 MiB shared with every other process using them); USS (private pages, what the agent alone
# costs) and PSS (shared pages divided among their users) say what one more agent adds.
uss_kib() { awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"; }
pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
agent_config "$bench_work/agent" "$kbs_url"
start_agent "$bench_work/agent"
sleep 2
idle=$(rss_kib "$agent_pid")
idle_uss=$(uss_kib "$agent_pid")
idle_pss=$(pss_kib "$agent_pid")
# Where the idle RSS is: resident KiB per mapped file (anonymous memory: heap, stacks).
echo "idle RSS by mapping (KiB, top 12):"
awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]" } /^Rss:/ { rss[name] += $2 }
  END { for (n in rss) printf "  %6d %s\n", rss[n], n }' "/proc/$agent_pid/smaps" | sort -rn | head -12
lg=("$load_gen" --socket "$bench_work/agent/run/agent.sock" --path /v1/resource/default/bench/key
  --clients 32 --requests "$requests" --expect "$bench_work/secret.bin")
after=()
for ((r = 1; r <= rounds; r++)); do
  "${lg[@]}" >"$bench_work/lg$r.txt"
  after+=("$(rss_kib "$agent_pid")")
done
after1=${after[0]}
after2=${after[rounds - 1]}
after2_uss=$(uss_kib "$agent_pid")
after2_pss=$(pss_kib "$agent_pid")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$agent_pid/status")
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$agent_pid/status")
for ((r = 1; r <= rounds; r++)); do echo "load: $(cat "$bench_work/lg$r.txt")"; done
echo "RSS after each round of $requests requests (KiB): ${after[*]}"
awk -v i="$idle" -v a="$after1" -v b="$after2" -v h="$hwm" -v t="$threads" -v n="$requests" -v r="$rounds" 'BEGIN {
  more = (r - 1) * n
  printf "RSS idle %.2f MiB, after %d requests %.2f MiB, after %d more %.2f MiB (growth %+d KiB), peak %.2f MiB, %d threads\n", i / 1024, n, a / 1024, more, b / 1024, b - a, h / 1024, t
  printf "RESULT|footprint|rss_idle|%.2f|MiB\n", i / 1024
  printf "RESULT|footprint|rss_after_%dk_requests|%.2f|MiB\n", n / 1000, a / 1024
  printf "RESULT|footprint|rss_after_%dk_requests|%.2f|MiB\n", r * n / 1000, b / 1024
  printf "RESULT|footprint|rss_growth_after_first_%dk|%d|KiB|0 (no growth)\n", n / 1000, b - a
  printf "RESULT|footprint|rss_peak|%.2f|MiB\n", h / 1024 }'
awk -v iu="$idle_uss" -v ip="$idle_pss" -v au="$after2_uss" -v ap="$after2_pss" -v n="$requests" -v r="$rounds" 'BEGIN {
  printf "USS (private) idle %.2f MiB, after %d requests %.2f MiB; PSS idle %.2f MiB, after %.2f MiB\n", iu / 1024, r * n, au / 1024, ip / 1024, ap / 1024
  printf "RESULT|footprint|uss_idle|%.2f|MiB|<= 4 MiB\n", iu / 1024
  printf "RESULT|footprint|uss_after_%dk_requests|%.2f|MiB|<= 4 MiB\n", r * n / 1000, au / 1024
  printf "RESULT|footprint|pss_idle|%.2f|MiB\n", ip / 1024
  printf "RESULT|footprint|pss_after_%dk_requests|%.2f|MiB\n", r * n / 1000, ap / 1024 }'
