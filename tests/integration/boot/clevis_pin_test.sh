#!/usr/bin/env bash
# The clevis pin "attest" end to end: `clevis encrypt attest` / `clevis decrypt` with the real
# attest-cli (sample evidence) against the test KBS over TLS, for a kbs:/// resource and for a
# kbs+provisioner:/// root-disk key whose init-data binding comes from the `config` key.
# Usage: clevis_pin_test.sh ATTEST_CLI PYTHON KBS_DIR PIN_DIR
set -euo pipefail
ATTEST_CLI_BIN=$1 PYTHON=$2 KBS_DIR=$3 PIN_DIR=$4
WORK=$(mktemp -d)
trap 'stop_test_kbs; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/test_kbs.sh"

fail() { echo "FAIL: $*" >&2; echo "--- test KBS log:" >&2; cat "$WORK/kbs.log" >&2; exit 1; }

# attest-cli and the pins as clevis finds them: by name, in PATH.
mkdir "$WORK/bin"
ln -s "$ATTEST_CLI_BIN" "$WORK/bin/attest-cli"
export PATH="$WORK/bin:$PIN_DIR:$PATH"
command -v clevis > /dev/null || fail "clevis is not installed (scripts/install-deps installs it)"

uuid=c007d2cc-5f14-41e5-a202-8d15f6f68607
head -c 32 /dev/urandom > "$WORK/disk-key"
printf 'version = "0.1.0"\n\n[data]\n"io.cryptsetup.key.text.root" = "Zk3q9YxTn0aLw2Rm"\n' \
    > "$WORK/confdata"
start_test_kbs --resource "default/key/disk=@$WORK/disk-key" \
    --resource "provisioner:default/$uuid/root=@$WORK/confdata"

head -c 64 /dev/urandom | base64 -w0 > "$WORK/plain"   # a LUKS passphrase, as clevis makes

# 1. kbs:/// resource, CA from cert_file.
cfg=$(printf '{"url":"%s","path":"kbs:///default/key/disk","cert_file":"%s","tee":"sample"}' \
    "$KBS_URL" "$KBS_CA")
clevis encrypt attest "$cfg" < "$WORK/plain" > "$WORK/jwe" || fail "encrypt"
grep -q '"pin":"attest"' <(cut -d. -f1 "$WORK/jwe" | jose b64 dec -i-) || fail "no clevis header"
! grep -q "$(head -c 16 "$WORK/plain")" "$WORK/jwe" || fail "plaintext in the JWE"
clevis decrypt < "$WORK/jwe" > "$WORK/out" || fail "decrypt"
cmp -s "$WORK/plain" "$WORK/out" || fail "decrypt returned other bytes"
echo "ok: kbs:///default/key/disk round trip"

# 2. kbs+provisioner:///, the init-data binding from an attest-agent config file.
cat > "$WORK/initdata.toml" << TOML
version = "0.1.0"
algorithm = "sha384"
[data]
"trustee.kbs.resource" = "kbs+provisioner:///default/$uuid/root"
TOML
printf '[kbs]\ninitdata_file = "%s"\ncert_file = "%s"\n[evidence]\ntee = "sample"\n' \
    "$WORK/initdata.toml" "$KBS_CA" > "$WORK/config.toml"
chmod 0644 "$WORK/config.toml"
cfg=$(printf '{"url":"%s","path":"kbs+provisioner:///default/%s/root","config":"%s"}' \
    "$KBS_URL" "$uuid" "$WORK/config.toml")
clevis encrypt attest "$cfg" < "$WORK/plain" > "$WORK/jwe2" || fail "encrypt (provisioner)"
clevis decrypt < "$WORK/jwe2" > "$WORK/out2" || fail "decrypt (provisioner)"
cmp -s "$WORK/plain" "$WORK/out2" || fail "provisioner decrypt returned other bytes"
grep -q "resource provisioner:default/$uuid/root released" "$WORK/kbs.log" \
    || fail "the provisioner plugin did not serve it"
echo "ok: kbs+provisioner:///default/$uuid/root round trip"

# 3. Fail closed: another secret at the same path, or no KBS, decrypts nothing.
head -c 32 /dev/urandom > "$WORK/other-key"
admin_set_resource default/key/disk "$WORK/other-key"
if clevis decrypt < "$WORK/jwe" > "$WORK/out3" 2> "$WORK/err3"; then fail "decrypted with another key"; fi
[ ! -s "$WORK/out3" ] || fail "output after a failed decrypt"
stop_test_kbs
if clevis decrypt < "$WORK/jwe2" > "$WORK/out4" 2> "$WORK/err4"; then fail "decrypted without a KBS"; fi
[ ! -s "$WORK/out4" ] || fail "output without a KBS"
grep -q "attest-cli could not fetch kbs+provisioner:///default/$uuid/root" "$WORK/err4" \
    || fail "no clear error without a KBS: $(cat "$WORK/err4")"
echo "ok: a changed secret or an unreachable KBS decrypts nothing"

# 4. Bad configurations are refused before any network traffic, naming the problem.
bad_configs=('{"url":"https://x","path":"kbs:///a/b/c","cert":"ca.pem"}' '{"path":"kbs:///a/b/c"}'
             '[]' '{"url":"https://x","path":7}')
wanted=("a key other than url, path" "lacks 'url'" "not a JSON object" "key 'path' must be a string")
for i in "${!bad_configs[@]}"; do
    if clevis encrypt attest "${bad_configs[$i]}" < "$WORK/plain" > /dev/null 2> "$WORK/err5"; then
        fail "accepted ${bad_configs[$i]}"
    fi
    grep -qF "${wanted[$i]}" "$WORK/err5" || fail "config ${bad_configs[$i]}: $(cat "$WORK/err5")"
done
echo "ok: malformed configurations refused"
