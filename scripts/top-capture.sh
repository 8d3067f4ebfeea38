#!/usr/bin/env bash
# Re-captures salt-state's top file goldens from the real Salt 3007 in
# salt-lab: every crates/state/tests/top/cases/*.case (or the cases named on
# the command line) -> crates/state/tests/top/expected/<case>.json.
# Needs `salt-lab install` (the venv at ${SALT_LAB_DIR:-/tmp/salt-lab}/venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SALT_LAB_DIR:-/tmp/salt-lab}/venv/bin/python
[ -x "$PY" ] || { echo "no salt-lab venv at $PY (run: ../shared/tools/salt-lab install)" >&2; exit 1; }
if [ $# -eq 0 ]; then set -- crates/state/tests/top/cases/*.case; fi
PYTHONHASHSEED=0 "$PY" scripts/top-capture.py "$@" crates/state/tests/top/expected 2>/dev/null
