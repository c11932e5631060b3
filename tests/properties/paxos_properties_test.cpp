// Paxos properties: random fault schedules against real kernel nodes - 1 to
// 5 nodes with every role, or 1 to 5 dedicated acceptors with one or two
// proposers - the shared safety predicates after every event, progress
// after a heal.
#include "prop_support.hpp"

namespace synod::props {
namespace {

// The CI budget: cases per property with a fixed seed (docs/testing.md).
constexpr int kPaxosSafetyCases = 3000;
constexpr int kPaxosCompetingCases = 8000;
constexpr int kPaxosLivenessCases = 2000;

Mix paxos_mix() {
  Mix m;
  m.start_round = 3;
  m.propose = 4;
  m.settle = 2;
  return m;
}

// At most one value chosen, chosen values were proposed, learners learn only
// the chosen value and agree, one value per ballot, promises never fall (nor
// across a restart) - after every one of up to 2000 steps.
TEST(PropPaxos, SafetyUnderFaults) {
  check_property(kPaxosSafetyCases, {}, [](Cases& cases) {
    cases.expect_ok(*gen_schedule("paxos", paxos_mix(), 20, false), {"test"});
  });
}

// Competing proposers: a proposer's round is delivered part way, it is
// crashed or cut off, and a rival starts a higher round that must adopt
// whatever may have been chosen.
Mix story_noise() {
  Mix m;
  m.tick = 4;
  m.deliver = 10;
  m.drop = 2;
  m.duplicate = 2;
  m.persist = 6;
  m.start_round = 2;
  m.propose = 1;
  m.crash = 1;
  m.restart = 1;
  m.partition = 0;
  m.heal = 0;
  return m;
}

TEST(PropPaxos, CompetingProposers) {
  check_property(kPaxosCompetingCases, {.max_vacuous = 0.1}, [](Cases& cases) {
    cases.expect_ok(*gen_story("paxos", story_noise(), 6, false), {"test"});
  });
}

// The same faults, then good conditions: once the proposers' backoff has
// run, every node learns the (one) chosen value.
TEST(PropPaxos, LivenessAfterHeal) {
  check_property(kPaxosLivenessCases, {}, [](Cases& cases) {
    cases.expect_ok(*gen_schedule("paxos", paxos_mix(), 5, true), {"test"});
  });
}

}  // namespace
}  // namespace synod::props
