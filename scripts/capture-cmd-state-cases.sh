#!/usr/bin/env bash
# Regenerates the golden captures of crates/state/tests/cmd_cases/*/captured/
# from the real Salt (salt-lab, masterless salt-call). These cases run real
# commands and unpack real archives, so each runs in its own temporary
# directory, written @TMP@ in the SLS files and in the captures. See
# crates/state/tests/cmd_cases/README.md.
#
#   scripts/capture-cmd-state-cases.sh            every case
#   scripts/capture-cmd-state-cases.sh cmd_run ...  only the named cases
#
# Needs salt-lab installed (/work/shared/tools/salt-lab install) and root
# (some cases change file ownership).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/capture-lib.sh"
CASES=$ROOT/crates/state/tests/cmd_cases
capture_salt_lab "$ROOT" /tmp/lab-cmdstates

capture_names "$CASES" "$@"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for name in "${names[@]}"; do
  src=$CASES/$name
  [ -d "$src" ] || { echo "no case $name" >&2; exit 1; }
  echo "== $name"
  # The case's own temporary directory (what @TMP@ stands for) and its
  # file root: the case's files, with @TMP@ filled in in the SLS files.
  tmp=$(mktemp -d /tmp/salt-case.XXXXXXXX)
  root=$work/root/$name
  rm -rf "$root"; mkdir -p "$root" "$work/pillar"
  (cd "$src" && find . -type f -not -path './captured/*' -not -name setup.sh -exec cp --parents {} "$root" \;)
  find "$root" -name '*.sls' -exec sed -i "s|@TMP@|$tmp|g" {} +
  printf "base:\n  '*':\n    - main\n" >"$root/top.sls"
  if [ -f "$src/setup.sh" ]; then (cd "$tmp" && T=$tmp FILES=$root sh "$src/setup.sh"); fi
  out=$src/captured
  rm -rf "$out"; mkdir -p "$out"

  call() { # call FILE ARGS...: {"retcode": exit code, "return": the "local" value}, @TMP@ and the minion's cache dir (@CACHE@) masked
    local file=$1; shift
    local rc=0
    (cd "$tmp" && SALT_LAB_DIR=$LAB SALT_LAB_STATES=$root SALT_LAB_PILLAR=$work/pillar \
      "$SALT_LAB" call --out json -l quiet "$@") >"$work/raw.json" 2>"$work/err.txt" || rc=$?
    capture_store "$work/raw.json" "$file" "$rc" "$tmp" "@TMP@" "$LAB/local/root/var/cache/salt/minion" "@CACHE@"
  }

  call "$out/high.json" state.show_sls main
  # Test mode on the fresh directory, the first real run, a second real run
  # (idempotence), and test mode once it is all done.
  call "$out/test.json" --retcode-passthrough state.sls main test=True
  call "$out/run.json" --retcode-passthrough state.sls main
  call "$out/rerun.json" --retcode-passthrough state.sls main
  call "$out/retest.json" --retcode-passthrough state.sls main test=True
  rm -rf "$tmp"
done
