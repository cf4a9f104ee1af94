#!/usr/bin/env bash
# The bash completion loads under bash-completion and completes attest-cli's and attest-agent's
# commands, options and option values, as bash would on TAB (COMP_* set the way readline sets
# them). Every option each program's --help lists (of every attest-cli command) must be offered.
# Usage: check_completion.sh COMPLETION_FILE ATTEST_CLI ATTEST_AGENT
set -euo pipefail
completion=$1
cli=$2
agent=$3
[ -r /usr/share/bash-completion/bash_completion ] ||
  { echo "FAIL: bash-completion is not installed (scripts/install-deps installs it)"; exit 1; }
# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion
# shellcheck disable=SC1090
source "$completion"
for command in attest-cli attest-agent; do
  complete -p "$command" >/dev/null || { echo "FAIL: $completion registers none for $command"; exit 1; }
done
PATH="$(dirname "$cli"):$(dirname "$agent"):$PATH"

failures=0
# Runs the function registered for COMP_WORDS[0] as bash would: without errexit (compgen with
# no match returns 1).
complete_words() {
  "$(complete -p "${COMP_WORDS[0]}" | awk '{print $3}')" || true
}
# expect "LINE BEFORE THE CURSOR" "EXPECTED CANDIDATES (space-separated, sorted)"
expect() {
  local line=$1 want=$2
  COMP_LINE=$line
  COMP_POINT=${#line}
  read -ra COMP_WORDS <<<"$line"
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  complete_words
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
  if [ "$got" != "$want" ]; then
    echo "FAIL: [$line<TAB>] gave '$got', want '$want'"
    failures=$((failures + 1))
  fi
}
# The option names a --help text lists under "Options:" (short and long), read with a pattern
# of our own rather than the completion's parser.
help_options() {
  sed -n '/^Options:/,/^[^ ]/p' | grep -oE '^ +(-[A-Za-z0-9],)?--[A-Za-z0-9-]+' | tr -d ' ' | tr ',' '\n'
}
# expect_every_option "COMMAND PATH": every option of `COMMAND PATH --help` is among what the
# completion offers for "COMMAND PATH -<TAB>".
expect_every_option() {
  local path=$1 options offered missing
  # shellcheck disable=SC2086
  options=$($path --help | help_options | sort -u)
  [ -n "$options" ] || { echo "FAIL: $path --help lists no options"; failures=$((failures + 1)); }
  COMP_LINE="$path -"
  COMP_POINT=${#COMP_LINE}
  read -ra COMP_WORDS <<<"$COMP_LINE"
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  complete_words
  offered=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u)
  missing=$(comm -23 <(echo "$options") <(echo "$offered") | xargs)
  if [ -n "$missing" ]; then
    echo "FAIL: [$COMP_LINE<TAB>] does not offer $missing ($path --help lists it)"
    failures=$((failures + 1))
  fi
  checked=$((checked + $(wc -l <<<"$options")))
}
checked=0
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

# attest-agent: no commands, options and their values.
expect "attest-agent --log-level " "debug error info notice warning"
expect "attest-agent --tee s" "sample snp"
expect "attest-agent --check" "--check-config"
expect "attest-agent --config /etc/x --trust" "--trust-system-store"

# Every option --help lists, for attest-agent, attest-cli and each attest-cli command.
expect_every_option attest-agent
expect_every_option attest-cli
for command in $want; do
  expect_every_option "attest-cli $command"
  subs=$(attest-cli "$command" --help | awk '/^Subcommands:/{s=1;next} /^[^ ]/{s=0} s && /^  [^ ]/{print $1}')
  for sub in $subs; do expect_every_option "attest-cli $command $sub"; done
done
[ "$failures" -eq 0 ] || exit 1
echo "ok: completion offers commands ($want), options and values; all $checked options in --help"
