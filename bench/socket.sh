#!/usr/bin/env bash
# Cached secret over the Unix socket: the real attest-agent (sample TEE, against the test KBS,
# the secret warmed by a [[secrets]] entry) against nginx serving the same bytes from a file on
# a Unix socket with keep-alive, both driven by the same load generator (bench/load_gen: N
# keep-alive HTTP/1.1 clients on one epoll thread, every answer checked against the bytes).
# Runs alternate agent / nginx ROUNDS times so that load from other jobs on a shared machine
# hits both alike; the figures are the medians over the rounds.
#
#   bench/socket.sh [build-dir] [seconds per run] [rounds] [clients]   (build, 5, 3, 32)
#
# nginx runs with its own configuration in a temporary directory (never the system nginx).
# Prints a human line per round and RESULT|socket|<metric>|<value>|<unit> lines.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-5}
rounds=${3:-3}
clients=${4:-32}
agent_bin="$build/attest-agent"
load_gen="$build/bench/load_gen"
for b in "$agent_bin" "$load_gen"; do
  [ -x "$b" ] || { echo "build it first: cmake --build $build --target attest-agent load_gen" >&2; exit 2; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || { echo "nginx is not installed (scripts/install-deps)" >&2; exit 2; }
source bench/lib/agent.bash

path=/v1/resource/default/bench/key
head -c 32 /dev/urandom >"$bench_work/secret.bin"
start_kbs kbs --port 0 --resource default/bench/key=@"$bench_work/secret.bin"
agent_config "$bench_work/agent" "$kbs_url"
start_agent "$bench_work/agent"
cmp -s "$bench_work/agent/secrets/bench.key" "$bench_work/secret.bin" ||
  { echo "the agent did not deliver the secret" >&2; exit 1; }

mkdir -p "$bench_work/nginx/www"
cp "$bench_work/secret.bin" "$bench_work/nginx/www/key"
cat >"$bench_work/nginx/nginx.conf" <<CONF
# Only for this benchmark: one static file on a Unix socket, keep-alive, no logging.
daemon off;
user root;
worker_processes auto;
pid $bench_work/nginx/nginx.pid;
error_log $bench_work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  default_type application/octet-stream;
  client_body_temp_path $bench_work/nginx/tmp;
  proxy_temp_path $bench_work/nginx/tmp;
  fastcgi_temp_path $bench_work/nginx/tmp;
  uwsgi_temp_path $bench_work/nginx/tmp;
  scgi_temp_path $bench_work/nginx/tmp;
  server {
    listen unix:$bench_work/nginx/nginx.sock;
    location = $path { alias $bench_work/nginx/www/key; }
  }
}
CONF
mkdir -p "$bench_work/nginx/tmp"
"$nginx_bin" -p "$bench_work/nginx" -c "$bench_work/nginx/nginx.conf" -e "$bench_work/nginx/error.log" &
nginx_pid=$!
bench_pids+=("$nginx_pid")
for _ in $(seq 100); do [ -S "$bench_work/nginx/nginx.sock" ] && break; sleep 0.05; done
[ -S "$bench_work/nginx/nginx.sock" ] || { echo "nginx did not start:" >&2; cat "$bench_work/nginx/error.log" >&2; exit 1; }

run() {  # run NAME SOCKET: one load_gen run, its key=value line appended to NAME.runs
  "$load_gen" --socket "$2" --path "$path" --clients "$clients" --duration "$seconds" \
    --warmup 1 --expect "$bench_work/secret.bin" | tee -a "$bench_work/$1.runs"
}
echo "$clients clients, $seconds s per run (+1 s warm-up), $rounds rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
  printf 'round %d agent: ' "$r"
  run agent "$bench_work/agent/run/agent.sock"
  printf 'round %d nginx: ' "$r"
  run nginx "$bench_work/nginx/nginx.sock"
done

median() {  # median KEY FILE: the median of key=value over the runs
  grep -o "$1=[0-9.]*" "$2" | cut -d= -f2 | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for who in agent nginx; do
  rps=$(median rps "$bench_work/$who.runs")
  p50=$(median p50_us "$bench_work/$who.runs")
  p99=$(median p99_us "$bench_work/$who.runs")
  printf -v "${who}_rps" %s "$rps"
  printf -v "${who}_p99" %s "$p99"
  printf -v "${who}_p50" %s "$p50"
  echo "RESULT|socket|${who}_requests_per_s|$rps|req/s"
  awk -v v="$p50" -v w="$who" 'BEGIN { printf "RESULT|socket|%s_p50|%.3f|ms\n", w, v / 1000 }'
  awk -v v="$p99" -v w="$who" 'BEGIN { printf "RESULT|socket|%s_p99|%.3f|ms\n", w, v / 1000 }'
done
awk -v a="$agent_rps" -v n="$nginx_rps" -v ap="$agent_p99" -v np="$nginx_p99" 'BEGIN {
  printf "agent / nginx: throughput %.3fx, p99 %.3fx\n", a / n, ap / np
  printf "RESULT|socket_vs_nginx|throughput_ratio_agent_over_nginx|%.3f|x\n", a / n
  printf "RESULT|socket_vs_nginx|p99_ratio_agent_over_nginx|%.3f|x|<= 1x\n", ap / np
}'
