#!/usr/bin/env bash
# redis_cli_test.sh SYNOD_KV REDIS_CLI - the synod-kv command set through the real redis-cli,
# on a 3-node cluster on 127.0.0.1 (free ports chosen by the OS). Kills its children by PID.
set -euo pipefail
BIN=$1
CLI=${2:-redis-cli}
ROOT=$(mktemp -d /tmp/synod-kv-redis-cli-test.XXXXXX)
PIDS=()
OK=0
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if ((OK)); then rm -rf "$ROOT"; else
    echo "logs kept in $ROOT"; for f in "$ROOT"/*.log; do echo "== $f"; tail -n 20 "$f"; done
  fi
}
trap cleanup EXIT

read -r -a P < <(python3 "$(dirname "$0")/free_ports.py" 6)
CLUSTER="1=127.0.0.1:${P[0]},2=127.0.0.1:${P[1]},3=127.0.0.1:${P[2]}"
for i in 1 2 3; do
  "$BIN" --id "$i" --cluster "$CLUSTER" --client-port "${P[$((i + 2))]}" --data "$ROOT/d$i" >"$ROOT/n$i.log" 2>&1 &
  PIDS+=($!)
done

fails=0
expect() {  # expect DESCRIPTION EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fails=$((fails + 1)); fi
}
port_of() { echo "${P[$(($1 + 2))]}"; }

LEADER=""
for _ in $(seq 1 100); do
  for i in 1 2 3; do
    if "$CLI" -p "$(port_of $i)" INFO 2>/dev/null | grep -q '^role:leader'; then LEADER=$i; break 2; fi
  done
  sleep 0.1
done
[[ -n $LEADER ]] || { echo "FAIL: no leader"; exit 1; }
L=$(port_of "$LEADER")
F=$(( LEADER % 3 + 1 ))
FP=$(port_of "$F")
c() { "$CLI" -p "$L" "$@" 2>&1; }

expect "PING"                 "PONG"  "$(c PING)"
expect "PING message"         "hi"    "$(c PING hi)"
expect "ECHO"                 "echo"  "$(c ECHO echo)"
expect "SET"                  "OK"    "$(c SET k1 hello)"
expect "GET"                  "hello" "$(c GET k1)"
expect "GET missing"          ""      "$(c GET nope)"
expect "GET missing (raw)"    "(nil)" "$("$CLI" -p "$L" --no-raw GET nope 2>&1)"
expect "SET binary-ish value" "OK"    "$(c SET 'key with spaces' 'value with spaces')"
expect "GET binary-ish value" "value with spaces" "$(c GET 'key with spaces')"
expect "EXISTS"               "2"     "$(c EXISTS k1 'key with spaces' nope)"
expect "INCR new"             "1"     "$(c INCR counter)"
expect "INCR again"           "2"     "$(c INCR counter)"
expect "INCR non-integer"     "ERR value is not an integer or out of range" "$(c INCR k1)"
expect "DEL"                  "2"     "$(c DEL k1 counter nope)"
expect "EXISTS after DEL"     "0"     "$(c EXISTS k1)"
expect "unknown command"      "ERR unknown command 'FLUSHALL' (synod-kv supports PING ECHO GET SET DEL EXISTS INCR INFO SYNOD.TRANSFER)" "$(c FLUSHALL)"
expect "wrong arity"          "ERR wrong number of arguments for 'get' command" "$(c GET a b)"
expect "SET options refused"  "ERR syntax error (synod-kv supports only SET key value)" "$(c SET a b EX 10)"
info=$(c INFO | tr -d '\r')
expect "INFO role"            "role:leader"            "$(grep '^role:' <<<"$info")"
expect "INFO leader_id"       "leader_id:$LEADER"      "$(grep '^leader_id:' <<<"$info")"
expect "INFO has term"        "1"                      "$(grep -c '^term:[0-9][0-9]*$' <<<"$info")"
expect "INFO has commit_index" "1"                     "$(grep -c '^commit_index:[0-9][0-9]*$' <<<"$info")"
finfo=$("$CLI" -p "$FP" INFO | tr -d '\r')
expect "follower INFO role"   "role:follower"          "$(grep '^role:' <<<"$finfo")"
expect "follower knows leader" "leader_id:$LEADER"     "$(grep '^leader_id:' <<<"$finfo")"
expect "follower redirects writes" "NOTLEADER leader $LEADER at 127.0.0.1:$L" "$("$CLI" -p "$FP" SET x y 2>&1)"
# --read-mode readindex (the default): a follower answers GET and EXISTS itself, linearizably.
expect "follower GET (ReadIndex)"    "value with spaces" "$("$CLI" -p "$FP" GET 'key with spaces' 2>&1)"
expect "follower EXISTS (ReadIndex)" "1" "$("$CLI" -p "$FP" EXISTS 'key with spaces' nope 2>&1)"
expect "follower SYNOD.TRANSFER"     "NOTLEADER leader $LEADER at 127.0.0.1:$L" "$("$CLI" -p "$FP" SYNOD.TRANSFER 1 2>&1)"
expect "SYNOD.TRANSFER bad id"       "ERR SYNOD.TRANSFER: node id must be 1..3" "$(c SYNOD.TRANSFER 4)"
expect "SYNOD.TRANSFER arity"        "ERR wrong number of arguments for 'synod.transfer' command" "$(c SYNOD.TRANSFER)"
expect "SYNOD.TRANSFER to itself"    "OK" "$(c SYNOD.TRANSFER "$LEADER")"
expect "INFO read_mode"       "read_mode:readindex"   "$(grep '^read_mode:' <<<"$info")"
expect "INFO pre_vote"        "pre_vote:1"            "$(grep '^pre_vote:' <<<"$info")"
expect "INFO check_quorum"    "check_quorum:1"        "$(grep '^check_quorum:' <<<"$info")"
# READONLY: a local (possibly stale) read on a follower, like Redis Cluster replicas.
sleep 0.2
expect "READONLY follower read" "value with spaces" "$(printf 'READONLY\nGET "key with spaces"\n' | "$CLI" -p "$FP" 2>&1 | tail -1)"
# Pipelined input through redis-cli --pipe style: many commands in one write.
b0=$(c INFO | tr -d '\r' | sed -n 's/^batches_proposed://p')
out=$(for i in $(seq 1 200); do printf '*3\r\n$3\r\nSET\r\n$%d\r\np%d\r\n$%d\r\n%d\r\n' $((${#i} + 1)) "$i" ${#i} "$i"; done |
      "$CLI" -p "$L" --pipe 2>&1 | tail -1)
expect "200 SETs via redis-cli --pipe" "errors: 0, replies: 200" "$out"
b1=$(c INFO | tr -d '\r' | sed -n 's/^batches_proposed://p')
batches=$((b1 - b0))
if ((batches <= 20)); then echo "ok   200 pipelined SETs took $batches log entries"; else
  echo "FAIL 200 pipelined SETs took $batches log entries (want <= 20)"; fails=$((fails + 1)); fi
expect "pipelined value"     "137"   "$(c GET p137)"

if ((fails)); then echo "$fails failure(s)"; exit 1; fi
OK=1
echo PASS
