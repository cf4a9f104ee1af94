# Checks shared by check_deb.sh and check_rpm.sh (sourced): one list of expected entries
# (package_manifest.txt) for both package formats, and what must hold in the unpacked tree.
# Callers define fail().

# expected_entries FORMAT UNITDIR KIND: the manifest's lines for FORMAT (deb|rpm), @unitdir@
# replaced, "MODE OWNER/GROUP ./path", sorted; KIND "required" or "optional" ("?" lines).
expected_entries() {
  local format=$1 unitdir=$2 kind=$3
  grep -v '^#' "$(dirname "${BASH_SOURCE[0]}")/package_manifest.txt" | sed '/^$/d' |
    awk -v f="$format" -v k="$kind" '
      { if ($1 == "deb" || $1 == "rpm") { if ($1 != f) next; sub(/^[a-z]+ +/, "") }
        opt = 0
        if ($1 == "?") { opt = 1; sub(/^\? +/, "") }
        if ((k == "optional") == opt) print }' |
    sed "s#@unitdir@#${unitdir#/}#" | sort
}

# compare_entries FORMAT UNITDIR PACKAGE ACTUAL: ACTUAL ("MODE OWNER/GROUP ./path" lines) has
# every required entry and nothing the manifest does not list.
compare_entries() {
  local format=$1 unitdir=$2 package=$3 actual=$4 required optional missing extra
  required=$(expected_entries "$format" "$unitdir" required)
  optional=$(expected_entries "$format" "$unitdir" optional)
  missing=$(comm -23 <(echo "$required") <(echo "$actual" | sort))
  extra=$(comm -13 <(sort -u <(echo "$required"; echo "$optional") | sed '/^$/d') <(echo "$actual" | sort))
  [ -z "$missing" ] || fail "$package lacks (or has another owner/mode for):"$'\n'"$missing"
  [ -z "$extra" ] || fail "$package has entries not in package_manifest.txt:"$'\n'"$extra"
}

# check_tree ROOT VERSION: the unpacked files say what systemd parses, the completion link
# resolves, and the packaged binaries run and report VERSION. Sets tree_ran to what it ran.
check_tree() {
  local root=$1 version=$2 out
  tree_ran=""
  grep -qx 'g attest -' "$root/usr/lib/sysusers.d/attest-agent.conf" || fail "sysusers.d: no attest group"
  grep -qx 'd /run/attest-agent 0755 root root -' "$root/usr/lib/tmpfiles.d/attest-agent.conf" ||
    fail "tmpfiles.d: no /run/attest-agent"
  [ "$(readlink "$root/usr/share/bash-completion/completions/attest-agent")" = attest-cli ] ||
    fail "the attest-agent completion is not a link to attest-cli's"
  for bin in usr/bin/attest-cli usr/sbin/attest-agent; do
    out=$("$root/$bin" --version) || fail "packaged $bin --version failed"
    grep -q "$version" <<<"$out" || fail "$bin --version says '$out', the package is $version"
    tree_ran+="${tree_ran:+ }$(basename "$bin")"
  done
}
