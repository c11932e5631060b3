#!/usr/bin/env bash
# bench-kv.sh - redis-benchmark against a 3-node synod-kv cluster (fsync on): durable SETs, then
# GETs at 16 and 64 clients on the leader and on a follower with --read-mode readindex (the
# default), then GETs on the leader of a fresh cluster with --read-mode log (every read a log
# entry; followers cannot serve them); then the etcd baseline (../shared/bench/etcd-baseline.sh:
# 3-member etcd, durable puts and linearizable ranges through its JSON gateway, driven by wrk) at
# 16 and 64 connections; a table and same-run ratios.
#
# Environment:
#   BIN=build/adapters/synod-kv   the server binary
#   ETCD=1                        also run the etcd baseline (0: synod-kv only)
#   ETCD_SCRIPT=/work/shared/bench/etcd-baseline.sh
#   ETCD_DURATION=10              seconds per etcd run
#   READ_CONNS="16 64"            client counts for the GET and etcd range rows
#   N1=100000 N16=1000000         requests per redis-benchmark run with -P 1 / -P 16
#   PIPELINED=0                   1: also the -P 16 rows (SET and GET at 50 clients)
#   VALUE_SIZE=64  KEYSPACE=100000
#   CLIENT_PORT0=26381 PEER_PORT0=27001
# Only 127.0.0.1 is used; only PIDs this script started are signalled.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/adapters/synod-kv}
ETCD=${ETCD:-1}
ETCD_SCRIPT=${ETCD_SCRIPT:-/work/shared/bench/etcd-baseline.sh}
ETCD_DURATION=${ETCD_DURATION:-10}
READ_CONNS=${READ_CONNS:-"16 64"}
N1=${N1:-100000}
N16=${N16:-1000000}
PIPELINED=${PIPELINED:-0}
VALUE_SIZE=${VALUE_SIZE:-64}
KEYSPACE=${KEYSPACE:-100000}
CLIENT_PORT0=${CLIENT_PORT0:-26381}
PEER_PORT0=${PEER_PORT0:-27001}

[[ -x $BIN ]] || { echo "bench-kv: $BIN not built" >&2; exit 2; }
command -v redis-benchmark >/dev/null || { echo "bench-kv: redis-benchmark missing (apt-get install redis-tools)" >&2; exit 2; }
RUN=$(mktemp -d /tmp/synod-bench-kv.XXXXXX)
PIDS=()
stop_cluster() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_cluster
  rm -rf "$RUN"
}
trap cleanup EXIT

log() { echo "[$(date +%H:%M:%S)] $*"; }
log "host: $(nproc) cpus, load avg $(cut -d' ' -f1-3 /proc/loadavg), $(redis-benchmark --version | head -1)"
cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}$i=127.0.0.1:$((PEER_PORT0 + i - 1))"; done
port() { echo $((CLIENT_PORT0 + $1 - 1)); }

# start_cluster NAME FLAGS...: fresh data dirs; sets LEADER, FOLLOWER (node ids).
start_cluster() {
  local name=$1
  shift
  for i in 1 2 3; do
    "$BIN" --id "$i" --cluster "$cluster" --client-port "$(port "$i")" --data "$RUN/$name-node$i" --quiet "$@" \
      >"$RUN/$name-node$i.log" 2>&1 &
    PIDS+=($!)
  done
  LEADER=""
  for _ in $(seq 1 100); do
    for i in 1 2 3; do
      if redis-cli -p "$(port "$i")" INFO 2>/dev/null | grep -q '^role:leader'; then LEADER=$i; break 2; fi
    done
    sleep 0.1
  done
  [[ -n $LEADER ]] || { echo "bench-kv: no leader" >&2; exit 1; }
  FOLLOWER=$((LEADER % 3 + 1))
  log "synod-kv cluster up ($*), fsync on, leader node $LEADER on port $(port "$LEADER"), follower node $FOLLOWER on port $(port "$FOLLOWER") (PIDs ${PIDS[*]})"
}
stat() { redis-cli -p "$(port "$1")" INFO | tr -d '\r' | sed -n "s/^$2://p"; }

declare -a ROWS
declare -A RPS P99
# run LABEL NODE TEST CLIENTS PIPELINE N: one redis-benchmark run against node NODE.
# The last column: commands per log entry (requests / batches the leader proposed) for log
# rows, reads per ReadIndex request (requests / read_index_requests on NODE) for readindex GETs.
run() {
  local label=$1 node=$2 t=$3 c=$4 p=$5 n=$6 lower out b0 b1 r0 r1 per
  lower=$(tr 'A-Z' 'a-z' <<<"$t")
  local cmd=(redis-benchmark -h 127.0.0.1 -p "$(port "$node")" -t "$lower" -c "$c" -P "$p" -n "$n" -d "$VALUE_SIZE" -r "$KEYSPACE" --csv)
  echo "  \$ ${cmd[*]}"
  b0=$(stat "$LEADER" batches_proposed); r0=$(stat "$node" read_index_requests)
  out=$("${cmd[@]}" 2>/dev/null | grep "^\"$t\"")
  b1=$(stat "$LEADER" batches_proposed); r1=$(stat "$node" read_index_requests)
  IFS=, read -r _ rps avg _ p50 _ p99 _ <<<"$(tr -d '"' <<<"$out")"
  if [[ $label == *readindex* && $t == GET ]]; then
    per=$(awk -v n="$n" -v b=$((r1 - r0)) 'BEGIN{ if (b > 0) printf "%.1f reads/ReadIndex", n / b; else print "-" }')
  else
    per=$(awk -v n="$n" -v b=$((b1 - b0)) 'BEGIN{ if (b > 0) printf "%.1f cmds/entry", n / b; else print "-" }')
  fi
  printf 'RESULT synod-kv %-28s %-4s clients=%-3s P=%-3s %9.0f req/s  avg=%6.2fms p50=%6.2fms p99=%6.2fms  %s\n' \
    "$label" "$t" "$c" "$p" "$rps" "$avg" "$p50" "$p99" "$per"
  ROWS+=("| synod-kv $label | $t | $c | $p | $(printf '%.0f' "$rps") | $p50 | $p99 | $per |")
  RPS[$label-$t-$c-$p]=$(printf '%.0f' "$rps")
  P99[$label-$t-$c-$p]=$p99
}

start_cluster readindex
for c in 16 64; do run "readindex" "$LEADER" SET "$c" 1 "$N1"; done
[[ $PIPELINED == 1 ]] && run "readindex" "$LEADER" SET 50 16 "$N16"
for c in $READ_CONNS; do
  run "readindex, leader" "$LEADER" GET "$c" 1 "$N1"
  run "readindex, follower" "$FOLLOWER" GET "$c" 1 "$N1"
done
[[ $PIPELINED == 1 ]] && run "readindex, follower" "$FOLLOWER" GET 50 16 "$N16"
for i in 1 2 3; do
  echo "  node $i: $(redis-cli -p "$(port "$i")" INFO | tr -d '\r' | grep -E '^(role|commit_index|applied_index|keys|read_index_requests|reads_served|reads_failed|reads_timed_out):' | tr '\n' ' ')"
done
stop_cluster
log "synod-kv cluster stopped"

# The old behaviour: every GET is a log entry on the leader (fresh cluster, same keys written).
start_cluster log --read-mode log
run "log" "$LEADER" SET 64 1 "$N1"
for c in $READ_CONNS; do run "log, leader" "$LEADER" GET "$c" 1 "$N1"; done
[[ $PIPELINED == 1 ]] && run "log, leader" "$LEADER" GET 50 16 "$N16"
stop_cluster
log "synod-kv cluster stopped"

declare -A ETCD_RPS ETCD_P99
if [[ $ETCD == 1 ]]; then
  for c in $READ_CONNS; do
    log "etcd baseline: $ETCD_SCRIPT (DURATION=$ETCD_DURATION PUT_CONNS=16 READ_CONNS=$c)"
    DURATION=$ETCD_DURATION PUT_CONNS=16 READ_CONNS=$c bash "$ETCD_SCRIPT" 2>&1 | tee "$RUN/etcd-$c.out" |
      grep -E '^(RESULT|VERIFY|SUMMARY|etcd-put)|\$ wrk|disk:' || true
    while read -r line; do
      label=$(awk '{print $2}' <<<"$line")
      conns=$(sed -n 's/.*conns=\([0-9]*\).*/\1/p' <<<"$line")
      rps=$(awk '{for (i = 1; i <= NF; i++) if ($(i) == "req/s") print $(i - 1)}' <<<"$line")
      p50=$(sed -n 's/.*p50= *\([0-9.]*\)ms.*/\1/p' <<<"$line")
      p99=$(sed -n 's/.*p99= *\([0-9.]*\)ms.*/\1/p' <<<"$line")
      case $label in
        put-*) ROWS+=("| etcd 3.4 (wrk, JSON gateway) | PUT | $conns | 1 | $rps | $p50 | $p99 | - |") ;;
        range-lin-*)
          ROWS+=("| etcd 3.4 (wrk, JSON gateway) | RANGE (linearizable) | $conns | 1 | $rps | $p50 | $p99 | - |")
          ETCD_RPS[$conns]=$rps; ETCD_P99[$conns]=$p99 ;;
        range-ser-*) ROWS+=("| etcd 3.4 (wrk, JSON gateway) | RANGE (serializable) | $conns | 1 | $rps | $p50 | $p99 | - |") ;;
      esac
    done < <(grep '^RESULT' "$RUN/etcd-$c.out" | grep -vE 'warmup|seed-read')
  done
fi

echo
echo "| system | op | clients | pipeline | req/s | p50 ms | p99 ms | batching |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Same-run ratios (req/s; p99 in ms):"
for c in $READ_CONNS; do
  l=${RPS[readindex, leader-GET-$c-1]:-0} f=${RPS[readindex, follower-GET-$c-1]:-0} g=${RPS[log, leader-GET-$c-1]:-0}
  line="  $c clients: readindex leader / log leader = $(awk -v a="$l" -v b="$g" 'BEGIN{printf b ? "%.2f" : "-", a / b}')"
  line+=", readindex follower / log leader = $(awk -v a="$f" -v b="$g" 'BEGIN{printf b ? "%.2f" : "-", a / b}')"
  if [[ -n ${ETCD_RPS[$c]:-} ]]; then
    e=${ETCD_RPS[$c]}
    line+=", readindex leader / etcd linearizable range = $(awk -v a="$l" -v b="$e" 'BEGIN{printf b ? "%.2f" : "-", a / b}')"
    line+=", readindex follower / etcd = $(awk -v a="$f" -v b="$e" 'BEGIN{printf b ? "%.2f" : "-", a / b}')"
    line+="; p99 leader ${P99[readindex, leader-GET-$c-1]} / follower ${P99[readindex, follower-GET-$c-1]} vs etcd ${ETCD_P99[$c]}"
  fi
  echo "$line"
done
