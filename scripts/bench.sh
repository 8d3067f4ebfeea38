#!/usr/bin/env bash
# Benchmark (not a test): CLI round trip of `salt-rs '*' test.ping` with
# three minions, and idle RSS of the master and a minion. Release build,
# everything on 127.0.0.1. Prints a Markdown table for docs/benchmarks.md.
#
#   scripts/bench.sh [ROUNDS]     # default 100 rounds after 10 warm-up rounds
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-100}
export DEMO_DIR=${BENCH_DIR:-/tmp/salt-rs-bench} PUB_PORT=45505 RET_PORT=45506
bash scripts/demo.sh --keep > /tmp/salt-rs-bench.demo.log
trap 'bash scripts/demo.sh --stop' EXIT
BIN=target/release
ping() { "$BIN/salt-rs" -c "$DEMO_DIR/master" '*' test.ping --out quiet; }
for _ in $(seq 1 10); do ping; done
times=()
for _ in $(seq 1 "$ROUNDS"); do
  s=$(date +%s%N); ping; e=$(date +%s%N)
  times+=($(( (e - s) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
n=${#sorted[@]}
pct() { awk -v us="${sorted[$(( ($1 * (n - 1)) / 100 ))]}" 'BEGIN { printf "%.2f", us / 1000 }'; }
sleep 5  # idle
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$(cat "$1")/status"; }
echo "| metric | value |"
echo "|---|---|"
echo "| round trip \`salt-rs '*' test.ping\`, 3 minions, median | $(pct 50) ms |"
echo "| round trip p10 / p90 / max | $(pct 10) / $(pct 90) / $(pct 100) ms |"
echo "| master idle RSS | $(rss "$DEMO_DIR/master/pid") MiB |"
for id in k8s-master1 k8s-master2 k8s-node1; do  # scripts/demo.sh's minions
  echo "| minion $id idle RSS | $(rss "$DEMO_DIR/$id/pid") MiB |"
done
echo "| rounds | $ROUNDS (after 10 warm-up) |"
