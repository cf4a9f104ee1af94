#!/usr/bin/env bash
# One-shot secret fetch over HTTPS: `attest-cli get-resource` (auth, attest, resource: the whole
# RCAR exchange, sample TEE) against three sequential `curl` processes making the same three
# requests to the same test KBS (tests/kbs/kbs.py) with the same CA file. The curls carry the
# transport cost only (their /attest and /resource answer 401: no evidence, no session), so the
# baseline is, if anything, cheaper than the real exchange. Both run side by side in one run.
#
#   bench/fetch_vs_curl.sh [build-dir] [runs]      (defaults: build, 50)
#
# Prints a human line per command and machine lines for scripts/bench:
#   RESULT|<benchmark>|<metric>|<value>|<unit>
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-50}
cli="$build/attest-cli"
[ -x "$cli" ] || { echo "build attest-cli first: cmake --build $build --target attest-cli" >&2; exit 2; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3

work=$(mktemp -d /tmp/attest-bench-fetch-XXXXXX)
# The secret goes to tmpfs, as it does in use (/run is tmpfs): attest-cli fsyncs an output
# file and its directory, which on a disk costs tens of milliseconds that the curls, writing
# to /dev/null, would not pay.
shm=$(mktemp -d /dev/shm/attest-bench-fetch-XXXXXX)
kbs_pid=
cleanup() {
  if [ -n "$kbs_pid" ]; then kill "$kbs_pid" 2>/dev/null || true; wait "$kbs_pid" 2>/dev/null || true; fi
  rm -rf "$work" "$shm"
}
trap cleanup EXIT
"$py" tests/kbs/make_test_ca.py "$work" >/dev/null
head -c 32 /dev/urandom >"$work/secret.bin"
"$py" tests/kbs/kbs.py --port 0 --port-file "$work/port" --tls-cert "$work/server.pem" \
  --tls-key "$work/server.key" --resource default/bench/key=@"$work/secret.bin" \
  --policy allow-all --log "$work/kbs.log" &
kbs_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "test KBS did not start:" >&2; cat "$work/kbs.log" >&2; exit 1; }
url="https://127.0.0.1:$(cat "$work/port")"
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

ours() {
  "$cli" get-resource --tee sample --url "$url" --cert-file "$work/ca.pem" \
    -o "$shm/out.bin" kbs:///default/bench/key
}
three_curls() {
  local c=(curl -sS -o /dev/null --cacert "$work/ca.pem" -H 'Content-Type: application/json')
  "${c[@]}" -X POST -d '{"version":"0.4.0","tee":"sample","extra-params":""}' "$url/kbs/v0/auth"
  "${c[@]}" -X POST -d '{}' "$url/kbs/v0/attest"
  "${c[@]}" "$url/kbs/v0/resource/default/bench/key"
}
ours
cmp -s "$shm/out.bin" "$work/secret.bin" || { echo "attest-cli did not fetch the secret" >&2; exit 1; }

# Prints the statistics of the microsecond times on stdin as a human line and RESULT lines.
report() {
  local bench=$1 label=$2
  sort -n | awk -v bench="$bench" -v label="$label" '
    { v[NR] = $1; sum += $1 }
    END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%-26s runs %4d  mean %7.2f ms  median %7.2f ms  min %7.2f ms  max %7.2f ms\n",
             label, NR, sum / NR / 1000, med / 1000, v[1] / 1000, v[NR] / 1000
      printf "RESULT|%s|%s_mean|%.3f|ms\n", bench, label, sum / NR / 1000
      printf "RESULT|%s|%s_median|%.3f|ms\n", bench, label, med / 1000
    }'
}
elapsed_us() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}

echo "$(curl --version | head -1 | cut -d' ' -f1-2), $(nproc) cores, $runs runs each, HTTPS on loopback"
for _ in 1 2 3; do ours; three_curls; done >/dev/null  # warm-up
# Interleaved, so that load from other jobs on a shared machine hits both alike.
: >"$work/ours.us"
: >"$work/curls.us"
for ((i = 0; i < runs; i++)); do
  elapsed_us ours >>"$work/ours.us"
  elapsed_us three_curls >>"$work/curls.us"
done
report fetch_vs_curl attest_cli_get_resource <"$work/ours.us"
report fetch_vs_curl three_curls <"$work/curls.us"
paste "$work/ours.us" "$work/curls.us" | awk '
  { a += $1; b += $2 }
  END {
    printf "ratio attest-cli / three curls (mean over mean): %.3f\n", a / b
    printf "RESULT|fetch_vs_curl|ratio_attest_cli_over_three_curls|%.3f|x\n", a / b
  }'
