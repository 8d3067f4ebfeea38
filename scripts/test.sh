#!/usr/bin/env bash
# The whole test suite: unit, crate and end-to-end tests (the e2e tests start
# the built binaries, so they are built first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The container lab (crates/testkit/src/container.rs): built when docker is
# here and we are root, skipped (tests then print why) otherwise. Cached.
if [ "$(id -u)" -eq 0 ] && docker info >/dev/null 2>&1; then
  bash scripts/lab-image.sh
fi
cargo build --workspace --bins --locked
cargo test --workspace --locked --no-fail-fast "$@"
