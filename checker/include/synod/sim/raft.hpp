// synod/sim/raft.hpp - Raft's adapter to the simulation core
// (synod/sim/cluster.hpp): how a node is built and restarted, how its
// persist requests reach its disk, what the harness does after each input
// (apply committed entries, take completed reads), and which checks of
// raft_invariants.hpp run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "synod/check/raft_invariants.hpp"
#include "synod/raft/node.hpp"
#include "synod/sim/cluster.hpp"

namespace synod::sim {

// The kernel capacities of the scenario tests, the property tests and
// "test" traces: room for long schedules on up to 7 nodes.
struct RaftTestConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 7;
  static constexpr std::size_t max_entries_per_message = 4;
  static constexpr std::size_t log_capacity = 512;
  static constexpr std::size_t outbox_capacity = 32;
};

// Ghost capacities: leaders (one per term), committed entries and read ids
// a long schedule can reach.
template <class Config, std::size_t MaxLeaders = 4096, std::size_t MaxCommitted = 2 * Config::log_capacity,
          std::size_t MaxReads = 4096>
struct RaftProtocol {
  using Node = raft::Node<Config>;
  using Message = raft::Message<Config>;
  using Options = raft::Options;
  using Entry = raft::Entry<typename Config::Payload>;
  using History = check::raft_invariants::History<typename Config::Payload, MaxLeaders, MaxCommitted, MaxReads>;
  using Violation = check::raft_invariants::Violation;
  using Result = raft::InputResult;
  static constexpr Result lost = raft::InputResult::ignored;  // the node was down or cut off
  static constexpr Result overflow = raft::InputResult::overflow;
  static constexpr Violation persist_ignored = Violation::history_full;  // the disk is full

  // Stable storage: written only through the node's persist requests and
  // its compactions. The stored snapshot (index 0: none) is at the log's
  // base; its bytes, the state machine it holds, are the ones the ghost
  // recorded when some node took it (History::snapshot_content): the
  // application keeps the chunks a node accepts, and check_send checks that
  // an InstallSnapshot names the snapshot its sender stores, so the bytes
  // a receiver gets are that snapshot's.
  //
  // The application's side of a snapshot lives here too: `received` is the
  // last chunk of the last snapshot the node received whole (the
  // application keeps the chunks Node::accepted_chunk names, and sets a
  // completed snapshot aside for the persist request that installs it; a
  // transfer still in progress does not touch it), and (content_index, content_term) names the snapshot
  // whose bytes the stored one holds: its own for a compaction, the
  // received one's for an install. They must name the stored snapshot
  // (check_node, and the model's step check): a persist request that asks
  // to store, as received, a snapshot the node did not receive fails
  // SnapshotContent.
  struct Disk {
    raft::HardState hard_state{};
    typename Node::LogT log{};
    raft::SnapshotInfo snapshot{};
    raft::SnapshotChunk received{};
    raft::Index content_index = 0;
    raft::Term content_term = 0;
    friend bool operator==(const Disk&, const Disk&) = default;
  };
  // The entries this node's state machine applied, in order (an installed
  // or restored snapshot's content first), and the reads it completed
  // (ReadIndex), in the order they completed.
  struct Local {
    std::vector<Entry> applied;
    std::vector<raft::ReadState> reads;
  };

  static Node make(const Options& o) { return Node(o); }
  static Node restart(const Options& o, const Disk& d) {
    return Node::restart(o, d.hard_state, d.log, d.snapshot.chunks);
  }
  static Result step(Node& n, const Message& m) { return n.step(m); }
  static Result tick(Node& n) { return n.tick(); }

  static bool needs_persist(const Node& n) { return !n.persist_request().empty() || n.held_messages() != 0; }
  // The disk stores the received snapshot (if any: see store_snapshot),
  // drops every entry from the request's first index on, then writes
  // [first, last]. The seeded lossy-disk fault loses the hard state (term
  // and vote) while the node is told it is durable.
  static bool persist(Node& n, Disk& d, bool lossy) {
    const raft::PersistRequest req = n.persist_request();
    if (req.hard_state_changed && !lossy) d.hard_state = req.hard_state;
    if (req.has_snapshot()) {  // the chunks the node accepted become the stored snapshot
      store_snapshot(d, {req.snapshot_index, req.snapshot_term, n.snapshot().chunks});
      d.content_index = d.received.last ? d.received.index : 0;
      d.content_term = d.received.last ? d.received.term : 0;
    }
    d.log.truncate_after(req.first - 1);
    for (raft::Index k = req.first; k <= req.last; ++k)
      if (!d.log.append(n.log().at(k))) return false;
    (void)n.persisted(req);
    return true;
  }
  // The snapshot becomes the stored one and the disk log's base moves
  // there: stored entries after it stay when the stored entry at its index
  // has its term, else every stored entry goes.
  static void store_snapshot(Disk& d, const raft::SnapshotInfo& s) {
    d.snapshot = s;
    if (s.index > check::raft_invariants::base_of(d.log) && s.index <= d.log.last_index() &&
        d.log.term_at(s.index) == s.term) {
      d.log.compact(s.index);
    } else if (!(s.index == check::raft_invariants::base_of(d.log) && d.log.term_at(s.index) == s.term)) {
      d.log.reset(s.index, s.term);
    }
  }
  // The application snapshots its state machine at `upto` (its applied
  // index, or any index: the kernel must refuse one it has not applied),
  // stores it, and tells the node (Node::compact). False: the node refused.
  static bool compact(Node& n, Disk& d, raft::Index upto, std::uint32_t chunks) {
    if (n.compact(upto, chunks) == raft::InputResult::ignored) return false;
    store_snapshot(d, n.snapshot());
    d.content_index = n.snapshot().index;
    d.content_term = n.snapshot().term;
    return true;
  }
  // After a step: the application keeps the chunk the node accepted, if
  // any; a last chunk completes a snapshot, set aside to be installed.
  static void keep_chunk(const Node& n, Disk& d) {
    if (const raft::SnapshotChunk* c = n.accepted_chunk(); c != nullptr && c->last) d.received = *c;
  }
  // The stored snapshot's bytes are the snapshot it names.
  static Violation check_stored(const Disk& d) {
    return d.content_index == d.snapshot.index && d.content_term == d.snapshot.term ? Violation::none
                                                                                  : Violation::snapshot_content;
  }
  // The state machine applies what is newly committed, and says so; after
  // the node installed (or restarted from) a snapshot it becomes that
  // snapshot's content first. What it applied is checked against the
  // committed sequence (State Machine Safety); the client takes the
  // completed reads, each checked against the ghost (LinearizableRead) as
  // it is taken.
  static Violation collect(const Node& n, Local& l, const History& h) {
    Violation v = Violation::none;
    if (l.applied.size() < n.snapshot().index) {  // a snapshot replaced the state machine
      const auto* content = h.snapshot_content(n.snapshot().index, n.snapshot().term);
      if (content == nullptr || content->size() != n.snapshot().index) return Violation::snapshot_content;
      l.applied.assign(content->begin(), content->end());
    }
    for (raft::Index i = n.applied_index() + 1; i <= n.commit_index(); ++i) l.applied.push_back(n.log().at(i));
    v = h.check_applied(l.applied);
    for (const raft::ReadState& r : n.read_states()) {
      l.reads.push_back(r);
      if (v == Violation::none) v = h.check_read(r);
    }
    return v;
  }
  static void acknowledge(Node& n) {
    (void)n.applied(n.commit_index());
    n.clear_read_states();
  }

  static Violation check_node(const Node& n, const Disk& d) {
    if (const Violation v = check::raft_invariants::check_node(n); v != Violation::none) return v;
    const raft::Index base = check::raft_invariants::base_of(d.log);
    if (d.snapshot.index != base || d.snapshot.term != d.log.term_at(base)) return Violation::durable_not_on_disk;
    if (const Violation v = check_stored(d); v != Violation::none) return v;
    return check::raft_invariants::check_disk(n, d.log);
  }
  static Violation check_step(const Node& before, const Node& after) {
    return check::raft_invariants::check_step(before, after);
  }
  static Violation check_send(NodeId, const Message& m, const Disk& d) {
    return check::raft_invariants::check_send(m, d.hard_state, d.log);
  }
  static Violation check_restart(const Node&, const Disk&) { return Violation::none; }
  // LeaseRespected around one delivery (raft_invariants::lease_mark).
  using DeliveryMark = check::raft_invariants::LeaseMark;
  static DeliveryMark mark_delivery(const Node& before, const Message& m) {
    return check::raft_invariants::lease_mark(before, m);
  }
  static Violation check_delivery(const DeliveryMark& mark, const Message& m, const Node& after,
                                  std::span<const Message> sent) {
    return check::raft_invariants::lease_check(mark, m, after, sent);
  }
  // TransferTargetUpToDate for every message on its way: in flight, or
  // held by an up node. disks[id] is node id's (index 0 unused).
  static Violation check_messages(std::span<const Message> network, std::span<const Node* const> up,
                                  std::span<const Disk> disks) {
    const auto check = [&](const Message& m) {
      if (m.type != raft::MessageType::timeout_now || m.to < 1 || m.to >= disks.size()) return Violation::none;
      return check::raft_invariants::check_transfer(m, disks[m.to].hard_state, disks[m.to].log);
    };
    for (const Message& m : network)
      if (const Violation v = check(m); v != Violation::none) return v;
    for (const Node* n : up)
      for (const Message& m : n->held())
        if (const Violation v = check(m); v != Violation::none) return v;
    return Violation::none;
  }
  static Violation check_cluster(const History& h, std::span<const Node* const> up) { return h.check_cluster(up); }
  static const char* name(Violation v) { return check::raft_invariants::to_string(v); }
};

// The leader with the highest term among the up nodes of `c` (a
// sim::Cluster of RaftProtocol), if any.
template <class Cluster>
std::optional<NodeId> leader(const Cluster& c) {
  std::optional<NodeId> best;
  for (NodeId id = 1; id <= c.size(); ++id) {
    if (!c.up(id) || c.node(id).role() != raft::Role::leader) continue;
    if (!best || c.node(id).term() > c.node(*best).term()) best = id;
  }
  return best;
}

// Options for node `id` of an n-node cluster, from `base` and a seed.
inline raft::Options raft_options(raft::Options base, NodeId id, std::size_t n, std::uint64_t seed) {
  base.id = id;
  base.cluster_size = static_cast<std::uint8_t>(n);
  base.seed = seed * 1000003u + id;
  return base;
}

}  // namespace synod::sim
