// synod/sim/paxos.hpp - Basic Paxos's adapter to the simulation core
// (synod/sim/cluster.hpp): how a node is built and restarted, how its
// persist requests reach its disk, what the harness does after each input
// (a learner reports its value once), and which checks of
// paxos_invariants.hpp run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "synod/check/paxos_invariants.hpp"
#include "synod/paxos/node.hpp"
#include "synod/sim/cluster.hpp"

namespace synod::sim {

// Ghost capacities: values proposed and ballots with acceptances.
template <class Config, std::size_t MaxProposals = 512, std::size_t MaxAcceptances = 8192>
struct PaxosProtocol {
  using Node = paxos::Node<Config>;
  using Message = paxos::Message<Config>;
  using Options = paxos::Options;
  using Value = typename Config::Value;
  using History = check::paxos_invariants::History<Value, MaxProposals, MaxAcceptances>;
  using Violation = check::paxos_invariants::Violation;
  using Result = paxos::InputResult;
  static constexpr Result lost = paxos::InputResult::ignored;  // the node was down or cut off
  static constexpr Result overflow = paxos::InputResult::overflow;
  static constexpr Violation persist_ignored = Violation::persist_ignored;

  // Stable storage: the persistent state as last written.
  using Disk = paxos::PersistentState<Value>;
  // How many times this node's learner reported a value (newly_learned()).
  struct Local {
    std::uint32_t reports = 0;
  };

  static Node make(const Options& o) { return Node(o); }
  static Node restart(const Options& o, const Disk& d) { return Node::restart(o, d); }
  static Result step(Node& n, const Message& m) { return n.step(m); }
  static Result tick(Node& n) { return n.tick(); }

  static bool needs_persist(const Node& n) { return !n.persist_request().empty(); }
  // The seeded lossy-disk fault loses the promise (the disk keeps the one it
  // had) while the node is told it is durable.
  static bool persist(Node& n, Disk& d, bool lossy) {
    const auto request = n.persist_request();
    Disk written = request.state;
    if (lossy) written.promised = d.promised;
    d = written;
    return n.persisted(request) != paxos::InputResult::ignored;
  }
  // A learner reports the chosen value once.
  static Violation collect(const Node& n, Local& l) {
    if (n.newly_learned() && ++l.reports > 1) return Violation::learner_reported_twice;
    return Violation::none;
  }
  static void acknowledge(Node& n) { n.clear_newly_learned(); }

  static Violation check_node(const Node& n, const Disk&) { return check::paxos_invariants::check_node(n); }
  static Violation check_step(const Node& before, const Node& after) {
    return check::paxos_invariants::check_step(before, after);
  }
  static Violation check_send(NodeId sender, const Message& m, const Disk& d) {
    return check::paxos_invariants::check_send(sender, m, d);
  }
  static Violation check_restart(const Node& n, const Disk& d) { return check::paxos_invariants::check_restart(n, d); }
  static Violation check_cluster(const History&, std::span<const Node* const>) { return Violation::none; }
  static const char* name(Violation v) { return check::paxos_invariants::to_string(v); }
};

// Whether every up learner of `c` (a sim::Cluster of PaxosProtocol) has
// learned a value.
template <class Cluster>
bool all_learned(const Cluster& c) {
  for (NodeId id = 1; id <= c.size(); ++id)
    if (c.up(id) && c.node(id).roles().learner && !c.node(id).learned()) return false;
  return true;
}

}  // namespace synod::sim
