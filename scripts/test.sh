#!/usr/bin/env bash
# The whole test suite: unit, crate and end-to-end tests (the e2e tests start
# the built binaries, so they are built first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --workspace --bins --locked
cargo test --workspace --locked --no-fail-fast "$@"
