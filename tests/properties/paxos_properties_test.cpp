// Paxos properties: random fault schedules against real kernel nodes, the
// shared safety predicates after every event, progress after a heal.
#include "prop_support.hpp"

namespace synod::props {
namespace {

// The CI budget: cases per property with a fixed seed (docs/testing.md).
constexpr int kPaxosSafetyCases = 600;
constexpr int kPaxosLivenessCases = 300;

Mix paxos_mix() {
  Mix m;
  m.start_round = 3;
  m.propose = 4;
  return m;
}

// At most one value chosen, chosen values were proposed, learners learn only
// the chosen value and agree, one value per ballot, promises never fall (nor
// across a restart) - after every one of up to 2000 events.
TEST(PropPaxos, SafetyUnderFaults) {
  check_property(kPaxosSafetyCases, [](const std::string& trace) {
    const Schedule s = *gen_schedule("paxos", paxos_mix(), 20, false);
    expect_ok(s, trace);
  });
}

// The same faults, then good conditions: once the proposers' backoff has
// run, every node learns the (one) chosen value.
TEST(PropPaxos, LivenessAfterHeal) {
  check_property(kPaxosLivenessCases, [](const std::string& trace) {
    const Schedule s = *gen_schedule("paxos", paxos_mix(), 5, true);
    expect_ok(s, trace);
  });
}

}  // namespace
}  // namespace synod::props
