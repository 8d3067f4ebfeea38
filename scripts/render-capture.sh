#!/usr/bin/env bash
# Re-captures salt-render's golden outputs from the real Salt 3007 in
# salt-lab: every crates/render/tests/inputs/*.case (or the cases named on
# the command line) -> crates/render/tests/expected/<case>.json.
# Needs `salt-lab install` (the venv at ${SALT_LAB_DIR:-/tmp/salt-lab}/venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SALT_LAB_DIR:-/tmp/salt-lab}/venv/bin/python
[ -x "$PY" ] || { echo "no salt-lab venv at $PY (run: ../shared/tools/salt-lab install)" >&2; exit 1; }
if [ $# -eq 0 ]; then set -- crates/render/tests/inputs/*.case; fi
"$PY" scripts/render-capture.py "$@" crates/render/tests/expected
