// paxos_checker_replay.hpp - replays synod-check's Paxos traces
// ("format": "synod-check-trace/1", "model": "paxos") against the real kernel.
//
// The checker's Paxos model splits the roles (acceptors are ids 1..A,
// proposers-and-learners ids A+1..A+P, see checker/models/paxos_model.hpp),
// which the property runner's all-roles cluster cannot reproduce, so this
// replayer rebuilds the model's cluster from the trace's "bounds" with the
// same options (roles, acceptor and learner sets, generator seed id) and runs
// its actions, each as the model defines it:
//   deliver {node, message}   the first in-flight message equal to `message`
//                             (every field given must match) is delivered
//   propose {node, value}     a client gives the proposer `value` (absent in
//                             older traces: the model's value for that proposer)
//   timeout {node}            the proposer's retry timer fires (start_round)
//   persist {node}            its persist request is written to its disk,
//                             then reported durable (held messages leave)
//   drop / duplicate {message}  the network loses / copies that message
//   crash {node}, restart {node}  volatile state lost / rebuilt from its disk
// After every input the shared predicates of
// checker/include/synod/check/paxos_invariants.hpp are checked, as in the
// checker and the property tests, so a violation is reported under the same
// name. A step the kernel as built cannot take (no such message in flight,
// the node is down) ends the run as ReplayDiverged. The model's seeded
// harness fault `lossy_disk` (an acceptor's promise is not written to its
// disk, though reported durable) is replayed when the bounds set it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "schedule.hpp"

namespace synod::replay {

struct PaxosCheckerAction {
  std::string kind;           // deliver, propose, timeout, persist, drop, duplicate, crash, restart
  std::uint8_t node = 0;      // 1..acceptors+proposers
  nlohmann::json message;     // deliver, drop, duplicate: the message's fields
  std::uint64_t value = 0;    // propose
  std::size_t step = 0;       // the trace's step number
};

struct PaxosCheckerTrace {
  std::size_t acceptors = 3;
  std::size_t proposers = 2;
  std::size_t values = 2;
  bool lossy_disk = false;    // the model's seeded harness fault: promises never reach the disk
  std::vector<PaxosCheckerAction> actions;
};

// True for a synod-check Paxos trace (the format and model members say so).
bool is_paxos_checker_trace(const nlohmann::json& j);

// Reads one; throws std::runtime_error with a clear message on anything
// malformed (wrong format or model, bad bounds, unknown action kinds, nodes
// out of range, missing or malformed messages, values).
PaxosCheckerTrace parse_paxos_checker_trace(const nlohmann::json& j);

// One line for an action, e.g. "deliver Accept 4->1 ballot (1,4) value 1".
std::string describe(const PaxosCheckerAction& a);

// Runs it on kernel nodes; Outcome::step is the index of the action (1-based).
props::Outcome run_paxos_checker_trace(const PaxosCheckerTrace& t);

}  // namespace synod::replay
