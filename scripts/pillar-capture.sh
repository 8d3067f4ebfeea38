#!/usr/bin/env bash
# Re-captures salt-pillar's golden outputs from the real Salt 3007 in
# salt-lab: every crates/pillar/tests/cases/*.case (or the cases named on
# the command line) -> crates/pillar/tests/expected/<case>.json.
# Needs `salt-lab install` (the venv at ${SALT_LAB_DIR:-/tmp/salt-lab}/venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SALT_LAB_DIR:-/tmp/salt-lab}/venv/bin/python
[ -x "$PY" ] || { echo "no salt-lab venv at $PY (run: ../shared/tools/salt-lab install)" >&2; exit 1; }
if [ $# -eq 0 ]; then set -- crates/pillar/tests/cases/*.case; fi
# A fixed hash seed: Salt reads the top files of a set of environments,
# whose order otherwise changes from run to run.
PYTHONHASHSEED=0 "$PY" scripts/pillar-capture.py "$@" crates/pillar/tests/expected 2>/dev/null
