#!/usr/bin/env bash
# bench-kv.sh - redis-benchmark against a 3-node synod-kv cluster (fsync on), then the etcd
# baseline (../shared/bench/etcd-baseline.sh: 3-member etcd, durable puts over its HTTP gateway)
# in the same run, and a comparison table.
#
# Environment:
#   BIN=build/adapters/synod-kv   the server binary
#   ETCD=1                        also run the etcd baseline (0: synod-kv only)
#   ETCD_SCRIPT=/work/shared/bench/etcd-baseline.sh
#   ETCD_DURATION=10              seconds per etcd run
#   N1=100000 N16=1000000         requests per redis-benchmark run with -P 1 / -P 16
#   VALUE_SIZE=64  KEYSPACE=1000000
#   CLIENT_PORT0=26381 PEER_PORT0=27001
# Only 127.0.0.1 is used; only PIDs this script started are signalled.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/adapters/synod-kv}
ETCD=${ETCD:-1}
ETCD_SCRIPT=${ETCD_SCRIPT:-/work/shared/bench/etcd-baseline.sh}
ETCD_DURATION=${ETCD_DURATION:-10}
N1=${N1:-100000}
N16=${N16:-1000000}
VALUE_SIZE=${VALUE_SIZE:-64}
KEYSPACE=${KEYSPACE:-1000000}
CLIENT_PORT0=${CLIENT_PORT0:-26381}
PEER_PORT0=${PEER_PORT0:-27001}

[[ -x $BIN ]] || { echo "bench-kv: $BIN not built" >&2; exit 2; }
command -v redis-benchmark >/dev/null || { echo "bench-kv: redis-benchmark missing (apt-get install redis-tools)" >&2; exit 2; }
RUN=$(mktemp -d /tmp/synod-bench-kv.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT

log() { echo "[$(date +%H:%M:%S)] $*"; }
log "host: $(nproc) cpus, load avg $(cut -d' ' -f1-3 /proc/loadavg), $(redis-benchmark --version | head -1)"
cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}$i=127.0.0.1:$((PEER_PORT0 + i - 1))"; done
for i in 1 2 3; do
  "$BIN" --id "$i" --cluster "$cluster" --client-port $((CLIENT_PORT0 + i - 1)) --data "$RUN/node$i" --quiet \
    >"$RUN/node$i.log" 2>&1 &
  PIDS+=($!)
done
LEADER=""
for _ in $(seq 1 100); do
  for i in 1 2 3; do
    if redis-cli -p $((CLIENT_PORT0 + i - 1)) INFO 2>/dev/null | grep -q '^role:leader'; then LEADER=$i; break 2; fi
  done
  sleep 0.1
done
[[ -n $LEADER ]] || { echo "bench-kv: no leader" >&2; exit 1; }
LPORT=$((CLIENT_PORT0 + LEADER - 1))
log "synod-kv cluster up, fsync on, leader node $LEADER on port $LPORT (PIDs ${PIDS[*]})"
stat() { redis-cli -p "$LPORT" INFO | tr -d '\r' | sed -n "s/^$1://p"; }

declare -a ROWS
run() {  # run TEST CLIENTS PIPELINE N
  local t=$1 c=$2 p=$3 n=$4 lower out f0 f1 b0 b1
  lower=$(tr 'A-Z' 'a-z' <<<"$t")
  local cmd=(redis-benchmark -h 127.0.0.1 -p "$LPORT" -t "$lower" -c "$c" -P "$p" -n "$n" -d "$VALUE_SIZE" -r "$KEYSPACE" --csv)
  echo "  \$ ${cmd[*]}"
  f0=$(stat fsyncs); b0=$(stat batches_proposed)
  out=$("${cmd[@]}" 2>/dev/null | grep "^\"$t\"")
  f1=$(stat fsyncs); b1=$(stat batches_proposed)
  IFS=, read -r _ rps avg _ p50 _ p99 _ <<<"$(tr -d '"' <<<"$out")"
  local per_batch
  per_batch=$(awk -v n="$n" -v b=$((b1 - b0)) 'BEGIN{ if (b > 0) printf "%.1f", n / b; else print "-" }')
  printf 'RESULT synod-kv %-4s clients=%-3s P=%-3s %9.0f req/s  avg=%6.2fms p50=%6.2fms p99=%6.2fms  leader fsyncs=%s batches=%s cmds/batch=%s\n' \
    "$t" "$c" "$p" "$rps" "$avg" "$p50" "$p99" $((f1 - f0)) $((b1 - b0)) "$per_batch"
  ROWS+=("| synod-kv | $t | $c | $p | $(printf '%.0f' "$rps") | $p50 | $p99 | $per_batch |")
}

run SET 16 1 "$N1"
run SET 50 1 "$N1"
run SET 64 1 "$N1"
run SET 50 16 "$N16"
run GET 50 1 "$N1"
run GET 50 16 "$N16"

for i in 1 2 3; do
  echo "  node $i: $(redis-cli -p $((CLIENT_PORT0 + i - 1)) INFO | tr -d '\r' | grep -E '^(role|commit_index|applied_index|keys):' | tr '\n' ' ')"
done
for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()
log "synod-kv cluster stopped"

if [[ $ETCD == 1 ]]; then
  log "etcd baseline: $ETCD_SCRIPT (DURATION=$ETCD_DURATION PUT_CONNS='16 64')"
  DURATION=$ETCD_DURATION PUT_CONNS="16 64" bash "$ETCD_SCRIPT" 2>&1 | tee "$RUN/etcd.out" | grep -E '^(RESULT|VERIFY|SUMMARY|etcd-put)|\$ wrk|disk:' || true
  while read -r line; do
    label=$(awk '{print $2}' <<<"$line")
    conns=$(sed -n 's/.*conns=\([0-9]*\).*/\1/p' <<<"$line")
    rps=$(awk '{for (i = 1; i <= NF; i++) if ($(i) == "req/s") print $(i - 1)}' <<<"$line")
    p50=$(sed -n 's/.*p50= *\([0-9.]*\)ms.*/\1/p' <<<"$line")
    p99=$(sed -n 's/.*p99= *\([0-9.]*\)ms.*/\1/p' <<<"$line")
    case $label in
      put-*) ROWS+=("| etcd 3.4 | PUT | $conns | 1 | $rps | $p50 | $p99 | - |") ;;
      range-lin-*) ROWS+=("| etcd 3.4 | RANGE (linearizable) | $conns | 1 | $rps | $p50 | $p99 | - |") ;;
    esac
  done < <(grep '^RESULT' "$RUN/etcd.out" | grep -vE 'warmup|seed-read')
fi

echo
echo "| system | op | clients | pipeline | req/s | p50 ms | p99 ms | commands per log entry |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
