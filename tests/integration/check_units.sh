#!/usr/bin/env bash
# The systemd units verify cleanly, the service's exposure stays below 2.0, and only root can
# reach the credential socket.
# Usage: check_units.sh UNIT_DIR BOOT_UNIT_DIR [CONFIG_TOML]
# UNIT_DIR holds attest-agent.{service,socket} and attest-agent-credentials.socket, BOOT_UNIT_DIR
# the template attest-fetch@.service (verified as an instance: a template itself cannot be
# loaded); CONFIG_TOML (packaging/config.toml) names the default credential_socket.
# Works without systemd as PID 1. `verify` checks that ExecStart= is executable: until the
# package is installed /usr/sbin/attest-agent and /usr/bin/attest-cli are absent, and those
# messages are tolerated; any other message fails.
set -euo pipefail
dir=$(cd "$1" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$2/attest-fetch@.service" "$scratch/attest-fetch@default-key-disk.service"
units=("$dir/attest-agent.socket" "$dir/attest-agent-credentials.socket" "$dir/attest-agent.service"
  "$scratch/attest-fetch@default-key-disk.service")

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

# The credential socket: systemd believes the unit name a peer's abstract address claims only
# from root (PID 1), so nobody else may connect; the agent takes it by its descriptor name; it
# activates the agent; and it sits where the configuration's default says.
cred="$dir/attest-agent-credentials.socket"
setting() { sed -n "s/^$1=//p" "$2"; }
for want in SocketUser=root SocketGroup=root SocketMode=0600 FileDescriptorName=credentials \
  Service=attest-agent.service; do
  [ "$(setting "${want%%=*}" "$cred")" = "${want#*=}" ] || {
    echo "FAIL: $cred: want $want, has '$(setting "${want%%=*}" "$cred")'"
    exit 1
  }
done
if [ $# -ge 3 ]; then
  default=$(sed -n 's/^# *credential_socket *= *"\(.*\)"$/\1/p' "$3")
  [ -n "$default" ] && [ "$(setting ListenStream "$cred")" = "$default" ] || {
    echo "FAIL: $cred listens on '$(setting ListenStream "$cred")', $3's credential_socket is '$default'"
    exit 1
  }
fi
grep -q '^Also=.*attest-agent-credentials.socket' "$dir/attest-agent.service" ||
  { echo "FAIL: enabling attest-agent.service does not enable attest-agent-credentials.socket"; exit 1; }

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
echo "ok: units verify; credential socket root-only; attest-agent.service exposure $exposure"
