# shellcheck shell=bash
# The frame the shell suites share (sourced, not run: tests/real_clients/run, tests/npm/run,
# tests/npm/plugin.sh, tests/browser/run): one "ok - ..."/"not ok - ..." line per check, and at
# exit the background processes in `pids` killed, the scratch folder `work` removed and
# "N passed, N failed" printed; the exit status is non-zero when a check failed or none passed.

# suite_start NAME: the counters, `pids`, `work` (a new scratch folder), the exit trap.
suite_start() {
  passed=0
  failed=0
  pids=()
  work=$(mktemp -d "${TMPDIR:-/tmp}/pkce-$1.XXXXXX")
  trap finish EXIT
}
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1: $2"; failed=$((failed + 1)); }
finish() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$work"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}
# count_lines FILE STATUS NAME: counts the ok/not ok lines a checker printed into FILE (and a
# checker that exited STATUS non-zero without a failed line, as one failure named NAME).
count_lines() {
  local file=$1 status=$2 name=$3
  cat "$file"
  passed=$((passed + $(grep -c '^ok - ' "$file")))
  failed=$((failed + $(grep -c '^not ok - ' "$file")))
  if [ "$status" -ne 0 ] && ! grep -q '^not ok - ' "$file"; then
    not_ok "$name" "exited $status without a failed check: $(tail -n 3 "$file" | tr '\n' ' ')"
  fi
}
elapsed() { echo $(($(date +%s) - $1))s; }
# stamp FILE...: a short hash of the files, to reuse an install while its pins are unchanged.
stamp() { cat "$@" | sha256sum | cut -c1-16; }
