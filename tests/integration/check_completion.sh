#!/usr/bin/env bash
# The bash completion loads under bash-completion and completes attest-cli's commands, options
# and option values, as bash would on TAB (COMP_* set the way readline sets them).
# Usage: check_completion.sh COMPLETION_FILE ATTEST_CLI
set -euo pipefail
completion=$1
cli=$2
[ -r /usr/share/bash-completion/bash_completion ] ||
  { echo "FAIL: bash-completion is not installed (scripts/install-deps installs it)"; exit 1; }
# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion
# shellcheck disable=SC1090
source "$completion"
complete -p attest-cli >/dev/null || { echo "FAIL: $completion registers no completion"; exit 1; }
PATH="$(dirname "$cli"):$PATH"

failures=0
# expect "LINE BEFORE THE CURSOR" "EXPECTED CANDIDATES (space-separated, sorted)"
expect() {
  local line=$1 want=$2
  COMP_LINE=$line
  COMP_POINT=${#line}
  read -ra COMP_WORDS <<<"$line"
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _attest_cli
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
  if [ "$got" != "$want" ]; then
    echo "FAIL: [$line<TAB>] gave '$got', want '$want'"
    failures=$((failures + 1))
  fi
}
expect "attest-cli get-r" "get-report get-resource"
expect "attest-cli --config /etc/x get-ev" "get-evidence"
expect "attest-cli get-resource --ba" "--base64"
expect "attest-cli get-report --format " "base64 hex json raw"
expect "attest-cli attest --key-alg ec" "ec-p256 ec-p521"
expect "attest-cli get-report --tee s" "sample snp"
expect "attest-cli tpm " "provision-ak"
expect "attest-cli tpm provision-ak --alg " "ecc rsa"
expect "attest-cli get-resource --pin" "--pin-sha256"
expect "attest-cli agent " "evidence resource status token"
expect "attest-cli agent status --j" "--json"
expect "attest-cli agent evidence --report-data" "--report-data --report-data-file"
# Every top-level command the binary lists is offered on an empty word.
want=$("$cli" --help | awk '/^Subcommands:/{s=1;next} /^[^ ]/{s=0} s && /^  [^ ]/{print $1}' | sort | xargs)
[ -n "$want" ] || { echo "FAIL: $cli --help lists no subcommands"; exit 1; }
expect "attest-cli " "$want"
[ "$failures" -eq 0 ] || exit 1
echo "ok: completion offers commands ($want), options and values"
