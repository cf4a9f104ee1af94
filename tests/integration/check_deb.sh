#!/usr/bin/env bash
# Unpacks the .deb into a throwaway root and checks it as dpkg would install it: every entry's
# path, owner and mode against deb_manifest.txt (nothing missing, nothing extra), the conffile,
# the generated maintainer-script snippets (group, tmpfiles, units), the computed dependencies,
# and that the packaged binaries run (--version) from that root.
# Usage: check_deb.sh PATH/attest-agent_<version>_<arch>.deb
set -euo pipefail
deb=$1
manifest=$(dirname "$0")/deb_manifest.txt
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# "MODE OWNER/GROUP ./path" for every entry; a directory's trailing slash dropped.
actual=$(dpkg-deb -c "$deb" | awk '{ p = $6; sub("/$", "", p); print $1, $2, p }' | sort)
required=$(grep -v '^#' "$manifest" | grep -v '^?' | sed '/^$/d' | sort)
optional=$( (grep '^?' "$manifest" || true) | sed 's/^? *//' | sort)
missing=$(comm -23 <(echo "$required") <(echo "$actual"))
extra=$(comm -13 <(sort -u <(echo "$required"; echo "$optional")) <(echo "$actual"))
[ -z "$missing" ] || fail "$deb lacks (or has another owner/mode for):"$'\n'"$missing"
[ -z "$extra" ] || fail "$deb has entries not in $manifest:"$'\n'"$extra"

[ "$(dpkg-deb -I "$deb" conffiles)" = /etc/attest-agent/config.toml ] ||
  fail "conffiles is not exactly /etc/attest-agent/config.toml"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libssl3 libcurl4 libtss2-esys libtomlplusplus3 libmicrohttpd12 libsystemd0; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
postinst=$(dpkg-deb -I "$deb" postinst)
for snippet in 'systemd-sysusers' 'systemd-tmpfiles' 'attest-agent.socket' 'attest-agent.service'; do
  grep -q "$snippet" <<<"$postinst" || fail "postinst does not handle $snippet"
done

dpkg-deb -x "$deb" "$root"
# The extracted tree keeps the modes; the group and tmpfiles lines must be what systemd parses.
grep -qx 'g attest -' "$root/usr/lib/sysusers.d/attest-agent.conf" || fail "sysusers.d: no attest group"
grep -qx 'd /run/attest-agent 0755 root root -' "$root/usr/lib/tmpfiles.d/attest-agent.conf" ||
  fail "tmpfiles.d: no /run/attest-agent"
version=$(dpkg-deb -f "$deb" Version)
out=$("$root/usr/bin/attest-cli" --version) || fail "packaged attest-cli --version failed"
grep -q "${version%%-*}" <<<"$out" || fail "attest-cli --version says '$out', package is $version"
ran="attest-cli"
if [ -e "$root/usr/sbin/attest-agent" ]; then
  out=$("$root/usr/sbin/attest-agent" --version) || fail "packaged attest-agent --version failed"
  grep -q "${version%%-*}" <<<"$out" || fail "attest-agent --version says '$out'"
  ran+=" attest-agent"
fi
echo "ok: $(basename "$deb"): $(wc -l <<<"$actual") entries as listed, conffile, Depends, postinst; ran $ran --version"
