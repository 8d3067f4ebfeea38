#!/usr/bin/env bash
# Regenerates the golden captures of tests/lab/*/captured/: the
# real Salt 3007.8 (image salt-rs-lab:salt, scripts/lab-image.sh salt) runs
# each case in a fresh lab container (systemd as PID 1, apt on the local
# repository, no network). See tests/lab/README.md.
#
#   scripts/capture-lab-states.sh            every case
#   scripts/capture-lab-states.sh pkg ...    only the named cases
#
# Needs root (the net sysctls are made writable inside the container with
# nsenter, as salt_testkit::container does) and docker.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/capture-lib.sh"
CASES=$ROOT/tests/lab
IMAGE=salt-rs-lab:salt

bash "$ROOT/scripts/lab-image.sh" salt >/dev/null

# The same docker run flags as salt_testkit::container::run_flags.
flags=(--network none --cap-add NET_ADMIN --tmpfs /run --tmpfs /run/lock --tmpfs /tmp)
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
  flags+=(--cgroupns=private --privileged)
else
  flags+=(-v /sys/fs/cgroup:/sys/fs/cgroup:ro)
fi

capture_names "$CASES" "$@"

work=$(mktemp -d)
cid=
cleanup() { [ -n "$cid" ] && docker rm -f "$cid" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

for name in "${names[@]}"; do
  src=$CASES/$name
  [ -f "$src/main.sls" ] || { echo "no case $name (no main.sls)" >&2; exit 1; }
  echo "== $name"
  cid=salt-rs-capture-$$-$name
  docker run -d --name "$cid" "${flags[@]}" -v "$src:/srv/salt:ro" "$IMAGE" >/dev/null
  pid=$(docker inspect -f '{{.State.Pid}}' "$cid")
  nsenter -t "$pid" -m mount --bind /proc/sys/net /proc/sys/net
  nsenter -t "$pid" -m mount -o remount,bind,rw /proc/sys/net
  for _ in $(seq 1 300); do
    state=$(docker exec "$cid" systemctl is-system-running 2>/dev/null || true)
    case $state in running | degraded) break ;; esac
    sleep 0.1
  done
  docker exec "$cid" sh -c 'mkdir -p /etc/salt && cat >/etc/salt/minion' <<'EOF'
id: lab
file_client: local
file_roots:
  base:
    - /srv/salt
    - /srv/lab-files
EOF
  if [ -f "$src/setup.sh" ]; then docker exec "$cid" sh /srv/salt/setup.sh; fi
  out=$src/captured
  rm -rf "$out"; mkdir -p "$out"

  call() { # call FILE ARGS...: {"retcode": N, "return": <the "local" value>}
    local file=$1; shift
    local rc=0
    docker exec "$cid" /opt/salt/bin/salt-call --local --out json -l quiet "$@" \
      >"$work/raw.json" 2>"$work/err.txt" || rc=$?
    PY=python3 capture_store "$work/raw.json" "$file" "$rc"
  }

  call "$out/high.json" state.show_sls main
  call "$out/test.json" --retcode-passthrough state.sls main test=True
  call "$out/run.json" --retcode-passthrough state.sls main
  # What the run left on disk, when the case says what to look at.
  if [ -f "$src/inspect.sh" ]; then docker exec "$cid" sh /srv/salt/inspect.sh >"$out/inspect.txt" || true; fi
  call "$out/rerun.json" --retcode-passthrough state.sls main
  call "$out/retest.json" --retcode-passthrough state.sls main test=True
  docker rm -f "$cid" >/dev/null
  cid=
done
