#!/usr/bin/env bash
# kv-cluster.sh - start a 3-node synod-kv cluster on 127.0.0.1 and wait for it.
#
#   tools/kv-cluster.sh [start]   start nodes 1..3 (clients on 6381..6383, peers on 7001..7003),
#                                 data in $DATA (default /tmp/synod-kv), logs in $DATA/nodeN.log
#   tools/kv-cluster.sh stop      stop the nodes this script started (PIDs in $DATA/nodeN.pid)
#   tools/kv-cluster.sh status    INFO replication lines of every node
#
# Environment: BIN (default build/adapters/synod-kv), DATA, CLIENT_PORT0 (6381), PEER_PORT0 (7001),
# EXTRA_FLAGS (passed to every node, e.g. --no-fsync).
# Then:  redis-cli -p 6381 SET hello world ; redis-cli -p 6381 INFO replication
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/adapters/synod-kv}
DATA=${DATA:-/tmp/synod-kv}
CLIENT_PORT0=${CLIENT_PORT0:-6381}
PEER_PORT0=${PEER_PORT0:-7001}
EXTRA_FLAGS=${EXTRA_FLAGS:-}
cmd=${1:-start}

cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}$i=127.0.0.1:$((PEER_PORT0 + i - 1))"; done

stop() {
  for i in 1 2 3; do
    f="$DATA/node$i.pid"
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null && grep -q synod-kv "/proc/$pid/cmdline" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      echo "stopped node $i (PID $pid)"
    fi
    rm -f "$f"
  done
}

case "$cmd" in
  start)
    [[ -x $BIN ]] || { echo "kv-cluster: $BIN not built (cmake --build build --target synod-kv)" >&2; exit 2; }
    mkdir -p "$DATA"
    for i in 1 2 3; do
      # shellcheck disable=SC2086
      "$BIN" --id "$i" --cluster "$cluster" --client-port $((CLIENT_PORT0 + i - 1)) \
        --data "$DATA/node$i" $EXTRA_FLAGS >"$DATA/node$i.log" 2>&1 &
      echo $! >"$DATA/node$i.pid"
    done
    for _ in $(seq 1 100); do
      for i in 1 2 3; do
        if redis-cli -p $((CLIENT_PORT0 + i - 1)) INFO 2>/dev/null | grep -q '^role:leader'; then
          echo "cluster up: leader is node $i (redis-cli -p $((CLIENT_PORT0 + i - 1))); data and logs in $DATA"
          echo "stop with: $0 stop"
          exit 0
        fi
      done
      sleep 0.1
    done
    echo "kv-cluster: no leader after 10 s; see $DATA/node*.log" >&2
    exit 1
    ;;
  stop) stop ;;
  status)
    for i in 1 2 3; do
      echo "node $i: $(redis-cli -p $((CLIENT_PORT0 + i - 1)) INFO 2>/dev/null | grep -E '^(role|term|leader_id|commit_index):' | tr -d '\r' | tr '\n' ' ')"
    done
    ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
