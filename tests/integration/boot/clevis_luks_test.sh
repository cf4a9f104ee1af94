#!/usr/bin/env bash
# `clevis luks bind` with the attest pin on a LUKS2 volume on a loop device, then unlock it.
#   bind:   bind, `clevis luks list`, and the bound keyslot opens with the passphrase the pin
#           recovers through the test KBS (cryptsetup --test-passphrase: no device-mapper needed).
#   unlock: `clevis luks unlock` maps the volume (needs device-mapper).
# What this machine cannot do is reported loudly and exits 77, which ctest shows as "Skipped",
# never as passed.
# Usage: clevis_luks_test.sh bind|unlock ATTEST_CLI PYTHON KBS_DIR PIN_DIR
set -euo pipefail
MODE=$1 ATTEST_CLI_BIN=$2 PYTHON=$3 KBS_DIR=$4 PIN_DIR=$5
WORK=$(mktemp -d)
LOOP=
MAPPED=
cleanup() {
    [ -z "$MAPPED" ] || cryptsetup close "$MAPPED" 2> /dev/null || true
    [ -z "$LOOP" ] || losetup -d "$LOOP" 2> /dev/null || true
    stop_test_kbs
    rm -rf "$WORK"
}
trap cleanup EXIT
. "$(dirname "$0")/test_kbs.sh"

fail() { echo "FAIL: $*" >&2; [ ! -f "$WORK/kbs.log" ] || tail -20 "$WORK/kbs.log" >&2; exit 1; }
skip() {
    echo "######## SKIPPED: $* ########" >&2
    echo "######## (this test did NOT pass; it could not run here) ########" >&2
    exit 77
}

mkdir "$WORK/bin"
ln -s "$ATTEST_CLI_BIN" "$WORK/bin/attest-cli"
export PATH="$WORK/bin:$PIN_DIR:$PATH"
for tool in clevis cryptsetup luksmeta losetup; do
    command -v "$tool" > /dev/null || fail "$tool is not installed (scripts/install-deps)"
done
[ "$(id -u)" -eq 0 ] || skip "loop devices and LUKS need root"

truncate -s 32M "$WORK/disk.img"
LOOP=$(losetup -f --show "$WORK/disk.img" 2> "$WORK/losetup.err") \
    || skip "losetup cannot attach a loop device here: $(cat "$WORK/losetup.err")"

# A quick KDF for the test's own first keyslot; clevis adds its keyslot with its defaults.
head -c 32 /dev/urandom | base64 -w0 > "$WORK/initial-pass"
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
    --key-file "$WORK/initial-pass" "$LOOP" || fail "luksFormat"

head -c 32 /dev/urandom > "$WORK/disk-key"
start_test_kbs --resource "default/key/root=@$WORK/disk-key"
cfg=$(printf '{"url":"%s","path":"kbs:///default/key/root","cert_file":"%s","tee":"sample"}' \
    "$KBS_URL" "$KBS_CA")
clevis luks bind -y -d "$LOOP" -k "$WORK/initial-pass" attest "$cfg" \
    || fail "clevis luks bind"
list=$(clevis luks list -d "$LOOP") || fail "clevis luks list"
grep -q "attest" <<< "$list" || fail "clevis luks list does not show the attest pin: $list"
slot=${list%%:*}
echo "ok: bound keyslot $slot: $list"

if [ "$MODE" = bind ]; then
    # The pin's passphrase, recovered through the KBS, opens that keyslot.
    clevis luks pass -d "$LOOP" -s "$slot" \
        | cryptsetup open --test-passphrase --key-slot "$slot" --key-file - "$LOOP" \
        || fail "the passphrase the pin recovers does not open keyslot $slot"
    echo "ok: keyslot $slot opens with the passphrase recovered through the KBS"
    # Without the KBS, nothing is recovered.
    stop_test_kbs
    if clevis luks pass -d "$LOOP" -s "$slot" > "$WORK/pass" 2> /dev/null; then
        fail "a passphrase was recovered without the KBS"
    fi
    [ ! -s "$WORK/pass" ] || fail "partial passphrase output without the KBS"
    echo "ok: no KBS, no passphrase"
    exit 0
fi

MAPPED="attest-test-$$"
if ! clevis luks unlock -d "$LOOP" -n "$MAPPED" 2> "$WORK/unlock.err"; then
    if grep -qi "device-mapper\|dm_mod" "$WORK/unlock.err"; then
        MAPPED=
        skip "device-mapper is not available in this sandbox, so no LUKS volume can be mapped:" \
            "$(tr '\n' ' ' < "$WORK/unlock.err")"
    fi
    fail "clevis luks unlock: $(cat "$WORK/unlock.err")"
fi
[ -b "/dev/mapper/$MAPPED" ] || fail "/dev/mapper/$MAPPED is not there after unlock"
echo "ok: clevis luks unlock mapped /dev/mapper/$MAPPED"
