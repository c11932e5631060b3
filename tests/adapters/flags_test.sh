#!/usr/bin/env bash
# flags_test.sh SYNOD_KV - --help documents every flag; bad flags exit 2 with a clear message;
# a corrupt data directory exits non-zero naming the file and offset.
set -uo pipefail
BIN=$1
fails=0
check() {  # check DESCRIPTION EXPECTED_STATUS PATTERN -- ARGS...
  local desc=$1 want=$2 pat=$3; shift 4
  local out status
  out=$(timeout 10 "$BIN" "$@" 2>&1); status=$?
  if [[ $status -ne $want ]]; then echo "FAIL $desc: exit $status, want $want: $out"; fails=$((fails + 1)); return; fi
  if ! grep -qE -- "$pat" <<<"$out"; then echo "FAIL $desc: output lacks /$pat/: $out"; fails=$((fails + 1)); return; fi
  echo "ok   $desc"
}
C=1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003
help=$("$BIN" --help)
for f in --id --cluster --client-port --data --client-host --advertise-client --cluster-id --tick-ms \
         --election-ticks-min --election-ticks-max --heartbeat-ticks --max-batch-bytes --pre-vote --no-pre-vote \
         --check-quorum --no-check-quorum --read-mode --read-timeout-ms SYNOD.TRANSFER --no-fsync --quiet --version \
         --snapshot-entries --snapshot-bytes --snapshot-chunk-bytes; do
  grep -q -- "$f" <<<"$help" || { echo "FAIL --help does not document $f"; fails=$((fails + 1)); }
done
check "--help exits 0"        0 "--cluster" -- --help
check "--version exits 0"     0 "^synod-kv [0-9]" -- --version
check "no flags"              2 "required"  --
check "unknown flag"          2 "--bogus"   -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --bogus
check "id not in cluster"     2 "--id 4 is not a member" -- --id 4 --cluster $C --client-port 6381 --data /tmp/x
check "bad cluster entry"     2 "not ID=HOST:PORT" -- --id 1 --cluster 1=127.0.0.1:7001,foo --client-port 6381 --data /tmp/x
check "bad cluster port"      2 "bad port"  -- --id 1 --cluster 1=127.0.0.1:99999 --client-port 6381 --data /tmp/x
check "cluster ids not 1..N"  2 "missing 2" -- --id 1 --cluster 1=127.0.0.1:7001,3=127.0.0.1:7003 --client-port 6381 --data /tmp/x
check "duplicate id"          2 "appears twice" -- --id 1 --cluster 1=127.0.0.1:7001,1=127.0.0.1:7002 --client-port 6381 --data /tmp/x
check "hostname not IP"       2 "not an IP address" -- --id 1 --cluster 1=localhost:7001 --client-port 6381 --data /tmp/x
check "client port range"     2 "client-port" -- --id 1 --cluster $C --client-port 70000 --data /tmp/x
check "non-numeric id"        2 "id"        -- --id one --cluster $C --client-port 6381 --data /tmp/x
check "bad election ticks"    2 "election"  -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --election-ticks-min 10 --election-ticks-max 5
check "bad read mode"         2 "--read-mode: fast not in \{readindex,lease,log\}" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --read-mode fast
check "lease without quorum"  2 "--read-mode lease needs check-quorum" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --read-mode lease --no-check-quorum
check "read timeout 0"        2 "--read-timeout-ms: Value 0 not in range" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --read-timeout-ms 0
check "read timeout not a number" 2 "--read-timeout-ms" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --read-timeout-ms soon
check "pre-vote both ways"    2 "--pre-vote excludes --no-pre-vote" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --pre-vote --no-pre-vote
check "check-quorum both ways" 2 "--check-quorum excludes --no-check-quorum" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --check-quorum --no-check-quorum
check "snapshot chunk too small" 2 "--snapshot-chunk-bytes: Value 10 not in range" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --snapshot-chunk-bytes 10
check "snapshot chunk too large" 2 "--snapshot-chunk-bytes" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --snapshot-chunk-bytes 999999999
check "snapshot entries not a number" 2 "--snapshot-entries" -- --id 1 --cluster $C --client-port 6381 --data /tmp/x --snapshot-entries often

# A data directory with mid-log corruption: refuse to start, name file and offset.
D=$(mktemp -d /tmp/synod-kv-flags-test.XXXXXX)
trap 'rm -rf "$D"' EXIT
read -r -a P < <(python3 "$(dirname "$0")/free_ports.py" 2)
"$BIN" --id 1 --cluster "1=127.0.0.1:${P[0]}" --client-port "${P[1]}" --data "$D" --quiet &
pid=$!
up=0
for _ in $(seq 1 100); do redis-cli -p "${P[1]}" SET a 1 2>/dev/null | grep -q OK && { up=1; break; }; sleep 0.1; done
acked=0
for i in $(seq 1 5); do redis-cli -p "${P[1]}" SET "k$i" "$i" 2>/dev/null | grep -q OK && acked=$((acked + 1)); done
kill -KILL $pid; wait $pid 2>/dev/null
if ((up == 0 || acked != 5)); then echo "FAIL single-node server did not acknowledge writes (up=$up acked=$acked)"; exit 1; fi
ls -l "$D"
seg="$D/wal-00000001.log"
printf '\xff' | dd of="$seg" bs=1 seek=30 conv=notrunc status=none
check "mid-log corruption"    1 "wal-00000001.log at offset 0" -- --id 1 --cluster "1=127.0.0.1:${P[0]}" --client-port "${P[1]}" --data "$D"

if ((fails)); then echo "$fails failure(s)"; exit 1; fi
echo PASS
