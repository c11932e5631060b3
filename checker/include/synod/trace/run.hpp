// synod/trace/run.hpp - runs a schedule (synod/trace/trace.hpp) on the
// simulation core with the protocol's adapter and the kernel capacities the
// schedule names, checking the shared invariants after every event. The one
// runner: synod-replay, the checker's trace tests and the property tests
// all run schedules through run().
//
// Persistence is explicit (a node's persist request becomes durable only at
// a `persist` event), so a crash loses what was not yet persisted and the
// messages held for it. With Schedule::liveness the events are followed by
// good conditions: links healed, crashed nodes restarted, persistence
// automatic, every node ticked and every message delivered each round; then
//   Raft:  a stable leader within kRaftLeaderRounds rounds, and
//          kRaftLivenessProposals proposals to it committed on every node
//          within kRaftCommitRounds rounds;
//   Paxos: every proposer given a value, and every node learning within
//          kPaxosLearnRounds rounds.
// Schedule::step_limit bounds that phase in simulation steps: a run that
// has not converged within it fails as kStepLimit instead of running on
// (the round bounds above allow millions of deliveries: a bug that makes
// every delivery send two messages would keep one run busy for minutes).
// The events before are bounded by the schedule's length.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synod/sim/raft.hpp"
#include "synod/trace/trace.hpp"

namespace synod::trace {

inline constexpr std::size_t kRaftLeaderRounds = 400;
inline constexpr std::size_t kRaftCommitRounds = 200;
inline constexpr std::size_t kRaftLivenessProposals = 3;
inline constexpr std::size_t kPaxosLearnRounds = 500;
inline constexpr std::uint64_t kPaxosLivenessValue = 1'000'000'000;
// A round of good conditions delivers at most this many messages.
inline constexpr std::size_t kDeliveriesPerRound = 20'000;

// The Raft kernel of cluster.kernel "test-1": the "test" kernel
// (sim::RaftTestConfig) with one entry per AppendEntries, so that every
// append to a follower more than one entry behind carries part of what it
// lacks, and a heartbeat's commit index runs ahead of what it carries.
struct RaftTestOneEntryConfig {
  using Payload = sim::RaftTestConfig::Payload;
  static constexpr std::size_t max_nodes = sim::RaftTestConfig::max_nodes;
  static constexpr std::size_t max_entries_per_message = 1;
  static constexpr std::size_t log_capacity = sim::RaftTestConfig::log_capacity;
  static constexpr std::size_t outbox_capacity = sim::RaftTestConfig::outbox_capacity;
};

Outcome run(const Schedule& s);

// `s` without the events that did nothing in `o` (its run: Outcome::effective)
// and without those after the violation: the same run, told in fewer events.
Schedule compact(const Schedule& s, const Outcome& o);

}  // namespace synod::trace
