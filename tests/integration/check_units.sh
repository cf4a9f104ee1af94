#!/usr/bin/env bash
# The systemd units verify cleanly and the service's exposure stays below 2.0.
# Usage: check_units.sh UNIT_DIR BOOT_UNIT_DIR
# UNIT_DIR holds attest-agent.{service,socket}, BOOT_UNIT_DIR the template attest-fetch@.service
# (verified as an instance: a template itself cannot be loaded).
# Works without systemd as PID 1. `verify` checks that ExecStart= is executable: until the
# package is installed /usr/sbin/attest-agent and /usr/bin/attest-cli are absent, and those
# messages are tolerated; any other message fails.
set -euo pipefail
dir=$(cd "$1" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$2/attest-fetch@.service" "$scratch/attest-fetch@default-key-disk.service"
units=("$dir/attest-agent.socket" "$dir/attest-agent.service" "$scratch/attest-fetch@default-key-disk.service")

out=$(systemd-analyze verify --man=no "${units[@]}" 2>&1) || true
unexpected=$(grep -v '^$' <<<"$out" || true)
if [ ! -x /usr/sbin/attest-agent ]; then
  unexpected=$(grep -vx 'attest-agent.service: Command /usr/sbin/attest-agent is not executable: No such file or directory' \
    <<<"$unexpected" || true)
fi
if [ ! -x /usr/bin/attest-cli ]; then
  unexpected=$(grep -vx 'attest-fetch@default-key-disk.service: Command /usr/bin/attest-cli is not executable: No such file or directory' \
    <<<"$unexpected" || true)
fi
if [ -n "$unexpected" ]; then
  echo "FAIL: systemd-analyze verify:"
  echo "$unexpected"
  exit 1
fi

security=$(systemd-analyze security --offline=true --no-pager "$dir/attest-agent.service" 2>&1) || true
exposure=$(sed -n 's/.*Overall exposure level for attest-agent.service: \([0-9.]*\).*/\1/p' <<<"$security")
if [ -z "$exposure" ]; then
  echo "FAIL: no exposure figure from systemd-analyze security:"
  echo "$security"
  exit 1
fi
if ! awk -v e="$exposure" 'BEGIN { exit !(e < 2.0) }'; then
  echo "FAIL: exposure $exposure is not below 2.0:"
  grep '✗' <<<"$security"
  exit 1
fi
echo "ok: units verify; attest-agent.service exposure $exposure"
