#!/usr/bin/env bash
# Regenerates the golden captures of crates/state/tests/cases/*/captured/ from
# the real Salt (salt-lab, masterless salt-call). See crates/state/tests/README.md.
#
#   scripts/capture-state-cases.sh            every case
#   scripts/capture-state-cases.sh watch ...  only the named cases
#
# Needs salt-lab installed (/work/shared/tools/salt-lab install). Each case
# directory is a file root of plain YAML SLS files; `main` is the SLS that
# is shown and applied, and a generated top.sls (base: '*': [main]) serves
# state.show_lowstate. A case's `pillar/` directory (with its own top.sls)
# is its pillar root; `pillar.items` is then captured too.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/capture-lib.sh"
CASES=$ROOT/crates/state/tests/cases
capture_salt_lab "$ROOT" /tmp/lab-state

capture_names "$CASES" "$@"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for name in "${names[@]}"; do
  src=$CASES/$name
  [ -d "$src" ] || { echo "no case $name" >&2; exit 1; }
  echo "== $name"
  root=$work/$name
  rm -rf "$root"; mkdir -p "$root" "$work/pillar"
  (cd "$src" && find . -name '*.sls' -not -path './captured/*' -not -path './pillar/*' -exec cp --parents {} "$root" \;)
  pillar=$work/pillar
  [ -d "$src/pillar" ] && pillar=$src/pillar
  printf "base:\n  '*':\n    - main\n" >"$root/top.sls"
  out=$src/captured
  rm -rf "$out"; mkdir -p "$out/rendered"

  call() { # call FILE FUNCTION ARGS...: inner JSON of {"local": ...} and the exit code
    local file=$1; shift
    local rc=0
    SALT_LAB_DIR=$LAB SALT_LAB_STATES=$root SALT_LAB_PILLAR=$pillar \
      "$SALT_LAB" call --out json -l quiet "$@" >"$work/raw.json" 2>"$work/err.txt" || rc=$?
    capture_store "$work/raw.json" "$file" "$rc"
  }

  # The rendered data of every SLS file (input of the SLS-level compiler).
  (cd "$root" && find . -name '*.sls' -not -name top.sls | sort) | while read -r f; do
    rel=${f#./}; sls=${rel%.sls}; sls=${sls%/init}; sls=${sls//\//.}
    call "$out/rendered/$sls.json" slsutil.renderer "salt://$rel"
  done
  [ -d "$src/pillar" ] && call "$out/pillar.json" pillar.items
  call "$out/high.json" state.show_sls main
  call "$out/low_sls.json" state.show_low_sls main
  call "$out/lowstate.json" state.show_lowstate
  call "$out/run.json" --retcode-passthrough state.sls main
  call "$out/test.json" --retcode-passthrough state.sls main test=True
done
