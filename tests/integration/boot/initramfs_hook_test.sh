#!/usr/bin/env bash
# The initramfs-tools hook run as mkinitramfs runs it (hook-functions, DESTDIR): attest-cli,
# every library it loads (and the TPM transport tpm2-tss dlopen()s), the clevis pin and the
# configuration land in the image, and attest-cli runs inside it (chroot) with nothing else.
# Without an attest binding in crypttab (and no ATTEST_INITRAMFS=y) it adds nothing.
# Usage: initramfs_hook_test.sh HOOK ATTEST_CLI PIN_DIR
set -euo pipefail
HOOK=$1 ATTEST_CLI_BIN=$2 PIN_DIR=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -r /usr/share/initramfs-tools/hook-functions ] \
    || fail "initramfs-tools-core is not installed (scripts/install-deps installs it)"

mkdir "$WORK/bin" "$WORK/conf"
ln -s "$ATTEST_CLI_BIN" "$WORK/bin/attest-cli"
printf '[kbs]\nurl = "https://kbs.example:8080"\ncert_file = "/etc/attest-agent/kbs-ca.pem"\n' \
    > "$WORK/conf/config.toml"
printf -- '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n' > "$WORK/conf/kbs-ca.pem"

run_hook() {  # run_hook DESTDIR [VAR=value...]
    local dest=$1 d
    shift
    # The usr-merged skeleton mkinitramfs makes before it runs hooks (/usr/sbin/mkinitramfs).
    for d in /bin /lib* /sbin; do
        mkdir -p "$dest/usr$d"
        ln -s "usr$d" "$dest$d"
    done
    env PATH="$WORK/bin:$PIN_DIR:$PATH" DESTDIR="$dest" ATTEST_CONF_DIR="$WORK/conf" verbose=n \
        MODULESDIR=/nonexistent version=test "$@" sh "$HOOK"
}

# Nothing bound, nothing forced: the image stays as it was.
run_hook "$WORK/empty" || fail "hook failed without bindings"
added=$(find "$WORK/empty" ! -type d ! -type l)
[ -z "$added" ] || fail "hook added files without an attest binding: $added"
echo "ok: no attest binding, nothing added"

D="$WORK/root"
run_hook "$D" ATTEST_INITRAMFS=y || fail "hook failed"
for f in usr/bin/attest-cli usr/bin/clevis-decrypt-attest usr/bin/clevis-attest-common \
         usr/bin/base64 usr/bin/sha256sum etc/attest-agent/config.toml etc/attest-agent/kbs-ca.pem; do
    [ -e "$D/$f" ] || fail "missing /$f in the image"
done
cmp -s "$ATTEST_CLI_BIN" "$D/usr/bin/attest-cli" || fail "attest-cli is not the binary given"
# Every library the dynamic loader resolves for attest-cli, by name.
ldd "$ATTEST_CLI_BIN" | awk '/=>/ { print $1 } /^\t\/.*ld-linux/ { print $1 }' | while read -r lib; do
    [ -n "$(find "$D" -name "$(basename "$lib")" -print -quit)" ] || fail "library $lib missing"
done
[ -n "$(find "$D" -name 'libtss2-tcti-device.so.0' -print -quit)" ] \
    || fail "the dlopen()ed TPM transport libtss2-tcti-device.so.0 is missing"
echo "ok: attest-cli, its libraries, the pin and /etc/attest-agent are in the image"

# The image's own loader and libraries run it (chroot needs root; else say so and stop here).
if [ "$(id -u)" -eq 0 ]; then
    version=$(chroot "$D" /usr/bin/attest-cli --version) || fail "attest-cli does not run in the image"
    [ -n "$version" ] || fail "attest-cli --version printed nothing in the image"
    echo "ok: chroot IMAGE attest-cli --version: $version"
else
    echo "NOTE: not root: attest-cli was not run inside the image" >&2
fi
