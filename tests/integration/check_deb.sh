#!/usr/bin/env bash
# Unpacks the .deb into a throwaway root and checks it as dpkg would install it: every entry's
# path, owner and mode against package_manifest.txt (nothing missing, nothing extra; the same
# list check_rpm.sh holds the .rpm to), the conffile, the generated maintainer-script snippets
# (group, tmpfiles, units), the computed dependencies, and that the packaged binaries run
# (--version) from that root.
# Usage: check_deb.sh PATH/attest-agent_<version>_<arch>.deb
set -euo pipefail
deb=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# shellcheck source=tests/integration/package_checks.sh
. "$(dirname "$0")/package_checks.sh"

# "MODE OWNER/GROUP ./path" for every entry; a directory's trailing slash dropped.
actual=$(dpkg-deb -c "$deb" | awk '{ p = $6; sub("/$", "", p); print $1, $2, p }' | sort)
compare_entries deb /lib/systemd/system "$deb" "$actual"

[ "$(dpkg-deb -I "$deb" conffiles)" = /etc/attest-agent/config.toml ] ||
  fail "conffiles is not exactly /etc/attest-agent/config.toml"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libssl3 libcurl4 libtss2-esys libtomlplusplus3 libmicrohttpd12 libsystemd0; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
postinst=$(dpkg-deb -I "$deb" postinst)
for snippet in 'systemd-sysusers' 'systemd-tmpfiles' 'attest-agent.socket' \
  'attest-agent-credentials.socket' 'attest-agent.service'; do
  grep -q "$snippet" <<<"$postinst" || fail "postinst does not handle $snippet"
done

dpkg-deb -x "$deb" "$root"
version=$(dpkg-deb -f "$deb" Version)
check_tree "$root" "${version%%-*}"
echo "ok: $(basename "$deb"): $(wc -l <<<"$actual") entries as listed, conffile, Depends, postinst; ran $tree_ran --version"
