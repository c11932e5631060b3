// synod/trace/run.hpp - runs a schedule (synod/trace/trace.hpp) on the
// simulation core with the protocol's adapter and the kernel capacities the
// schedule names, checking the shared invariants after every event.
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
#pragma once

#include <cstddef>
#include <cstdint>

#include "synod/trace/trace.hpp"

namespace synod::trace {

inline constexpr std::size_t kRaftLeaderRounds = 400;
inline constexpr std::size_t kRaftCommitRounds = 200;
inline constexpr std::size_t kRaftLivenessProposals = 3;
inline constexpr std::size_t kPaxosLearnRounds = 500;
inline constexpr std::uint64_t kPaxosLivenessValue = 1'000'000'000;
// A round of good conditions delivers at most this many messages.
inline constexpr std::size_t kDeliveriesPerRound = 20'000;

Outcome run(const Schedule& s);

}  // namespace synod::trace
