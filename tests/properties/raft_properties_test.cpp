// Raft properties: random fault schedules against real kernel nodes, the
// shared safety predicates after every event, liveness after a heal.
#include "prop_support.hpp"

namespace synod::props {
namespace {

// The CI budget: cases per property with a fixed seed (docs/testing.md).
constexpr int kRaftSafetyCases = 600;
constexpr int kRaftLivenessCases = 300;
constexpr int kRaftChurnCases = 1000;

Mix raft_mix() {
  Mix m;
  m.campaign = 2;
  m.heartbeat = 3;
  return m;
}

// Election Safety, Leader Append-Only, Log Matching, Leader Completeness,
// State Machine Safety, commit index monotone and within the log - after
// every one of up to 2000 events of ticks, timer firings, deliveries in any
// order, drops, duplicates, partitions, crashes losing unpersisted state,
// restarts and proposals, on 3 or 5 nodes.
TEST(PropRaft, SafetyUnderFaults) {
  check_property(kRaftSafetyCases, [](const std::string& trace) {
    const Schedule s = *gen_schedule("raft", raft_mix(), 20, false);
    expect_ok(s, trace);
  });
}

// Leader churn: frequent elections, crashes and restarts, proposals to the
// leader, few lost messages - the schedules where a new leader meets entries
// of earlier terms (Figure 8, §5.4.2) and stale leaders meet newer followers.
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
  return m;
}

TEST(PropRaft, SafetyUnderLeaderChurn) {
  check_property(kRaftChurnCases, [](const std::string& trace) {
    const Schedule s = *gen_schedule("raft", churn_mix(), 5, false);
    expect_ok(s, trace);
  });
}

// The same faults, then good conditions: a leader is elected and every
// proposal made to it commits on every node.
TEST(PropRaft, LivenessAfterHeal) {
  check_property(kRaftLivenessCases, [](const std::string& trace) {
    const Schedule s = *gen_schedule("raft", raft_mix(), 5, true);
    expect_ok(s, trace);
  });
}

}  // namespace
}  // namespace synod::props
