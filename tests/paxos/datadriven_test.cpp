// Runs the Paxos scenario files (testdata/*.txt): one test per file. See
// scenario.hpp for the commands and synod/sim/datadriven.hpp for the format.
#include <synod/sim/datadriven_main.hpp>

#include "scenario.hpp"

int main(int argc, char** argv) {
  return synod::sim::datadriven::scenario_main<synod::paxos::test::PaxosScenario>(argc, argv, "PaxosScenario",
                                                                                  SYNOD_SCENARIO_DIR);
}
