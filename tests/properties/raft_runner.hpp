// raft_runner.hpp - runs a schedule against real Raft kernel nodes.
//
// The nodes run in tests/raft/cluster.hpp's RaftCluster with auto_persist
// off: a node's persist request becomes durable only at a `persist` event,
// so a crash can lose what was not yet persisted (and the messages held for
// it). After every event the shared predicates of
// checker/include/synod/check/raft_invariants.hpp are checked: the
// transition of the node the event touched (History::record) and the whole
// up cluster (History::check_cluster).
//
// With Schedule::liveness, the events are followed by good conditions: all
// links healed, crashed nodes restarted, persistence automatic, every node
// ticked and every message delivered each round. Then a leader must be
// elected within kLeaderRounds rounds, and proposals made to it must be
// committed on every node within kCommitRounds rounds.
#pragma once

#include "schedule.hpp"

namespace synod::props {

inline constexpr std::size_t kRaftLeaderRounds = 400;
inline constexpr std::size_t kRaftCommitRounds = 200;
inline constexpr std::size_t kRaftLivenessProposals = 3;

Outcome run_raft(const Schedule& s);

}  // namespace synod::props
