#!/usr/bin/env bash
# Benchmark (not a test): the state system under salt-rs-call --local and
# under the real Salt's salt-call --local, on the same machine, same inputs:
#
#   1. state.show_sls bench          on the generated 200-state tree
#   2. state.apply test=True         the same tree, through its top.sls
#   3. state.apply (real run)        a copy of ../shared/salt-reference/tree
#                                    as minion2, its /srv/out rewritten to a
#                                    temp dir that is emptied before each run
#
# Release build, everything under one temp dir (removed at the end), no
# network. Times come from hyperfine (installed from Debian's packages when
# missing; a bounded loop otherwise); peak RSS from /usr/bin/time (Debian's
# `time`, installed when missing). Salt is skipped, with the reason, when
# its venv is missing. Prints the machine, versions and a Markdown table
# for docs/benchmarks.md ("State system"). Always exits 0 once it has run.
#
#   scripts/bench-states.sh [RUNS]     # salt-rs runs per command, default 20
#   SALT_RUNS=5                        # Salt runs per command (default 5)
#   RSS_RUNS=3                         # extra runs under /usr/bin/time each
#   SALT_VENV=/tmp/salt-lab/venv       # where salt-call lives
#   BENCH_CALLGRIND=1                  # also count salt-rs's instructions
#                                      # (valgrind --tool=callgrind, 1 run each)
#   BENCH_KEEP=1                       # keep the temp dir (its path is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${1:-20}
SALT_RUNS=${SALT_RUNS:-5}
RSS_RUNS=${RSS_RUNS:-3}
SALT_VENV=${SALT_VENV:-/tmp/salt-lab/venv}
export CARGO_INCREMENTAL=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/salt-rs-bench-states.XXXXXX")
cleanup() {
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

say() { printf '== %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------
apt_install() {
  # $1: the command wanted, $2: the Debian package with it
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || return 1
  say "installing $2 from Debian's packages"
  { apt-get install -y -q "$2" || { apt-get update -q && apt-get install -y -q "$2"; }; } \
    >"$WORK/apt-$2.log" 2>&1 || return 1
}
HYPERFINE=1
apt_install hyperfine hyperfine || { HYPERFINE=0; say "no hyperfine: timing with a loop"; }
TIMEV=1
if [ ! -x /usr/bin/time ]; then
  apt_install /usr/bin/time time || { TIMEV=0; say "no /usr/bin/time: no peak RSS"; }
fi

# --- build and inputs ----------------------------------------------------
say "cargo build --release -p salt-cli -p salt-bench"
cargo build --release --locked -p salt-cli -p salt-bench --bins >&2
RS_CALL=$REPO/target/release/salt-rs-call
TREE=$WORK/tree
OUT=$WORK/out
"$REPO/target/release/salt-bench-tree" "$TREE" "$OUT" >/dev/null

# The salt-reference tree, writing under $WORK/ref-out instead of /srv/out.
REF=$WORK/ref
REF_OUT=$WORK/ref-out
cp -r "$REPO/../shared/salt-reference/tree" "$REF"
grep -rl '/srv/out' "$REF" | while read -r f; do sed -i "s#/srv/out#$REF_OUT#g" "$f"; done
if grep -rq '/srv/' "$REF"; then
  echo "the reference copy still names /srv/: refusing to run it" >&2
  exit 1
fi

# Config dirs: every cache and log under $WORK.
mkdir -p "$WORK/rs-conf" "$WORK/salt-conf"
printf 'root_dir: %s\n' "$WORK/rs-root" >"$WORK/rs-conf/minion"
cat >"$WORK/salt-conf/minion" <<EOF
root_dir: $WORK/salt-root
id: bench-minion
user: $(id -un)
log_level: warning
EOF

rs() { echo "$RS_CALL -c $WORK/rs-conf --local $*"; }
salt() { echo "$SALT_VENV/bin/salt-call -c $WORK/salt-conf --local $*"; }
TREE_ARGS="--file-root $TREE/salt --pillar-root $TREE/pillar --id bench-minion"
REF_ARGS="--file-root $REF/salt --pillar-root $REF/pillar --id minion2"

# name | command suffix | prepare
CASES=(
  "show_sls|$TREE_ARGS --out json state.show_sls bench|true"
  "apply_test|$TREE_ARGS state.apply test=True|true"
  "apply_ref|$REF_ARGS state.apply|rm -rf $REF_OUT"
)

HAVE_SALT=1
if [ ! -x "$SALT_VENV/bin/salt-call" ]; then
  HAVE_SALT=0
  SALT_REASON="no salt-call at $SALT_VENV/bin/salt-call (install it with ../shared/tools/salt-lab install)"
  say "skipping Salt: $SALT_REASON"
fi

# --- measuring -----------------------------------------------------------
# time_cmd NAME RUNS PREPARE CMD: writes NAME.csv (mean,stddev,median,min,max,user,system in s)
time_cmd() {
  local name=$1 runs=$2 prep=$3 cmd=$4
  if [ "$HYPERFINE" = 1 ]; then
    hyperfine -N --warmup 1 --runs "$runs" -i --prepare "$prep" \
      --export-csv "$WORK/$name.hf.csv" "$cmd" >"$WORK/$name.hf.log" 2>&1 || true
    # command,mean,stddev,median,user,system,min,max
    tail -n 1 "$WORK/$name.hf.csv" | awk -F, '{print $2","$3","$4","$7","$8","$5","$6}' >"$WORK/$name.csv"
  else
    bash -c "$prep"; $cmd >/dev/null 2>&1 || true   # warm-up
    : >"$WORK/$name.loop"
    for _ in $(seq 1 "$runs"); do
      bash -c "$prep"
      local s e
      s=$(date +%s%N)
      $cmd >/dev/null 2>&1 || true
      e=$(date +%s%N)
      echo $(( (e - s) / 1000 )) >>"$WORK/$name.loop"
    done
    sort -n "$WORK/$name.loop" | awk '{v[NR]=$1/1e6; s+=v[NR]; q+=v[NR]^2}
      END {m=s/NR; sd=sqrt(q/NR-m*m); printf "%f,%f,%f,%f,%f,,\n", m, sd, v[int((NR+1)/2)], v[1], v[NR]}' \
      >"$WORK/$name.csv"
  fi
}

# rss_cmd NAME PREPARE CMD: peak RSS (KiB) over RSS_RUNS runs; keeps the last output
rss_cmd() {
  local name=$1 prep=$2 cmd=$3 max=0 kb
  [ "$TIMEV" = 1 ] || { echo "" >"$WORK/$name.rss"; return; }
  for _ in $(seq 1 "$RSS_RUNS"); do
    bash -c "$prep"
    /usr/bin/time -f '%M' -o "$WORK/$name.time" $cmd >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    kb=$(tail -n 1 "$WORK/$name.time")
    [ "$kb" -gt "$max" ] && max=$kb
  done
  echo "$max" >"$WORK/$name.rss"
}

callgrind_cmd() {
  local name=$1 prep=$2 cmd=$3
  bash -c "$prep"
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$name.cg" $cmd >/dev/null 2>"$WORK/$name.cg.err" || true
  awk '/Collected :/ {print $NF}' "$WORK/$name.cg.err" >"$WORK/$name.ir"
}

LOAD_BEFORE=$(uptime)
for c in "${CASES[@]}"; do
  IFS='|' read -r name args prep <<<"$c"
  say "salt-rs: $name ($RUNS runs)"
  time_cmd "rs-$name" "$RUNS" "$prep" "$(rs "$args")"
  rss_cmd "rs-$name" "$prep" "$(rs "$args")"
  if [ "${BENCH_CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
    callgrind_cmd "rs-$name" "$prep" "$(rs "$args")"
  fi
  if [ "$HAVE_SALT" = 1 ]; then
    say "Salt: $name ($SALT_RUNS runs)"
    time_cmd "salt-$name" "$SALT_RUNS" "$prep" "$(salt "$args")"
    rss_cmd "salt-$name" "$prep" "$(salt "$args")"
  fi
done
LOAD_AFTER=$(uptime)

# --- report --------------------------------------------------------------
field() { [ -f "$WORK/$1.csv" ] && cut -d, -f"$2" "$WORK/$1.csv" || echo ""; }
ms() { [ -n "$1" ] && awk -v s="$1" 'BEGIN {printf "%.1f", s * 1000}' || echo "-"; }
mib() { [ -n "$1" ] && awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}' || echo "-"; }

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "load before: ${LOAD_BEFORE#*load average: }"
echo "load after:  ${LOAD_AFTER#*load average: }"
echo "salt-rs: $("$RS_CALL" --version 2>/dev/null || echo '?') ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
if [ "$HAVE_SALT" = 1 ]; then
  echo "Salt: $("$SALT_VENV/bin/salt-call" --version 2>/dev/null | head -n 1), $("$SALT_VENV/bin/python" --version 2>&1)"
else
  echo "Salt: skipped: $SALT_REASON"
fi
echo "timer: $([ "$HYPERFINE" = 1 ] && hyperfine --version || echo 'bash loop'); runs: salt-rs $RUNS, Salt $SALT_RUNS (each after 1 warm-up); peak RSS: max of $RSS_RUNS runs"
echo
echo "| command | salt-rs mean ± sd (median) | salt-rs user+sys | Salt mean ± sd (median) | Salt user+sys | speed-up (mean) | peak RSS salt-rs / Salt |"
echo "|---|---|---|---|---|---|---|"
for c in "${CASES[@]}"; do
  IFS='|' read -r name _ _ <<<"$c"
  r_mean=$(field "rs-$name" 1); r_sd=$(field "rs-$name" 2); r_med=$(field "rs-$name" 3)
  r_cpu=$(awk -F, '$6 != "" {print $6 + $7}' "$WORK/rs-$name.csv" 2>/dev/null)
  s_mean=$(field "salt-$name" 1); s_sd=$(field "salt-$name" 2); s_med=$(field "salt-$name" 3)
  s_cpu=$(awk -F, '$6 != "" {print $6 + $7}' "$WORK/salt-$name.csv" 2>/dev/null || true)
  speed="-"
  [ -n "$s_mean" ] && [ -n "$r_mean" ] && speed=$(awk -v a="$s_mean" -v b="$r_mean" 'BEGIN {printf "%.1fx", a / b}')
  r_rss=$(cat "$WORK/rs-$name.rss" 2>/dev/null || true)
  s_rss=$(cat "$WORK/salt-$name.rss" 2>/dev/null || true)
  printf '| %s | %s ± %s (%s) ms | %s ms | %s ± %s (%s) ms | %s ms | %s | %s / %s MiB |\n' \
    "$name" "$(ms "$r_mean")" "$(ms "$r_sd")" "$(ms "$r_med")" "$(ms "$r_cpu")" \
    "$(ms "$s_mean")" "$(ms "$s_sd")" "$(ms "$s_med")" "$(ms "$s_cpu")" \
    "$speed" "$(mib "$r_rss")" "$(mib "$s_rss")"
done
if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
  echo
  echo "| command | salt-rs instructions (callgrind, 1 run) |"
  echo "|---|---|"
  for c in "${CASES[@]}"; do
    IFS='|' read -r name _ _ <<<"$c"
    echo "| $name | $(cat "$WORK/rs-$name.ir" 2>/dev/null || echo '-') |"
  done
fi

# Same work on both sides? The JSON of show_sls, the summary of the runs.
if [ "$HAVE_SALT" = 1 ] && [ "$TIMEV" = 1 ]; then
  echo
  if cmp -s "$WORK/rs-show_sls.out" "$WORK/salt-show_sls.out"; then
    echo "check: state.show_sls JSON is byte-identical under salt-rs and Salt"
  else
    echo "check: state.show_sls JSON differs between salt-rs and Salt (diff in $WORK/rs-show_sls.out vs salt-show_sls.out)"
  fi
  for name in apply_test apply_ref; do
    a=$(grep -E '^(Succeeded|Failed|Total states run):' "$WORK/rs-$name.out" | tr -s ' ' | paste -sd ' ' || true)
    b=$(grep -E '^(Succeeded|Failed|Total states run):' "$WORK/salt-$name.out" | tr -s ' ' | paste -sd ' ' || true)
    if [ "$a" = "$b" ]; then
      echo "check: $name summary equal: $a"
    else
      echo "check: $name summary differs: salt-rs [$a] Salt [$b]"
    fi
  done
fi
exit 0
