#!/usr/bin/env bash
# The fleet simulation checked against real processes (issue 10): AGENTS attest-agent processes
# (each its own process, socket, state and secrets directory) against one test KBS with a short
# token lifetime, the KBS killed for OUTAGE seconds in the middle and restarted on the same port
# with the same token key. The KBS's own counters (/test/stats, polled twice a second) give the
# handshakes per agent per token lifetime in the steady window and the peak request rate after
# the outage relative to the steady rate; bench/fleet then simulates the same parameters (same
# agent count, lifetime, outage, no capacity limit) over 40 seeds, and the script says whether
# the real figures fall within the tolerance:
#   - handshakes per agent per lifetime: within 10 % of the simulation's median;
#   - peak after outage / steady: inside the range the 40 simulated runs span (with 50 agents a
#     10 s window holds ~30 requests, so sampling noise alone moves the ratio by ~+-20 %).
# The timeline is the simulation's: agents start spread over the first refresh interval, steady
# window 2..6 lifetimes, outage at 6 lifetimes, end 5 lifetimes after the outage.
#
#   bench/fleet_real.sh [build-dir] [agents] [lifetime s] [outage s]    (build, 50, 40, 20)
#
# Takes 11 lifetimes + the outage (~8 min at the defaults); run it with nice on a shared machine.
# Any lifetime works: the KBS client's re-attest margin (30 s, agent/kbs/rcar_client.h) is
# capped at a tenth of the token's lifetime, so a short token is not stale on arrival (before
# that cap, tokens of 30 s or less attested twice per refresh cycle: 2.4 per lifetime at 10 s).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
agents=${2:-50}
lifetime=${3:-40}
outage=${4:-20}
agent_bin="$build/attest-agent"
fleet_bin="$build/bench/fleet"
for b in "$agent_bin" "$fleet_bin"; do
  [ -x "$b" ] || { echo "build it first: cmake --build $build --target attest-agent fleet" >&2; exit 2; }
done
source bench/lib/agent.bash

head -c 32 /dev/urandom >"$bench_work/secret.bin"
openssl ecparam -name prime256v1 -genkey -noout -out "$bench_work/token.key" 2>/dev/null
kbs_args=(--resource default/bench/key=@"$bench_work/secret.bin" --token-ttl "$lifetime"
  --session-ttl "$lifetime" --token-key "$bench_work/token.key")
start_kbs kbs --port 0 "${kbs_args[@]}"
port=${kbs_url##*:}
"$bench_py" bench/lib/kbs_poll.py "$kbs_url" 0.5 >"$bench_work/poll.txt" &
bench_pids+=($!)

# One notify socket counts every agent's READY=1.
"$bench_py" bench/lib/notify_ready.py "$bench_work/notify.sock" "$agents" >"$bench_work/notify.out" &
notify_pid=$!
for _ in $(seq 200); do grep -q BOUND "$bench_work/notify.out" 2>/dev/null && break; sleep 0.02; done
t0=$(date +%s.%N)
gap=$(awk -v l="$lifetime" -v n="$agents" 'BEGIN { printf "%.3f", 0.8 * l / n }')
for ((i = 0; i < agents; i++)); do
  dir="$bench_work/agent$i"
  agent_config "$dir" "$kbs_url"
  NOTIFY_SOCKET="$bench_work/notify.sock" "$agent_bin" --config "$dir/config.toml" --tee sample \
    --socket "$dir/run/agent.sock" >>"$dir/agent.log" 2>&1 &
  bench_pids+=($!)
  sleep "$gap"
done
wait "$notify_pid" || { echo "not every agent became ready" >&2; exit 1; }
echo "$agents agents ready; token lifetime $lifetime s; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

at() { awk -v t0="$t0" -v s="$1" 'BEGIN { printf "%.3f", t0 + s }'; }
sleep_until() { local d; d=$(awk -v t="$1" -v now="$(date +%s.%N)" 'BEGIN { d = t - now; printf "%.3f", (d > 0 ? d : 0) }'); sleep "$d"; }
sleep_until "$(at $((6 * lifetime)))"
kill_at=$(date +%s.%N)
stop_pid "$kbs_pid"
echo "KBS stopped at t=$(awk -v a="$kill_at" -v t0="$t0" 'BEGIN { printf "%.1f", a - t0 }') s"
sleep_until "$(at $((6 * lifetime + outage)))"
start_kbs kbs --port "$port" "${kbs_args[@]}"
back_at=$(date +%s.%N)
echo "KBS back at t=$(awk -v a="$back_at" -v t0="$t0" 'BEGIN { printf "%.1f", a - t0 }') s"
sleep_until "$(at $((11 * lifetime + outage)))"
alive=0
for p in "${bench_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done

# Real figures from the KBS's counters.
real=$(awk -v t0="$t0" -v l="$lifetime" -v n="$agents" -v back="$back_at" '
  { t[NR] = $1; a[NR] = $2; ok[NR] = $3 }
  function at(x, arr,   i) {  # the running total at time x (last poll at or before x)
    for (i = NR; i >= 1; i--) if (t[i] <= x) return arr[i]
    return 0
  }
  END {
    s0 = t0 + 2 * l; s1 = t0 + 6 * l
    hs = (at(s1, ok) - at(s0, ok)) / n / 4
    steady = (at(s1, a) - at(s0, a)) / (4 * l)
    peak = 0
    for (i = 1; i <= NR; i++) {
      if (t[i] < back - 0.5) continue
      for (j = i; j <= NR && t[j] < t[i] + 10; j++) {}
      if (j > NR) break
      r = (a[j] - a[i]) / (t[j] - t[i])
      if (r > peak) peak = r
    }
    printf "%.3f %.3f %.3f\n", hs, steady, peak / steady
  }' "$bench_work/poll.txt")
read -r real_hs real_steady real_peak <<<"$real"

sim=$("$fleet_bin" --agents="$agents" --lifetime="$lifetime" --outage="$outage" --capacity=100000 \
  --seeds=40 --short | grep '^RESULT|fleet|ours_')
simval() { grep "|ours_$1|" <<<"$sim" | cut -d'|' -f4; }
sim_hs=$(simval handshakes_per_agent_per_lifetime)
sim_peak=$(simval peak_after_outage_vs_steady)
sim_peak_min=$(simval peak_after_outage_vs_steady_min)
sim_peak_max=$(simval peak_after_outage_vs_steady_max)
echo "agents still running at the end: $alive of $((agents + 2)) processes (agents, KBS, poller)"
awk -v rh="$real_hs" -v sh="$sim_hs" -v rp="$real_peak" -v sp="$sim_peak" -v lo="$sim_peak_min" \
  -v hi="$sim_peak_max" -v rs="$real_steady" -v n="$agents" 'BEGIN {
  hs_ok = (rh >= 0.9 * sh && rh <= 1.1 * sh); pk_ok = (rp >= lo && rp <= hi)
  printf "handshakes/agent/lifetime: real %.3f, simulated %.3f (median of 40 seeds): %s\n", rh, sh, hs_ok ? "within 10 %" : "OUTSIDE 10 %"
  printf "peak after outage / steady: real %.2fx, simulated %.2fx (range %.2f-%.2f over 40 seeds): %s\n", rp, sp, lo, hi, pk_ok ? "inside" : "OUTSIDE"
  printf "real steady rate %.2f handshake attempts/s for %d agents\n", rs, n
  printf "RESULT|fleet_real|agents|%d|processes|>= 50\n", n
  printf "RESULT|fleet_real|real_handshakes_per_agent_per_lifetime|%.3f|handshakes\n", rh
  printf "RESULT|fleet_real|sim_handshakes_per_agent_per_lifetime|%.3f|handshakes\n", sh
  printf "RESULT|fleet_real|real_peak_after_outage_vs_steady|%.2f|x\n", rp
  printf "RESULT|fleet_real|sim_peak_after_outage_vs_steady|%.2f|x\n", sp
  printf "RESULT|fleet_real|handshakes_real_over_sim|%.3f|x|0.9-1.1\n", rh / sh
  printf "RESULT|fleet_real|peak_within_sim_range|%d|bool|1\n", pk_ok
}'
