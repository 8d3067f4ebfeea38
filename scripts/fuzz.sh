#!/usr/bin/env bash
# Runs every fuzz target under fuzz/ for N seconds each (default 10) and
# fails if any of them crashes, panics, overflows its stack or hangs.
#   scripts/fuzz.sh [seconds] [target...]
# cargo-fuzz wants a nightly compiler; RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept the sanitizer flags it passes. Installs cargo-fuzz when
# missing. New corpus entries go to fuzz/corpus/<target> (not committed);
# the committed seeds are fuzz/corpus_seed/<target> (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-10}
shift || true
case "$secs" in
  '' | *[!0-9]*) echo "fuzz.sh: seconds must be a number, got '$secs'" >&2; exit 2 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 1
fi

echo "== building ${#targets[@]} fuzz targets"
cargo fuzz build --debug-assertions

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${secs}s"
  mkdir -p "fuzz/corpus/$t"
  seeds=()
  [ -d "fuzz/corpus_seed/$t" ] && seeds=("fuzz/corpus_seed/$t")
  if cargo fuzz run --debug-assertions "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
      -max_total_time="$secs" -timeout=10 >"$log" 2>&1; then
    grep -E '^(Done|#[0-9]+ +DONE)' "$log" | tail -n 1 || true
  else
    tail -n 80 "$log"
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: crashes in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets ran ${secs}s each without a crash"
