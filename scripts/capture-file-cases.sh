#!/usr/bin/env bash
# Regenerates the golden captures of crates/state/tests/file_cases/*/captured/
# from the real Salt (salt-lab, masterless salt-call, run as root so that
# owners can change). See crates/state/tests/README.md ("file states").
#
#   scripts/capture-file-cases.sh              every case
#   scripts/capture-file-cases.sh managed_new  only the named cases
#
# Each case is a file root: main.sls (and the files it serves under files/),
# optional pillar/ (with its top.sls), optional setup.sh (run in the case's
# directory before the first run, with $DIR set). Every file of the case has
# the placeholder __DIR__ replaced by the case's directory
# /tmp/filestates-case-<name>, which this script creates and deletes. Five
# calls are captured, in this order, against the same directory:
#   high.json   state.show_sls main
#   test.json   state.sls main test=True   (before anything is applied)
#   run.json    state.sls main
#   run2.json   state.sls main             (the second run: nothing to change)
#   test2.json  state.sls main test=True   (after it)
# and tree.txt, the case directory afterwards: one line per entry, sorted,
# "<path> <f|d|l> <mode> <user>:<group> <sha256 | link target | ->".
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/capture-lib.sh"
CASES=$ROOT/crates/state/tests/file_cases
capture_salt_lab "$ROOT" /tmp/lab-filestates
umask 022

capture_names "$CASES" "$@"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for name in "${names[@]}"; do
  src=$CASES/$name
  [ -d "$src" ] || { echo "no case $name" >&2; exit 1; }
  echo "== $name"
  dir=/tmp/filestates-case-$name
  root=$work/$name/root
  pillar=$work/$name/pillar
  rm -rf "$work/$name"; mkdir -p "$root" "$pillar"
  (cd "$src" && find . -type f -not -path './captured/*' -not -path './pillar/*' -not -name setup.sh -not -name needs-root \
     -exec cp --parents -P {} "$root" \;)
  [ -d "$src/pillar" ] && cp -r "$src/pillar/." "$pillar/"
  grep -rlZ __DIR__ "$root" "$pillar" 2>/dev/null | xargs -0 -r sed -i "s#__DIR__#$dir#g"
  printf "base:\n  '*':\n    - main\n" >"$root/top.sls"
  out=$src/captured
  rm -rf "$out"; mkdir -p "$out"
  rm -rf "$dir"; mkdir -p "$dir"
  # salt-call caches the file server's file lists for 20 s and the files it
  # fetched: start every case with an empty minion cache, or the previous
  # case's root answers.
  rm -rf "$LAB/local/root/var/cache/salt/minion"
  if [ -f "$src/setup.sh" ]; then (cd "$dir" && DIR=$dir bash "$src/setup.sh"); fi

  call() { # call FILE ARGS...: inner JSON of {"local": ...} and the exit code
    local file=$1; shift
    local rc=0
    SALT_LAB_DIR=$LAB SALT_LAB_STATES=$root SALT_LAB_PILLAR=$pillar \
      "$SALT_LAB" call --out json -l quiet "$@" >"$work/raw.json" 2>"$work/err.txt" || rc=$?
    capture_store "$work/raw.json" "$file" "$rc"
  }

  [ -d "$src/pillar" ] && call "$out/pillar.json" pillar.items
  call "$out/high.json" state.show_sls main
  call "$out/test.json" --retcode-passthrough state.sls main test=True
  call "$out/run.json" --retcode-passthrough state.sls main
  call "$out/run2.json" --retcode-passthrough state.sls main
  call "$out/test2.json" --retcode-passthrough state.sls main test=True
  "$PY" - "$dir" >"$out/tree.txt" <<'EOF'
import grp, hashlib, os, pwd, stat, sys
top = sys.argv[1]
out = []
for root, dirs, files in os.walk(top):
    for n in dirs + files:
        p = os.path.join(root, n)
        st = os.lstat(p)
        kind = "l" if stat.S_ISLNK(st.st_mode) else "d" if stat.S_ISDIR(st.st_mode) else "f"
        if kind == "l":
            detail = os.readlink(p)
        elif kind == "f":
            detail = hashlib.sha256(open(p, "rb").read()).hexdigest()
        else:
            detail = "-"
        owner = f"{pwd.getpwuid(st.st_uid).pw_name}:{grp.getgrgid(st.st_gid).gr_name}"
        out.append(f"{os.path.relpath(p, top)} {kind} {stat.S_IMODE(st.st_mode):04o} {owner} {detail}")
print("\n".join(sorted(out)))
EOF
  rm -rf "$dir"
done
