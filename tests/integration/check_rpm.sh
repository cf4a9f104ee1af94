#!/usr/bin/env bash
# Unpacks the .rpm into a throwaway root (rpm2cpio | cpio) and checks it as check_deb.sh checks
# the .deb: every entry's path, owner and mode (`rpm -qlvp`'s columns, read with a query format)
# against the same package_manifest.txt, the %config(noreplace) file, the dependencies, that the
# scriptlets really create the attest group, /run/attest-agent and the unit links (run against
# the throwaway root), and that the packaged binaries run (--version) from it.
# Usage: check_rpm.sh PATH/attest-agent-<version>-<release>.<arch>.rpm
set -euo pipefail
rpm=$(realpath "$1")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
root=$scratch/root
mkdir -p "$root/etc"  # a system's root has /etc before any package
fail() { echo "FAIL: $*"; exit 1; }
# shellcheck source=tests/integration/package_checks.sh
. "$(dirname "$0")/package_checks.sh"
query() { rpm -qp --nosignature "$@" "$rpm"; }

# "MODE OWNER/GROUP ./path" for every entry the package owns.
actual=$(query --queryformat '[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} .%{FILENAMES}\n]' | sort)
# rpm's /usr/lib/.build-id links (one per ELF file, named by its build ID) are the only entries
# whose names cannot be listed in advance: checked here, not in the manifest.
build_ids=$(query --queryformat '[%{FILENAMES} %{FILELINKTOS}\n]' | awk '$1 ~ "^/usr/lib/.build-id/../" {print $2}' | xargs -n1 basename | sort | xargs)
[ "$build_ids" = "attest-agent attest-cli" ] || fail "/usr/lib/.build-id links to '$build_ids', want attest-agent attest-cli"
actual=$(grep -v ' ./usr/lib/.build-id' <<<"$actual")
compare_entries rpm /usr/lib/systemd/system "$rpm" "$actual"

[ "$(query --configfiles)" = /etc/attest-agent/config.toml ] ||
  fail "the config files are not exactly /etc/attest-agent/config.toml: $(query --configfiles | xargs)"
flags=$(query --queryformat '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' | awk '$2 == "/etc/attest-agent/config.toml" {print $1}')
[ "$flags" = cn ] || fail "config.toml is not %config(noreplace) (flags '$flags')"
requires=$(query --requires)
for dep in libc.so.6 libssl.so.3 libcrypto.so.3 libcurl libtss2-esys.so libtomlplusplus.so \
  libmicrohttpd.so libsystemd.so.0; do
  grep -q "^$dep" <<<"$requires" || fail "Requires lacks $dep:"$'\n'"$requires"
done

# BuildRequires: every pkg-config module the build asks for (CMakeLists.txt's
# pkg_check_modules, packaging/install.cmake's pkg_get_variable) is named as pkgconfig(...).
src=$(dirname "$0")/../..
modules=$(cat "$src/CMakeLists.txt" "$src/packaging/install.cmake" |
  sed -n 's/.*pkg_check_modules([A-Z0-9_]* REQUIRED IMPORTED_TARGET \([^)]*\)).*/\1/p;
          s/.*pkg_get_variable([A-Z0-9_]* \([^ ]*\) .*/\1/p' | xargs -n1 | sort -u)
[ -n "$modules" ] || fail "found no pkg-config module in CMakeLists.txt / install.cmake"
for m in $modules; do
  grep -q "^BuildRequires: *pkgconfig($m)" "$src/packaging/rpm/attest-agent.spec" ||
    fail "attest-agent.spec lacks BuildRequires: pkgconfig($m)"
done

# The scriptlets, run as rpm runs them on a first install ($1 = 1), with systemd's tools pointed
# at the throwaway root: %pre before the files land, %post after.
mkdir "$scratch/shims"
for tool in systemd-sysusers systemd-tmpfiles systemctl; do
  printf '#!/bin/sh\nexec %s --root=%s "$@"\n' "$(command -v "$tool")" "$root" >"$scratch/shims/$tool"
  chmod +x "$scratch/shims/$tool"
done
run_scriptlet() {  # TAG (PREIN, POSTIN)
  local body
  body=$(query --queryformat "%{$1}")
  [ "$body" != "(none)" ] || fail "no $1 scriptlet"
  PATH="$scratch/shims:$PATH" sh -euc "$body" "$1" 1 >"$scratch/$1.log" 2>&1 ||
    fail "$1 scriptlet failed:"$'\n'"$body"$'\n'"$(cat "$scratch/$1.log")"
}
run_scriptlet PREIN
grep -q '^attest:' "$root/etc/group" 2>/dev/null || fail "%pre did not create the attest group"
(cd "$root" && rpm2cpio "$rpm" | cpio -idm --quiet)
run_scriptlet POSTIN
[ "$(stat -c %a "$root/run/attest-agent" 2>/dev/null)" = 755 ] || fail "%post did not create /run/attest-agent 0755"
for unit in attest-agent.socket attest-agent-credentials.socket; do
  [ -L "$root/etc/systemd/system/sockets.target.wants/$unit" ] || fail "%post did not enable $unit"
done

version=$(query --queryformat '%{VERSION}')
check_tree "$root" "$version"
echo "ok: $(basename "$rpm"): $(wc -l <<<"$actual") entries as listed, %config(noreplace), Requires, %pre/%post in a throwaway root; ran $tree_ran --version"
