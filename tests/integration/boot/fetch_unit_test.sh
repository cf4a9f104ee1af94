#!/usr/bin/env bash
# attest-fetch@.service: `systemd-analyze verify` says nothing at all about an instance, and the
# unit's own ExecStart= (its specifiers expanded as systemd expands them, the output directory
# moved to scratch) fetches the secret from the test KBS into a 0400 file, for a plain resource
# path and for a kbs+provisioner:/// URI.
# Usage: fetch_unit_test.sh UNIT_FILE ATTEST_CLI PYTHON KBS_DIR
set -euo pipefail
UNIT=$1 ATTEST_CLI_BIN=$2 PYTHON=$3 KBS_DIR=$4
WORK=$(mktemp -d)
trap 'stop_test_kbs; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/test_kbs.sh"
fail() { echo "FAIL: $*" >&2; [ ! -f "$WORK/kbs.log" ] || tail -20 "$WORK/kbs.log" >&2; exit 1; }

# verify needs the ExecStart binary to exist: point it at the build's attest-cli.
mkdir "$WORK/units"
sed "s|/usr/bin/attest-cli|$ATTEST_CLI_BIN|" "$UNIT" > "$WORK/units/attest-fetch@.service"
instance="attest-fetch@$(systemd-escape default/key/disk).service"
out=$(systemd-analyze verify --man=no "$WORK/units/$instance" 2>&1) || fail "verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify is not clean: $out"
echo "ok: systemd-analyze verify $instance is clean"

# ExecStart= with %i (escaped instance) and %I (unescaped), as systemd.unit(5) defines them.
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
[ -n "$exec_start" ] || fail "no ExecStart= in $UNIT"
uuid=c007d2cc-5f14-41e5-a202-8d15f6f68607
head -c 48 /dev/urandom > "$WORK/disk-key"
printf 'root-key-text' > "$WORK/root-key"
start_test_kbs --resource "default/key/disk=@$WORK/disk-key" \
    --resource "provisioner:default/$uuid/root=@$WORK/root-key"
printf 'version = "0.1.0"\nalgorithm = "sha384"\n[data]\n"trustee.kbs.resource" = "%s"\n' \
    "kbs+provisioner:///default/$uuid/root" > "$WORK/initdata.toml"
printf '[kbs]\nurl = "%s"\ncert_file = "%s"\ninitdata_file = "%s"\n[evidence]\ntee = "sample"\n' \
    "$KBS_URL" "$KBS_CA" "$WORK/initdata.toml" > "$WORK/config.toml"
chmod 0644 "$WORK/config.toml"
mkdir -m 0700 "$WORK/secrets"

for resource in default/key/disk "kbs+provisioner:///default/$uuid/root"; do
    i=$(systemd-escape "$resource")
    [ "$(systemd-escape -u "$i")" = "$resource" ] || fail "escape round trip of $resource"
    cmd=${exec_start//\/usr\/bin\/attest-cli/$ATTEST_CLI_BIN}
    cmd=${cmd//\/run\/attest-agent\/secrets/$WORK/secrets}
    cmd=${cmd//%i/$i}
    cmd=${cmd//%I/$resource}
    # Word splitting as systemd does it for this line (no quotes in it).
    read -r -a argv <<< "$cmd"
    ATTEST_CONFIG="$WORK/config.toml" "${argv[@]}" || fail "ExecStart for $resource: ${argv[*]}"
    [ "$(stat -c %a "$WORK/secrets/$i")" = 400 ] || fail "mode of $WORK/secrets/$i"
    echo "ok: $resource -> secrets/$i"
done
cmp -s "$WORK/disk-key" "$WORK/secrets/default-key-disk" || fail "default/key/disk content"
cmp -s "$WORK/root-key" "$WORK/secrets/$(systemd-escape "kbs+provisioner:///default/$uuid/root")" \
    || fail "provisioner content"
echo "ok: the files hold the exact secrets"
