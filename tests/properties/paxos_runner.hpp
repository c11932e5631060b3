// paxos_runner.hpp - runs a schedule against real Basic Paxos kernel nodes.
//
// The nodes (every node a proposer, acceptor and learner) run in
// tests/paxos/driver.hpp's Driver with automatic persistence off: a node's
// persistent state becomes durable only at a `persist` event, so a crash can
// lose what was not yet persisted. Partitions are applied here: a message
// delivered across a cut link is lost. After every event the shared
// predicates of checker/include/synod/check/paxos_invariants.hpp are checked
// for the node the event touched, and the driver's own durability checks
// (reported as "DriverContract: ...") must stay silent.
//
// A `propose` event makes node `node` propose value*8+node (so proposals from
// different nodes differ), if it has no value of its own yet; node 0 means
// node 1.
//
// With Schedule::liveness, the events are followed by good conditions: all
// links healed, crashed nodes restarted, persistence automatic, every node
// that has not learned proposes, then every node ticks and every message is
// delivered each round. Every node must learn within kPaxosLearnRounds
// rounds (the proposers' randomized backoff separates dueling proposers).
#pragma once

#include "schedule.hpp"

namespace synod::props {

inline constexpr std::size_t kPaxosLearnRounds = 500;
// The first value proposed in the liveness phase (node id added).
inline constexpr std::uint64_t kPaxosLivenessValue = 1'000'000'000ull;

Outcome run_paxos(const Schedule& s);

}  // namespace synod::props
