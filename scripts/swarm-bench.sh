#!/usr/bin/env bash
# Swarm benchmark: one release master and COUNT minions in one
# salt-rs-swarm process, all on 127.0.0.1. Measures the time until every
# minion answers test.ping, the master's memory, then kills the master with
# SIGKILL, starts it again on the same keys, and measures the time until
# every minion answers again (the re-authentication storm) and the master's
# peak memory. Cleans up (processes and $BENCH_DIR) at the end.
#
#   scripts/swarm-bench.sh                 # 1,000 minions, builds first
#   COUNT=200 scripts/swarm-bench.sh --no-build
#   KEEP=1 scripts/swarm-bench.sh          # keep $BENCH_DIR (logs) afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000}
BENCH_DIR=${BENCH_DIR:-/tmp/salt-rs-swarm-bench}
PUB_PORT=${PUB_PORT:-44525}
RET_PORT=${RET_PORT:-44526}
LIMIT_S=${LIMIT_S:-600}   # give up waiting for the fleet after this long
PING_T=${PING_T:-5}       # -t of each test.ping poll (the measurement's granularity)
BIN=target/release

if [ "${1:-}" != "--no-build" ]; then
  cargo build --release -q -p salt-swarm -p salt-cli
fi

MASTER_PID=
SWARM_PID=
cleanup() {
  [ -n "$SWARM_PID" ] && kill "$SWARM_PID" 2>/dev/null || true
  [ -n "$MASTER_PID" ] && kill "$MASTER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    { [ -n "$SWARM_PID" ] && kill -0 "$SWARM_PID" 2>/dev/null; } ||
      { [ -n "$MASTER_PID" ] && kill -0 "$MASTER_PID" 2>/dev/null; } || break
    sleep 0.2
  done
  [ -n "$SWARM_PID" ] && kill -9 "$SWARM_PID" 2>/dev/null || true
  [ -n "$MASTER_PID" ] && kill -9 "$MASTER_PID" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$BENCH_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR/master" "$BENCH_DIR/swarm"
cat > "$BENCH_DIR/master/master" <<CFG
root_dir: $BENCH_DIR/master
interface: 127.0.0.1
publish_port: $PUB_PORT
ret_port: $RET_PORT
auto_accept: True
CFG

start_master() {
  "$BIN/salt-rs-master" -c "$BENCH_DIR/master" -l warning >> "$BENCH_DIR/master/log" 2>&1 &
  MASTER_PID=$!
}

mem() { # VmRSS and VmHWM of a pid, in MiB
  awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MiB  ", $1, $2 / 1024 }' "/proc/$1/status"
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Waits until test.ping gets COUNT answers; prints the seconds since $1.
wait_all() {
  local t0=$1 got=0 out
  while :; do
    out=$("$BIN/salt-rs" -c "$BENCH_DIR/master" '*' test.ping --out json --static -t "$PING_T" 2>/dev/null || true)
    got=$(grep -c ': true' <<<"$out" || true)
    echo "  $(since "$t0")s: $got/$COUNT answer test.ping" >&2
    [ "$got" -ge "$COUNT" ] && break
    if ! kill -0 "$SWARM_PID" 2>/dev/null || ! kill -0 "$MASTER_PID" 2>/dev/null; then
      echo "  the swarm or the master has exited; see $BENCH_DIR/*log" >&2
      tail -n 5 "$BENCH_DIR/swarm.log" "$BENCH_DIR/master/log" >&2
      return 1
    fi
    if awk -v s="$(since "$t0")" -v l="$LIMIT_S" 'BEGIN { exit !(s > l) }'; then
      echo "  gave up after ${LIMIT_S}s with $got/$COUNT" >&2
      return 1
    fi
    sleep 0.5
  done
  since "$t0"
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), ulimit -Hn $(ulimit -Hn)"
echo "== master on 127.0.0.1:$RET_PORT/$PUB_PORT, swarm of $COUNT"
start_master
sleep 1
t0=$(now)
"$BIN/salt-rs-swarm" --master 127.0.0.1 --master-port "$RET_PORT" --publish-port "$PUB_PORT" \
  --count "$COUNT" --root "$BENCH_DIR/swarm" --status-interval 1 > "$BENCH_DIR/swarm.log" 2>&1 &
SWARM_PID=$!
up=$(wait_all "$t0")
echo "RESULT cold start: all $COUNT answer test.ping after ${up}s"
# The swarm prints "all N authenticated: t=S" (S since its start, ~t0) each
# time the last of its minions gets a session: a finer clock than polling.
all_up_at() { grep '^all ' "$BENCH_DIR/swarm.log" | sed -n 's/.* t=\([0-9.]*\)s.*/\1/p' | tail -n 1; }
for _ in $(seq 1 50); do [ -n "$(all_up_at)" ] && break; sleep 0.2; done
echo "RESULT cold start, swarm's view: all $COUNT authenticated after $(all_up_at)s"
echo "RESULT master after cold start: $(mem "$MASTER_PID")"
echo "RESULT swarm process: $(mem "$SWARM_PID")"

echo "== kill -9 the master, start it again"
kill -9 "$MASTER_PID"
wait "$MASTER_PID" 2>/dev/null || true
t1=$(now)
start_master
again=$(wait_all "$t1")
echo "RESULT master restart: all $COUNT answer test.ping again after ${again}s"
sleep "$((5 + 1))" # let the swarm's status task see the last session
# Every minion has a new session once the swarm has counted 2 x COUNT
# sessions with all COUNT authenticated (status lines come every second).
offset=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
reauth=$(awk -v c="$COUNT" -v o="$offset" '
  /^t=/ { t = substr($1, 3) + 0; split($3, a, "="); split($4, s, "=");
          if (a[2] + 0 == c && s[2] + 0 >= 2 * c) { printf "%.1f", t - o; exit } }' "$BENCH_DIR/swarm.log")
echo "RESULT master restart, swarm's view: all $COUNT re-authenticated within ${reauth:-?}s (1 s status lines)"
echo "RESULT master after restart: $(mem "$MASTER_PID")"
echo "RESULT swarm process: $(mem "$SWARM_PID")"
echo "== swarm status lines"
grep -E '^all ' "$BENCH_DIR/swarm.log" | tail -n 3
grep -E '^t=' "$BENCH_DIR/swarm.log" | tail -n 2
