#!/usr/bin/env bash
# bench-kv-snapshot.sh - synod-kv snapshots and log compaction, measured (not a test): a 3-node
# cluster (fsync on) takes N SETs over KEYSPACE keys from redis-benchmark, with snapshots on (the
# default flags) and then off (--snapshot-entries 0 --snapshot-bytes 0), in the same run. For
# each: write throughput, then per node the bytes on disk (WAL segments + snapshot) and the RSS
# against the live data (the keys and values the state machine holds, INFO live_bytes), then the
# time from a restart of the whole cluster until a SET is acknowledged again (and until each
# process answers PING). With snapshots on, a follower is stopped while CATCHUP_N more SETs run,
# restarted, and timed until it has applied the leader's commit index (InstallSnapshot).
#
# Environment:
#   BIN=build/adapters/synod-kv   the server binary
#   N=1000000 KEYSPACE=100000 VALUE_SIZE=64   the workload (redis-benchmark -t set -r -d)
#   CLIENTS=50 PIPELINE=16        redis-benchmark -c / -P
#   CATCHUP_N=500000              SETs a stopped follower misses
#   ROUNDS=3                      throughput pairs (on, off, on, off, ...; fresh clusters): the
#                                 host is shared, so the table gives the median of each and the
#                                 ratio of each pair
#   SNAPSHOT_FLAGS=""             extra synod-kv flags for the snapshots-on cluster
#   COMMON_FLAGS="--election-ticks-min 50 --election-ticks-max 100"   flags for every node: on a
#                                 loaded 2-core host the default 150-300 ms election timeout lets a
#                                 follower starved of CPU start an election mid-run (with or without
#                                 snapshots), and redis-benchmark stops at the first -TRYAGAIN
#   CLIENT_PORT0=26481 PEER_PORT0=27101
# Only 127.0.0.1 is used; only PIDs this script started are signalled.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/adapters/synod-kv}
N=${N:-1000000}
KEYSPACE=${KEYSPACE:-100000}
VALUE_SIZE=${VALUE_SIZE:-64}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-16}
CATCHUP_N=${CATCHUP_N:-500000}
ROUNDS=${ROUNDS:-3}
SNAPSHOT_FLAGS=${SNAPSHOT_FLAGS:-}
COMMON_FLAGS=${COMMON_FLAGS:---election-ticks-min 50 --election-ticks-max 100}
CLIENT_PORT0=${CLIENT_PORT0:-26481}
PEER_PORT0=${PEER_PORT0:-27101}

[[ -x $BIN ]] || { echo "bench-kv-snapshot: $BIN not built" >&2; exit 2; }
command -v redis-benchmark >/dev/null || { echo "bench-kv-snapshot: redis-benchmark missing (apt-get install redis-tools)" >&2; exit 2; }
RUN=$(mktemp -d /tmp/synod-bench-snap.XXXXXX)
declare -A PID
stop_node() {
  local p=${PID[$1]:-}
  [[ -n $p ]] || return 0
  kill -TERM "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  PID[$1]=""
}
stop_cluster() { for i in 1 2 3; do stop_node "$i"; done; }
cleanup() {
  stop_cluster
  rm -rf "$RUN"
}
trap cleanup EXIT

log() { echo "[$(date +%H:%M:%S)] $*"; }
now() { date +%s.%N; }
cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}$i=127.0.0.1:$((PEER_PORT0 + i - 1))"; done
port() { echo $((CLIENT_PORT0 + $1 - 1)); }
kvinfo() { { redis-cli -p "$(port "$1")" INFO 2>/dev/null || true; } | tr -d '\r' | sed -n "s/^$2://p"; }

# start_node NAME I FLAGS...
start_node() {
  local name=$1 i=$2
  shift 2
  # shellcheck disable=SC2086
  "$BIN" --id "$i" --cluster "$cluster" --client-port "$(port "$i")" --data "$RUN/$name-node$i" $COMMON_FLAGS "$@" \
    >>"$RUN/$name-node$i.log" 2>&1 &
  PID[$i]=$!
}
find_leader() {
  LEADER=""
  for _ in $(seq 1 200); do
    for i in 1 2 3; do
      if [[ $(kvinfo "$i" role) == leader ]]; then LEADER=$i; return 0; fi
    done
    sleep 0.05
  done
  echo "bench-kv-snapshot: no leader" >&2
  exit 1
}
# wait_applied NODE INDEX: until NODE has applied INDEX.
wait_applied() {
  for _ in $(seq 1 6000); do
    local a
    a=$(kvinfo "$1" applied_index)
    [[ -n $a && $a -ge $2 ]] && return 0
    sleep 0.01
  done
  echo "bench-kv-snapshot: node $1 did not apply $2" >&2
  exit 1
}
set_rps() {  # set_rps N: redis-benchmark SETs on the leader, prints req/s
  local out
  find_leader
  out=$(redis-benchmark -h 127.0.0.1 -p "$(port "$LEADER")" -t set -c "$CLIENTS" -P "$PIPELINE" -n "$1" -d "$VALUE_SIZE" \
    -r "$KEYSPACE" --csv 2>&1 || true)
  if ! grep -q '^"SET"' <<<"$out"; then
    echo "bench-kv-snapshot: redis-benchmark failed on node $LEADER: $(tail -3 <<<"$out")" >&2
    exit 1
  fi
  grep '^"SET"' <<<"$out" | tr -d '"' | cut -d, -f2
}
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
mib() { awk -v b="$1" 'BEGIN{printf "%.1f", b / 1048576}'; }

declare -A RPS DISK RSS HWM RSS0 LIVE RESTART PING
# measure NAME FLAGS...: fresh cluster, N SETs, disk/RSS per node, restart-to-serving.
measure() {
  local name=$1
  shift
  for i in 1 2 3; do start_node "$name" "$i" --quiet "$@"; done
  find_leader
  local rss0=0
  for i in 1 2 3; do
    local r
    r=$(( $(rss_kib "${PID[$i]}") * 1024 ))
    ((r > rss0)) && rss0=$r
  done
  RSS0[$name]=$rss0
  log "$name: cluster up (flags: $COMMON_FLAGS ${*:-}), leader node $LEADER, RSS of an empty node $(mib "$rss0") MiB; $N SETs over $KEYSPACE keys, -d $VALUE_SIZE -c $CLIENTS -P $PIPELINE"
  local t0 t1
  t0=$(now)
  RPS[$name]=$(set_rps "$N")
  t1=$(now)
  log "$name: ${RPS[$name]} SET/s ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s)"
  local commit
  commit=$(kvinfo "$LEADER" commit_index)
  for i in 1 2 3; do wait_applied "$i" "$commit"; done
  local worst_disk=0 worst_rss=0 worst_hwm=0 live=0
  for i in 1 2 3; do
    local dir=$RUN/$name-node$i disk rss hwm wal snap
    wal=$(cat "$dir"/wal-*.log 2>/dev/null | wc -c)
    snap=$( [[ -f $dir/snapshot ]] && wc -c <"$dir/snapshot" || echo 0)
    disk=$((wal + snap))
    rss=$(( $(rss_kib "${PID[$i]}") * 1024 ))
    hwm=$(( $(hwm_kib "${PID[$i]}") * 1024 ))
    live=$(kvinfo "$i" live_bytes)
    echo "  node $i: $(kvinfo "$i" role), keys $(kvinfo "$i" keys), live data $(mib "$live") MiB; WAL $(mib "$wal") MiB in $(ls "$dir"/wal-*.log | wc -l) segment(s) + snapshot $(mib "$snap") MiB = $(mib "$disk") MiB on disk ($(awk -v d="$disk" -v l="$live" 'BEGIN{printf "%.2f", d / l}')x live); RSS $(mib "$rss") MiB ($(awk -v d="$rss" -v l="$live" 'BEGIN{printf "%.2f", d / l}')x live; peak $(mib "$hwm") MiB); snapshots taken $(kvinfo "$i" snapshots_taken), log entries in memory $(kvinfo "$i" log_entries_in_memory), last snapshot $(kvinfo "$i" last_snapshot_ms) ms"
    ((disk > worst_disk)) && worst_disk=$disk
    ((rss > worst_rss)) && worst_rss=$rss
    ((hwm > worst_hwm)) && worst_hwm=$hwm
  done
  DISK[$name]=$worst_disk
  RSS[$name]=$worst_rss
  HWM[$name]=$worst_hwm
  LIVE[$name]=$live

  # Restart of the whole cluster: until each process answers PING, and until a SET is acknowledged.
  stop_cluster
  t0=$(now)
  for i in 1 2 3; do start_node "$name" "$i" --quiet "$@"; done
  local up=0
  for _ in $(seq 1 3000); do
    up=0
    for i in 1 2 3; do [[ $(redis-cli -p "$(port "$i")" PING 2>/dev/null) == PONG ]] && up=$((up + 1)); done
    ((up == 3)) && break
    sleep 0.005
  done
  t1=$(now)
  PING[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
  for _ in $(seq 1 3000); do
    local reply=""
    for i in 1 2 3; do
      reply=$(redis-cli -p "$(port "$i")" SET restart-probe 1 2>/dev/null || true)
      [[ $reply == OK ]] && break
    done
    [[ $reply == OK ]] && break
    sleep 0.005
  done
  t1=$(now)
  RESTART[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
  log "$name: restart of the whole cluster: every node answers PING after ${PING[$name]} s, a SET is acknowledged after ${RESTART[$name]} s"
}

# throughput NAME FLAGS...: a fresh cluster, N SETs, req/s appended to TPUT[NAME].
declare -A TPUT
throughput() {
  local name=$1 rps
  shift
  rm -rf "$RUN/$name"-node?
  for i in 1 2 3; do start_node "$name" "$i" --quiet "$@"; done
  find_leader
  rps=$(set_rps "$N")
  TPUT[$name]+="$rps "
  log "$name: $rps SET/s (a throughput round)"
  stop_cluster
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

log "host: $(nproc) cpus, load avg $(cut -d' ' -f1-3 /proc/loadavg), $(redis-benchmark --version | head -1)"
# shellcheck disable=SC2086
measure on $SNAPSHOT_FLAGS

# A follower misses CATCHUP_N SETs, then catches up (InstallSnapshot + the suffix).
find_leader
FOLLOWER=$((LEADER % 3 + 1))
stop_node "$FOLLOWER"
log "on: follower node $FOLLOWER stopped; $CATCHUP_N SETs without it"
set_rps "$CATCHUP_N" >/dev/null
commit=$(kvinfo "$LEADER" commit_index)
t0=$(now)
# shellcheck disable=SC2086
start_node on "$FOLLOWER" --quiet $SNAPSHOT_FLAGS
wait_applied "$FOLLOWER" "$commit"
t1=$(now)
CATCHUP=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
log "on: follower node $FOLLOWER applied the leader's commit index $commit $CATCHUP s after its start: snapshots installed $(kvinfo "$FOLLOWER" snapshots_installed), chunks received $(kvinfo "$FOLLOWER" snapshot_chunks_received), keys $(kvinfo "$FOLLOWER" keys)"
stop_cluster

measure off --snapshot-entries 0 --snapshot-bytes 0
stop_cluster
TPUT[on]="${RPS[on]} "
TPUT[off]="${RPS[off]} "
for ((r = 2; r <= ROUNDS; r++)); do
  # Alternate which goes first, so a trend in the host's load favours neither.
  if ((r % 2 == 0)); then
    throughput off --snapshot-entries 0 --snapshot-bytes 0
    # shellcheck disable=SC2086
    throughput on $SNAPSHOT_FLAGS
  else
    # shellcheck disable=SC2086
    throughput on $SNAPSHOT_FLAGS
    throughput off --snapshot-entries 0 --snapshot-bytes 0
  fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
echo
echo "$N SETs over $KEYSPACE keys (value $VALUE_SIZE B, $CLIENTS clients, pipeline $PIPELINE), 3 nodes, fsync on; worst node:"
echo
echo "| snapshots | SET/s (median of $ROUNDS) | live data | disk (WAL + snapshot) | disk / live | RSS (peak) | (RSS - empty node) / live | restart until PING | restart until a SET is acked |"
echo "|---|---|---|---|---|---|---|---|---|"
for name in on off; do
  echo "| $name | $(median "${TPUT[$name]}") | $(mib "${LIVE[$name]}") MiB | $(mib "${DISK[$name]}") MiB | $(ratio "${DISK[$name]}" "${LIVE[$name]}") | $(mib "${RSS[$name]}") MiB ($(mib "${HWM[$name]}")) | $(ratio $((RSS[$name] - RSS0[$name])) "${LIVE[$name]}") (empty node $(mib "${RSS0[$name]}") MiB) | ${PING[$name]} s | ${RESTART[$name]} s |"
done
echo
on_all=(${TPUT[on]})
off_all=(${TPUT[off]})
pairs=""
for ((k = 0; k < ${#on_all[@]}; k++)); do pairs+="$(ratio "${on_all[$k]}" "${off_all[$k]}") "; done
echo "SET/s over $ROUNDS rounds: on ${TPUT[on]}(median $(median "${TPUT[on]}")), off ${TPUT[off]}(median $(median "${TPUT[off]}"))"
echo "Throughput with snapshots on / off: median $(ratio "$(median "${TPUT[on]}")" "$(median "${TPUT[off]}")"); per round: $pairs"
echo "Follower that missed $CATCHUP_N SETs: caught up $CATCHUP s after its start"
