#!/usr/bin/env bash
# The whole test suite: unit, crate and end-to-end tests (the e2e tests start
# the built binaries, so they are built first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The container lab (crates/testkit/src/container.rs): built when docker is
# here and we are root (cached by content hash). Once it is built, a lab
# test that cannot start its container fails instead of skipping.
if [ "$(id -u)" -eq 0 ] && docker info >/dev/null 2>&1; then
  if bash scripts/lab-image.sh; then
    export SALT_RS_REQUIRE_LAB=1
  else
    echo "test: the lab image could not be built; lab tests will skip" >&2
  fi
fi
cargo build --workspace --bins --locked
cargo test --workspace --locked --no-fail-fast "$@"
