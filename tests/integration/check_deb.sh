#!/usr/bin/env bash
# Builds the .deb with CPack into a scratch directory and checks what it contains.
set -euo pipefail
cpack=$1
config=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$cpack" -G DEB --config "$config" -B "$work" >/dev/null)
deb=$(ls "$work"/attest-agent_*.deb)
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/attest-cli ./usr/share/doc/attest-agent/README.md ./usr/share/doc/attest-agent/LICENSE \
         ./etc/attest-agent/config.toml; do
  grep -q " $f\$" <<<"$contents" || { echo "missing $f in $deb"; echo "$contents"; exit 1; }
done
# Local edits of the configuration survive upgrades only if dpkg knows it as a conffile.
conffiles=$(dpkg-deb -I "$deb" conffiles 2>/dev/null || true)
grep -qx '/etc/attest-agent/config.toml' <<<"$conffiles" ||
  { echo "config.toml is not a conffile: '$conffiles'"; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
grep -q 'libc6' <<<"$depends" || { echo "no computed dependencies: $depends"; exit 1; }
grep -q 'libtomlplusplus3' <<<"$depends" || { echo "no toml++ runtime dependency: $depends"; exit 1; }
echo "ok: $(basename "$deb") with Depends: $depends"
