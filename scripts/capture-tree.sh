#!/usr/bin/env bash
# Regenerates tests/golden/tree/<host>/ from the real Salt 3007.8: what
# masterless salt-call prints for the bundled state tree (states/, pillar/)
# on each example host. See tests/golden/tree/README.md.
#
#   scripts/capture-tree.sh                      every host
#   scripts/capture-tree.sh k8s-node1 ...        only these hosts
#   scripts/capture-tree.sh call HOST ARGS...    one salt-call as HOST (for
#                                                development; prints to stdout)
#
# Each host directory holds the inputs: grains.yaml (the host's grains,
# written into the `grains:` key of a throwaway minion config, where they
# override the machine's own) and sls.txt (the SLS names to show). The
# templates of the host's file.managed states are rendered into rendered/
# (scripts/render-tree-templates.py). variants.txt, where present, lists
# `NAME SLS PILLAR_JSON` lines: state.show_sls SLS with that pillar override
# (the tree's other branches: cfssl, flannel, ...) into
# show_sls/SLS@NAME.json, its templates into variants/NAME/. Needs
# salt-lab's venv (/work/shared/tools/salt-lab install). salt-call runs
# inside a fresh network namespace when `unshare -n` works, so that nothing
# the tree names (package repositories, download URLs) is ever contacted;
# test=True runs `unless`/`onlyif` guards for real, and every guard in the
# tree is a read-only check.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GOLDEN=$ROOT/tests/golden/tree
LAB=${SALT_LAB_DIR:-/tmp/lab-tree}
VENV=${SALT_LAB_VENV:-/tmp/salt-lab/venv}
SALT_CALL=$VENV/bin/salt-call
PY=$VENV/bin/python
[ -x "$SALT_CALL" ] || { echo "no salt-call at $SALT_CALL (run salt-lab install)" >&2; exit 1; }

NETNS=()
if unshare -n true 2>/dev/null; then NETNS=(unshare -n); fi

# minion_conf HOST: a minion config dir for HOST with its grains.
minion_conf() {
  local host=$1 dir=$LAB/$1
  mkdir -p "$dir"
  {
    echo "root_dir: $dir/root"
    echo "id: $host"
    echo "file_client: local"
    echo "log_level: warning"
    echo "grains:"
    grep -v '^#' "$GOLDEN/$host/grains.yaml" | sed 's/^/  /'
  } >"$dir/minion"
}

# salt_call HOST ARGS...: masterless salt-call as HOST on this tree.
salt_call() {
  local host=$1; shift
  "${NETNS[@]}" "$SALT_CALL" -c "$LAB/$host" --local --id "$host" \
    --file-root "$ROOT/states" --pillar-root "$ROOT/pillar" "$@"
}

# capture HOST FILE ARGS...: stdout of `salt-call --out json ARGS` into FILE,
# the exit code into retcodes.txt.
capture() {
  local host=$1 file=$2; shift 2
  local out=$GOLDEN/$host/$file rc=0
  mkdir -p "$(dirname "$out")"
  salt_call "$host" --out json -l quiet "$@" >"$out" 2>"$LAB/$host/stderr.txt" || rc=$?
  printf '%s %s\n' "$file" "$rc" >>"$GOLDEN/$host/retcodes.txt"
  if grep -q 'Data failed to compile\|Rendering SLS.*failed' "$out"; then
    echo "  $file: COMPILE ERROR" >&2
  fi
}

# render HOST STATES_JSON OUT_DIR [PILLAR_JSON]: the templates those states name.
render() {
  local host=$1; shift
  "${NETNS[@]}" "$PY" "$ROOT/scripts/render-tree-templates.py" "$LAB/$host" "$host" \
    "$ROOT/states" "$ROOT/pillar" "$@" 2> >(grep -v 'DeprecationWarning\|^  import ' >&2)
}

if [ "${1:-}" = call ]; then
  shift
  host=$1; shift
  minion_conf "$host"
  salt_call "$host" "$@"
  exit
fi

if [ $# -gt 0 ]; then hosts=("$@"); else
  hosts=(); for d in "$GOLDEN"/*/; do [ -f "$d/grains.yaml" ] && hosts+=("$(basename "$d")"); done
fi

for host in "${hosts[@]}"; do
  echo "== $host"
  minion_conf "$host"
  dir=$GOLDEN/$host
  rm -rf "$dir/show_sls" "$dir"/*.json "$dir/retcodes.txt"
  capture "$host" pillar.items.json pillar.items
  capture "$host" show_top.json state.show_top
  capture "$host" show_highstate.json state.show_highstate
  capture "$host" show_lowstate.json state.show_lowstate
  while read -r sls; do
    [ -z "$sls" ] || [ "${sls#\#}" != "$sls" ] && continue
    capture "$host" "show_sls/$sls.json" state.show_sls "$sls"
  done <"$dir/sls.txt"
  capture "$host" highstate.test.json state.apply test=True
  rm -rf "$dir/rendered" "$dir/variants"
  render "$host" "$dir/show_lowstate.json" "$dir/rendered"
  if [ -f "$dir/variants.txt" ]; then
    while read -r name sls override; do
      [ -z "$name" ] || [ "${name#\#}" != "$name" ] && continue
      capture "$host" "show_sls/$sls@$name.json" state.show_sls "$sls" "pillar=$override"
      render "$host" "$dir/show_sls/$sls@$name.json" "$dir/variants/$name" "$override"
    done <"$dir/variants.txt"
  fi
done
# Masks nothing: durations and start times in highstate.test.json differ
# from run to run, and test-mode comments depend on what the capturing
# machine has installed (see the README).
"$PY" - "$GOLDEN" <<'EOF'
import json, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*/**/*.json")):
    json.loads(path.read_text())  # every capture must be valid JSON
EOF
