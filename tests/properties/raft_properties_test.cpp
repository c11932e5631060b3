// Raft properties: random fault schedules against real kernel nodes on 1 to
// 5 nodes, each run with 4 entries per AppendEntries (the "test" kernel)
// and with 1, the shared safety predicates after every event, liveness
// after a heal.
#include "prop_support.hpp"

namespace synod::props {
namespace {

// The CI budget: cases per property with a fixed seed (docs/testing.md).
constexpr int kRaftSafetyCases = 3000;
constexpr int kRaftChurnCases = 2000;
constexpr int kRaftConflictCases = 8000;
constexpr int kRaftLivenessCases = 1500;
constexpr int kRaftReadCases = 2000;
constexpr int kRaftSnapshotCases = 2000;

// Both message-size limits (cluster.kernel): four entries per
// AppendEntries, and one.
constexpr auto kBoth = {"test", "test-1"};

Mix raft_mix() {
  Mix m;
  m.campaign = 2;
  m.heartbeat = 3;
  m.settle = 2;
  m.lease = 1;
  m.transfer = 1;
  m.read = 2;
  return m;
}

// Election Safety, Leader Append-Only, Log Matching, Leader Completeness,
// State Machine Safety, commit index monotone and within the log - after
// every one of up to 2000 steps of ticks, timer firings, deliveries in any
// order, drops, duplicates, partitions, crashes losing unpersisted state,
// restarts and proposals.
TEST(PropRaft, SafetyUnderFaults) {
  check_property(kRaftSafetyCases, {}, [](Cases& cases) {
    cases.expect_ok(*gen_schedule("raft", raft_mix(), 20, false), kBoth);
  });
}

// Leader churn: frequent elections, crashes and restarts, proposals to the
// leader, few lost messages - the schedules where a new leader meets entries
// of earlier terms (Figure 8, §5.4.2) and stale leaders meet newer followers.
// Settle bursts let the votes (held until persisted) arrive, so that most
// cases elect leaders rather than only start elections.
Mix churn_mix() {
  Mix m;
  m.tick = 4;
  m.campaign = 10;
  m.heartbeat = 4;
  m.deliver = 20;
  m.drop = 1;
  m.duplicate = 1;
  m.partition = 4;
  m.heal = 2;
  m.crash = 1;
  m.restart = 2;
  m.persist = 20;
  m.propose = 10;
  m.settle = 4;
  m.lease = 3;
  m.transfer = 2;
  m.read = 3;
  return m;
}

TEST(PropRaft, SafetyUnderLeaderChurn) {
  check_property(kRaftChurnCases, {}, [](Cases& cases) {
    cases.expect_ok(*gen_schedule("raft", churn_mix(), 5, false), kBoth);
  });
}

// Conflicting suffixes (Figure 7): a leader takes proposals and replicates
// part of them, is crashed or cut off with a minority, the majority elects
// another leader that appends entries of its own at the same indices, and
// the heal makes the new leader overwrite the old suffixes - entries of
// several terms, followers many entries behind, appends that carry only part
// of the gap. Most runs must overwrite entries, or the generator has drifted.
Mix story_noise() {
  Mix m;
  m.tick = 4;
  m.deliver = 10;
  m.drop = 2;
  m.duplicate = 2;
  m.persist = 6;
  m.propose = 2;
  m.crash = 1;
  m.restart = 1;
  m.partition = 0;
  m.heal = 0;
  return m;
}

TEST(PropRaft, ConflictingSuffixes) {
  check_property(kRaftConflictCases, {.max_vacuous = 0.1, .min_overwriting = 0.25}, [](Cases& cases) {
    cases.expect_ok(*gen_story("raft", story_noise(), 8, false), kBoth);
  });
}

// Linearizable reads (ReadIndex, lease reads when the case draws them):
// every read that completes is served at an index that covers every entry
// committed before it was invoked, through leader churn, lapsing leases
// (CheckQuorum step-downs), transfers, crashes and partitions. Reads go to
// any node, so followers forward them; a fifth of the runs at least must
// complete one, or the generator misses the point.
Mix read_mix() {
  Mix m = churn_mix();
  m.read = 12;
  m.lease = 4;
  m.transfer = 2;
  m.heartbeat = 6;
  m.tick = 6;
  m.settle = 8;  // quorums must form for reads to complete
  return m;
}

TEST(PropRaft, LinearizableReads) {
  check_property(kRaftReadCases, {.min_reading = 0.2}, [](Cases& cases) {
    cases.expect_ok(*gen_schedule("raft", read_mix(), 5, false, /*lease_reads=*/true), kBoth);
  });
}

// Log compaction and InstallSnapshot (§7): nodes compact at their applied
// index at random points (snapshots served in 1 to 3 chunks) through
// elections, crashes, partitions and lost, duplicated and reordered
// messages, so followers left behind a leader's base get snapshots, install
// them over matching or conflicting logs, and restart from snapshot + log.
// The same predicates after every event, with snapshots: what each state
// machine applied (snapshot content included) agrees with the committed
// sequence, SnapshotContent, BaseWithinCommit, SnapshotAtBase,
// SnapshotSentIsStored, FollowerHoldsMatch, the disk holding the node's
// snapshot and the bytes it names. A twentieth of the runs at least must
// deliver a snapshot.
Mix snapshot_mix() {
  Mix m = raft_mix();
  m.compact = 10;
  m.propose = 10;
  m.settle = 6;
  m.partition = 3;
  m.heal = 2;
  m.read = 1;
  return m;
}

TEST(PropRaft, SafetyWithSnapshots) {
  check_property(kRaftSnapshotCases, {.min_snapshotting = 0.05}, [](Cases& cases) {
    Schedule s = *gen_schedule("raft", snapshot_mix(), 20, false);
    s.snapshot_chunks = *uniform<std::uint32_t>(1, 4);
    cases.expect_ok(s, kBoth);
  });
}

// The same faults, then good conditions: a leader is elected and every
// proposal made to it commits on every node.
TEST(PropRaft, LivenessAfterHeal) {
  check_property(kRaftLivenessCases, {}, [](Cases& cases) {
    cases.expect_ok(*gen_schedule("raft", raft_mix(), 5, true), kBoth);
  });
}

}  // namespace
}  // namespace synod::props
