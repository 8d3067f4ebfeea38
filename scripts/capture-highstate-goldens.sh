#!/usr/bin/env bash
# Regenerate crates/output/tests/golden/highstate/ from the real Salt 3007.8:
# salt-call --local runs on the test-state tree in that directory, plus Salt's
# own highstate outputter on made-up data (crates/output/tools/capture_highstate.py).
# Needs the salt-lab virtualenv (../shared/tools/salt-lab install). Pass case
# names to regenerate only those.
#
#   SALT_LAB_DIR=/tmp/lab-$USER scripts/capture-highstate-goldens.sh [CASE...]
set -euo pipefail
cd "$(dirname "$0")/../crates/output"
LAB=${SALT_LAB_DIR:-${TMPDIR:-/tmp}/salt-lab-highstate}
mkdir -p "$LAB"
# The lab's Python environment (salt-lab keeps it in $LAB/venv).
[ -e "$LAB/venv" ] || ln -sfn "${SALT_LAB_VENV:-/tmp/salt-lab/venv}" "$LAB/venv"
SALT_LAB_DIR=$LAB exec "$LAB/venv/bin/python" tools/capture_highstate.py "$@"
