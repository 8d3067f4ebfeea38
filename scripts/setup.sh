#!/usr/bin/env bash
# Installs what building and testing salt-rs needs on a fresh Debian/Ubuntu
# machine with a Rust toolchain: system packages (apt-get) only when missing.
set -euo pipefail

need=()
command -v cc >/dev/null || need+=(build-essential)
command -v setpriv >/dev/null || need+=(util-linux)
command -v useradd >/dev/null || need+=(passwd)
command -v pkill >/dev/null || need+=(procps)
command -v ip >/dev/null || need+=(iproute2)
# The container lab image (scripts/lab-image.sh) is built with debootstrap.
command -v debootstrap >/dev/null || need+=(debootstrap)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages ${need[*]}; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found: install a Rust toolchain (rustup) first" >&2
  exit 1
fi
cargo fmt --version >/dev/null 2>&1 || { echo "setup: rustfmt missing (rustup component add rustfmt)" >&2; exit 1; }
cargo clippy --version >/dev/null 2>&1 || { echo "setup: clippy missing (rustup component add clippy)" >&2; exit 1; }
