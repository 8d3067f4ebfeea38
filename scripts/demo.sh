#!/usr/bin/env bash
# One command from a fresh clone to a working salt-rs: builds the binaries,
# starts a master and three minions on 127.0.0.1 (each with its own
# root_dir under $DEMO_DIR), shows the pending keys, accepts them, runs
# targeted commands, applies the bundled `hello` state (states/hello: a
# template fed by grains and the cluster pillar, written under each
# minion's root_dir) twice, and shows what the bundled Kubernetes tree
# would do on a master node (top file, a dry run). Leaves everything
# running with --keep; otherwise stops the daemons at the end.
#
#   scripts/demo.sh            # build, run, stop
#   scripts/demo.sh --keep     # leave the lab running (stop with scripts/demo.sh --stop)
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_DIR=${DEMO_DIR:-/tmp/salt-rs-demo}
PUB_PORT=${PUB_PORT:-44505}
RET_PORT=${RET_PORT:-44506}
BIN=target/release

stop() {
  for pidf in "$DEMO_DIR"/*/pid; do
    [ -f "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null || true
  done
}
if [ "${1:-}" = "--stop" ]; then stop; exit 0; fi

bash scripts/setup.sh
echo "== building (release)"
cargo build --release --locked --bins -q

stop
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR/master"
cat > "$DEMO_DIR/master/master" <<CFG
root_dir: $DEMO_DIR/master
interface: 127.0.0.1
publish_port: $PUB_PORT
ret_port: $RET_PORT
file_roots:
  base:
    - $PWD/states
pillar_roots:
  base:
    - $PWD/pillar
nodegroups:
  masters: 'L@k8s-master1,k8s-master2'
  workers: 'not N@masters'
CFG
"$BIN/salt-rs-master" -c "$DEMO_DIR/master" -l info > "$DEMO_DIR/master/log" 2>&1 &
echo $! > "$DEMO_DIR/master/pid"

IDS="k8s-master1 k8s-master2 k8s-node1"
for id in $IDS; do
  d="$DEMO_DIR/$id"
  mkdir -p "$d"
  role=master; [ "$id" = k8s-node1 ] && role=node
  cat > "$d/minion" <<CFG
root_dir: $d
id: $id
master: 127.0.0.1
master_port: $RET_PORT
publish_port: $PUB_PORT
acceptance_wait_time: 1
grains:
  roles: [$role, common]
CFG
  "$BIN/salt-rs-minion" -c "$d" -l info > "$d/log" 2>&1 &
  echo $! > "$d/pid"
done

show() { printf '$'; printf " %q" "$@"; printf '\n'; }
salt() { show salt-rs "$@"; "$BIN/salt-rs" -c "$DEMO_DIR/master" "$@"; echo; }
key() { show salt-rs-key "$@"; "$BIN/salt-rs-key" -c "$DEMO_DIR/master" "$@"; echo; }

for _ in $(seq 1 100); do
  [ "$(ls "$DEMO_DIR/master/etc/salt-rs/pki/master/minions_pre" 2>/dev/null | wc -l)" -ge 3 ] && break
  sleep 0.1
done
key -L
key -A -y
# The minions retry every acceptance_wait_time (1 s here): no restart needed.
for _ in $(seq 1 100); do
  out=$("$BIN/salt-rs" -c "$DEMO_DIR/master" '*' test.ping --out json --static -t 2 2>/dev/null || true)
  [ "$(grep -c true <<<"$out")" -ge 3 ] && break
  sleep 0.2
done
key -F
salt '*' test.ping
salt -G 'roles:master' cmd.run 'echo hello from $(hostname) as $(id -un)'
salt -C 'G@roles:node or L@k8s-master1' grains.item os os_family
salt -N workers test.version
salt -L k8s-master1,k8s-node1 test.echo hello --out json --static
salt -I 'k8s_node:roles:etcd' pillar.get k8s_node:ip
# The bundled hello state, applied for real: the second run changes nothing.
salt '*' state.apply hello
salt '*' state.apply hello --state-output=terse
# What the Kubernetes tree assigns to a master, and a dry run of one formula.
salt k8s-master1 state.show_top
salt k8s-master1 state.sls keepalived test=True --state-output=terse || true

if [ "${1:-}" = "--keep" ]; then
  echo "lab left running in $DEMO_DIR (config dirs: master, $IDS); stop with scripts/demo.sh --stop"
else
  stop
  echo "demo done; logs in $DEMO_DIR/*/log"
fi
