#!/usr/bin/env bash
# handshake_test.sh SYNOD_KV - peers with a different cluster id are refused (and logged, and
# counted); with matching ids the same two nodes form a cluster. Kills its children by PID.
set -uo pipefail
BIN=$1
ROOT=$(mktemp -d /tmp/synod-kv-handshake-test.XXXXXX)
PIDS=()
OK=0
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if ((OK)); then rm -rf "$ROOT"; else for f in "$ROOT"/*.log; do echo "== $f"; tail -n 15 "$f"; done; fi
}
trap cleanup EXIT
read -r -a P < <(python3 "$(dirname "$0")/free_ports.py" 4)
C="1=127.0.0.1:${P[0]},2=127.0.0.1:${P[1]}"
start() {  # start ID CLUSTER_ID
  "$BIN" --id "$1" --cluster "$C" --client-port "${P[$(($1 + 1))]}" --data "$ROOT/d$1" --cluster-id "$2" \
    >>"$ROOT/n$1.log" 2>&1 &
  PIDS[$1]=$!
}
field() { redis-cli -p "${P[$(($1 + 1))]}" INFO 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }
fail() { echo "FAIL $*"; exit 1; }

start 1 aaaa
start 2 bbbb
sleep 1.5
for i in 1 2; do
  [[ "$(field $i handshakes_refused)" -ge 1 ]] || fail "node $i did not count a refused handshake"
  [[ "$(field $i role)" != leader ]] || fail "node $i became leader without its peer"
done
grep -q "wrong cluster id" "$ROOT/n1.log" || fail "node 1 did not log the refusal"
grep -q "wrong cluster id" "$ROOT/n2.log" || fail "node 2 did not log the refusal"
echo "ok   mismatched cluster ids refused, logged, no leader"

kill -KILL "${PIDS[2]}"; wait "${PIDS[2]}" 2>/dev/null
start 2 aaaa
leader=""
for _ in $(seq 1 100); do
  for i in 1 2; do [[ "$(field $i role)" == leader ]] && { leader=$i; break 2; }; done
  sleep 0.1
done
[[ -n $leader ]] || fail "no leader after fixing the cluster id"
[[ "$(redis-cli -p "${P[$((leader + 1))]}" SET k v)" == OK ]] || fail "write failed"
echo "ok   matching cluster ids: node $leader leads, writes commit"
OK=1
echo PASS
