#!/usr/bin/env bash
# kv_cluster_test.sh SYNOD_KV - tools/kv-cluster.sh: --help, start, stop says
# where the data stays, clean refuses while the cluster runs, then removes
# only what start left (a user's own file in $DATA stays).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
script=$root/tools/kv-cluster.sh
export BIN=$1
tmp=$(mktemp -d /tmp/synod-kv-cluster-test.XXXXXX)
export DATA=$tmp/cluster EXTRA_FLAGS="--no-fsync --quiet"
trap 'bash "$script" stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
# Two runs of three consecutive free ports (clients, peers) below the ephemeral range.
read -r CLIENT_PORT0 PEER_PORT0 < <(python3 - <<'PY'
import random, socket
def free(base):
    for p in range(base, base + 3):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            return False
        finally:
            s.close()
    return True
rng = random.SystemRandom()
bases = []
while len(bases) < 2:
    b = rng.randrange(20000, 32760)
    if free(b) and all(abs(b - o) >= 3 for o in bases):
        bases.append(b)
print(*bases)
PY
)
export CLIENT_PORT0 PEER_PORT0
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
expect() {  # expect DESCRIPTION STATUS PATTERN -- ARGS...
  local desc=$1 want=$2 pat=$3 out status
  shift 4
  out=$(timeout 30 bash "$script" "$@" 2>&1)
  status=$?
  if ((status != want)); then fail "$desc: exit $status, want $want: $out"; return; fi
  if ! grep -qE -- "$pat" <<<"$out"; then fail "$desc: output lacks /$pat/: $out"; return; fi
  echo "ok   $desc"
}

expect "--help"                 0 "clean" -- --help
expect "unknown command"        2 "unknown command 'bogus'" -- bogus
expect "start"                  0 "cluster up" -- start
expect "clean while running"    1 "cluster is running" -- clean
[[ -d $DATA/node1 ]] || fail "clean while running removed $DATA/node1"
expect "stop says where the data is" 0 "still in $DATA.*clean" -- stop
[[ -d $DATA/node1 && -f $DATA/node1.log ]] || fail "stop removed the data or logs"
touch "$DATA/keep.txt"
expect "clean"                  0 "removed" -- clean
for p in node1 node2 node3 node1.log node1.pid; do [[ ! -e $DATA/$p ]] || fail "clean left $DATA/$p"; done
[[ -f $DATA/keep.txt ]] || fail "clean removed a file start did not create"
rm "$DATA/keep.txt"
expect "clean an empty DATA"    0 "removed $DATA" -- clean
[[ ! -e $DATA ]] || fail "clean left the empty $DATA"
((fails == 0)) || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
