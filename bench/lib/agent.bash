# Shared by the end-to-end bench scripts that run the real attest-agent (socket.sh,
# footprint.sh, fleet_real.sh): a work directory cleaned up on exit, the test KBS, agents
# configured against it, and sd_notify played by bench/lib/notify_ready.py. Source it after
# `cd` to the repository root; every process started here is stopped by its pid on exit.
bench_py=/usr/bin/python3
[ -x "$bench_py" ] || bench_py=python3
bench_pids=()
bench_work=$(mktemp -d /tmp/attest-bench-XXXXXX)
bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$bench_work"
}
trap bench_cleanup EXIT
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

# start_kbs NAME [kbs.py options...]: the test KBS over plain HTTP on loopback; sets
# kbs_pid and kbs_url. A fixed --port in the options lets a restarted KBS keep its URL.
start_kbs() {
  local name=$1
  shift
  rm -f "$bench_work/$name.port"
  "$bench_py" tests/kbs/kbs.py --port-file "$bench_work/$name.port" --policy allow-all \
    --log "$bench_work/$name.log" "$@" &
  kbs_pid=$!
  bench_pids+=("$kbs_pid")
  local _
  for _ in $(seq 200); do [ -s "$bench_work/$name.port" ] && break; sleep 0.05; done
  [ -s "$bench_work/$name.port" ] || { echo "test KBS did not start:" >&2; cat "$bench_work/$name.log" >&2; return 1; }
  kbs_url="http://127.0.0.1:$(cat "$bench_work/$name.port")"
}

# agent_config DIR URL [extra TOML]: DIR/config.toml for an agent of the sample TEE with one
# [[secrets]] entry (default/bench/key -> DIR/secrets/bench.key).
agent_config() {
  local dir=$1 url=$2 extra=${3:-}
  mkdir -p "$dir/secrets" "$dir/run"
  cat >"$dir/config.toml" <<TOML
[kbs]
url = "$url"
insecure_http = true
timeout_seconds = 10
[agent]
secrets_dir = "$dir/secrets"
log_level = "warning"
$extra
[[secrets]]
resource = "kbs:///default/bench/key"
path = "bench.key"
TOML
  chmod 600 "$dir/config.toml"
}

# start_agent DIR: runs attest-agent with DIR/config.toml and its socket at DIR/run/agent.sock,
# waits for READY=1 (files in place); sets agent_pid and ready_ms (exec to READY=1, ms).
start_agent() {
  local dir=$1 t0 line
  rm -f "$dir/notify.sock" "$dir/notify.out"
  "$bench_py" bench/lib/notify_ready.py "$dir/notify.sock" >"$dir/notify.out" &
  local notify_pid=$!
  for _ in $(seq 200); do grep -q BOUND "$dir/notify.out" 2>/dev/null && break; sleep 0.02; done
  t0=$(date +%s%N)
  NOTIFY_SOCKET="$dir/notify.sock" "$agent_bin" --config "$dir/config.toml" --tee sample \
    --socket "$dir/run/agent.sock" >>"$dir/agent.log" 2>&1 &
  agent_pid=$!
  bench_pids+=("$agent_pid")
  if ! wait "$notify_pid"; then
    echo "attest-agent in $dir did not become ready:" >&2
    cat "$dir/agent.log" >&2
    return 1
  fi
  line=$(grep '^READY ' "$dir/notify.out")
  ready_ms=$(awk -v a="$t0" -v b="${line#READY }" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
}

# stop_pid PID: SIGTERM and wait.
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
