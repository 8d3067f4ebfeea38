#!/usr/bin/env bash
# Re-captures salt-exec's pillar/grains.filter_by/defaults/slsutil goldens
# from the real Salt 3007 in salt-lab (crates/exec/tests/pillar/expected.json).
# Needs `salt-lab install` (the venv at ${SALT_LAB_DIR:-/tmp/salt-lab}/venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SALT_LAB_DIR:-/tmp/salt-lab}/venv/bin/python
[ -x "$PY" ] || { echo "no salt-lab venv at $PY (run: ../shared/tools/salt-lab install)" >&2; exit 1; }
"$PY" scripts/pillar-exec-capture.py
