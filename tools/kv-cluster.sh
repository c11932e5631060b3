#!/usr/bin/env bash
# kv-cluster.sh - start, inspect, stop and clean up a 3-node synod-kv cluster on 127.0.0.1.
usage() {
  cat <<EOF
usage: tools/kv-cluster.sh [start|stop|status|clean|--help]

  start    start nodes 1..3 (clients on 6381..6383, peers on 7001..7003) and wait for a
           leader; data in \$DATA/node1..3, logs in \$DATA/nodeN.log (default command)
  stop     stop the nodes this script started (PIDs in \$DATA/nodeN.pid); their data and
           logs stay in \$DATA for a restart or a look, and stop says where
  status   INFO replication lines of every node
  clean    remove what start left in \$DATA (node1..3, nodeN.log, nodeN.pid, then \$DATA
           itself if that leaves it empty); refuses while a node of the cluster runs
  --help   this text

Environment: BIN (default build/adapters/synod-kv), DATA (default /tmp/synod-kv),
CLIENT_PORT0 (6381), PEER_PORT0 (7001), EXTRA_FLAGS (passed to every node, e.g. --no-fsync).
A relative BIN or DATA is taken from the source root.
Then:  redis-cli -p 6381 SET hello world   (on the leader; followers answer -NOTLEADER)
       redis-cli -p 6382 GET hello           (any node: a linearizable ReadIndex read)
       redis-cli -p 6381 SYNOD.TRANSFER 2    (on the leader: node 2 leads once this says OK)
       redis-cli -p 6381 INFO replication
Exit status: 0 done, 1 no leader after 10 s or clean refused (cluster running), 2 bad usage
or synod-kv not built.
EOF
}
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/adapters/synod-kv}
DATA=${DATA:-/tmp/synod-kv}
CLIENT_PORT0=${CLIENT_PORT0:-6381}
PEER_PORT0=${PEER_PORT0:-7001}
EXTRA_FLAGS=${EXTRA_FLAGS:-}
cmd=${1:-start}
self=$0

cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}$i=127.0.0.1:$((PEER_PORT0 + i - 1))"; done

# running_pid N: prints node N's PID when its PID file names a live synod-kv.
running_pid() {
  local f="$DATA/node$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null && grep -q synod-kv "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# left_behind: the files and directories start leaves in $DATA.
left_behind() {
  local i
  for i in 1 2 3; do
    for p in "$DATA/node$i" "$DATA/node$i.log" "$DATA/node$i.pid"; do
      [[ -e $p ]] && echo "$p"
    done
  done
  return 0
}

# TERM to every node first, then wait: a node takes a moment to shut down,
# and the three shut down together.
stop() {
  local i pid stopped=0 pids=()
  for i in 1 2 3; do
    pids[i]=""
    if pid=$(running_pid "$i"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids[i]=$pid
    fi
  done
  for i in 1 2 3; do
    pid=${pids[i]}
    if [[ -n $pid ]]; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
      echo "stopped node $i (PID $pid)"
      stopped=$((stopped + 1))
    fi
    rm -f "$DATA/node$i.pid"
  done
  ((stopped > 0)) || echo "no node of the cluster was running (no live PID in $DATA/node*.pid)"
  if [[ -n $(left_behind) ]]; then
    echo "data and logs are still in $DATA (node1..3, node1..3.log); remove them with: $self clean"
  fi
}

clean() {
  local i pid running=()
  for i in 1 2 3; do
    if pid=$(running_pid "$i"); then running+=("node $i (PID $pid)"); fi
  done
  if ((${#running[@]} > 0)); then
    echo "kv-cluster: not cleaning $DATA: the cluster is running (${running[*]}); run '$self stop' first" >&2
    exit 1
  fi
  local items
  items=$(left_behind)
  if [[ -z $items ]]; then
    echo "nothing to clean in $DATA"
  else
    while IFS= read -r p; do rm -rf -- "$p"; done <<<"$items"
    echo "removed the cluster's data, logs and PID files from $DATA"
  fi
  # Only an empty $DATA goes: it may be a directory the user keeps other things in.
  if [[ -d $DATA ]] && rmdir -- "$DATA" 2>/dev/null; then echo "removed $DATA"; fi
  return 0
}

case "$cmd" in
  start)
    [[ -x $BIN ]] || { echo "kv-cluster: $BIN not built (cmake --build build --target synod-kv)" >&2; exit 2; }
    for i in 1 2 3; do
      if pid=$(running_pid "$i"); then
        echo "kv-cluster: node $i is already running (PID $pid); '$self stop' first" >&2
        exit 2
      fi
    done
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
          echo "stop with: $self stop   (then remove the data with: $self clean)"
          exit 0
        fi
      done
      sleep 0.1
    done
    echo "kv-cluster: no leader after 10 s; see $DATA/node*.log (the nodes still run: '$self stop')" >&2
    exit 1
    ;;
  stop) stop ;;
  status)
    for i in 1 2 3; do
      echo "node $i: $(redis-cli -p $((CLIENT_PORT0 + i - 1)) INFO 2>/dev/null | grep -E '^(role|term|leader_id|commit_index):' | tr -d '\r' | tr '\n' ' ')"
    done
    ;;
  clean) clean ;;
  -h | --help | help) usage ;;
  *)
    echo "kv-cluster: unknown command '$cmd'" >&2
    usage >&2
    exit 2
    ;;
esac
