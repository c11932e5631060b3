// Raft properties: random fault schedules against real kernel nodes, the
// shared safety predicates after every event, liveness after a heal.
#include "prop_support.hpp"

namespace synod::props {
namespace {

// The CI budget: cases per property with a fixed seed (docs/testing.md).
constexpr int kRaftSafetyCases = 300;
constexpr int kRaftLivenessCases = 200;

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
