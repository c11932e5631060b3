// cluster.hpp - a deterministic in-memory Raft cluster for tests.
//
// Real kernel nodes, a network of in-flight messages that the test delivers,
// drops, duplicates or reorders, partitions, and crashes that keep only what
// the node asked to persist (each node has a Disk). Nothing here is random
// unless the test passes a seed to the helpers that say so.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include <synod/raft/node.hpp>

namespace synod::test {

struct RaftTestConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 7;
  static constexpr std::size_t max_entries_per_message = 4;
  static constexpr std::size_t log_capacity = 512;
  static constexpr std::size_t outbox_capacity = 32;
};

template <class Config = RaftTestConfig>
class RaftCluster {
 public:
  using Node = raft::Node<Config>;
  using Message = raft::Message<Config>;
  using Log = typename Node::LogT;
  using Entry = raft::Entry<typename Config::Payload>;

  // What a node's stable storage holds: written only through PersistRequests.
  struct Disk {
    raft::HardState hard_state;
    Log log;
  };

  // Optional: a function returning the process's allocation count; when set,
  // allocations made inside kernel calls are summed in kernel_allocations.
  std::uint64_t (*allocation_counter)() = nullptr;
  std::uint64_t kernel_allocations = 0;
  std::uint64_t kernel_calls = 0;

  explicit RaftCluster(std::size_t n, std::uint64_t seed = 1, raft::Options base = {})
      : base_(base), nodes_(n + 1), disks_(n + 1), applied_(n + 1), links_(n + 1, std::vector<bool>(n + 1, true)) {
    for (NodeId id = 1; id <= n; ++id) nodes_[id].emplace(options_for(id, seed));
  }

  std::size_t size() const { return nodes_.size() - 1; }
  bool up(NodeId id) const { return nodes_[id].has_value(); }
  Node& node(NodeId id) { return *nodes_[id]; }
  const Node& node(NodeId id) const { return *nodes_[id]; }
  Disk& disk(NodeId id) { return disks_[id]; }
  std::vector<Message>& network() { return network_; }
  const std::vector<Entry>& applied(NodeId id) const { return applied_[id]; }

  // When false, a node's persist request waits for persist(id); a crash in
  // between loses it (and the held messages that depended on it).
  bool auto_persist = true;

  // ---------------------------------------------------------------- inputs

  void tick(NodeId id) { call(id, [](Node& n) { (void)n.tick(); }); }
  void tick_all() {
    for (NodeId id = 1; id <= size(); ++id)
      if (up(id)) tick(id);
  }
  void campaign(NodeId id) { call(id, [](Node& n) { (void)n.campaign(); }); }
  void heartbeat(NodeId id) { call(id, [](Node& n) { (void)n.broadcast_heartbeat(); }); }

  raft::ProposeResult propose(NodeId id, typename Config::Payload p) {
    raft::ProposeResult r;
    call(id, [&](Node& n) { r = n.propose(p); });
    return r;
  }

  // Delivers network()[k] (removing it). Messages to a down node or across a
  // cut link are lost.
  void deliver(std::size_t k) {
    Message m = network_[k];
    network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(k));
    // Bogus addresses still reach the kernel (it must ignore them); only
    // real links can be cut.
    const bool addressable = m.to >= 1 && m.to <= size();
    if (!addressable || !up(m.to)) return;
    if (m.from >= 1 && m.from <= size() && !links_[m.from][m.to]) return;
    call(m.to, [&](Node& n) { (void)n.step(m); });
  }
  void drop(std::size_t k) { network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(k)); }
  void duplicate(std::size_t k) { network_.push_back(network_[k]); }

  // Delivers in FIFO order until the network is empty (or `limit` deliveries).
  std::size_t deliver_all(std::size_t limit = 100000) {
    std::size_t n = 0;
    while (!network_.empty() && n < limit) {
      deliver(0);
      ++n;
    }
    return n;
  }

  // Makes node id's pending persist request durable (when auto_persist is off).
  void persist(NodeId id) {
    if (!up(id)) return;
    const raft::PersistRequest req = node(id).persist_request();
    if (req.empty() && node(id).held_messages() == 0) return;
    write_disk(id, req);
    call_raw(id, [&](Node& n) { (void)n.persisted(req); });
    collect(id);
  }

  // Volatile state is lost; messages already sent stay in the network.
  void crash(NodeId id) { nodes_[id].reset(); }
  void restart(NodeId id, std::uint64_t seed = 99) {
    nodes_[id].emplace(Node::restart(options_for(id, seed + id), disks_[id].hard_state, disks_[id].log));
    applied_[id].clear();  // a restarted state machine re-applies from the start
  }

  // Cuts every link between the groups; heal() restores all links.
  void partition(const std::vector<std::vector<NodeId>>& groups) {
    for (auto& row : links_) std::fill(row.begin(), row.end(), false);
    for (const auto& g : groups)
      for (NodeId a : g)
        for (NodeId b : g) links_[a][b] = true;
  }
  void isolate(NodeId id) {
    for (NodeId other = 1; other <= size(); ++other) links_[id][other] = links_[other][id] = (other == id);
  }
  void heal() {
    for (auto& row : links_) std::fill(row.begin(), row.end(), true);
  }

  // ------------------------------------------------------------- observers

  // The leader with the highest term among up nodes, if any.
  std::optional<NodeId> leader() const {
    std::optional<NodeId> best;
    for (NodeId id = 1; id <= size(); ++id) {
      if (!up(id) || node(id).role() != raft::Role::leader) continue;
      if (!best || node(id).term() > node(*best).term()) best = id;
    }
    return best;
  }

  // Ticks every node and delivers everything, until pred() or max_rounds.
  bool run_until(const std::function<bool()>& pred, std::size_t max_rounds = 1000) {
    for (std::size_t i = 0; i < max_rounds; ++i) {
      if (pred()) return true;
      tick_all();
      deliver_all();
    }
    return pred();
  }

  std::optional<NodeId> elect(std::size_t max_rounds = 1000) {
    run_until([&] { return leader().has_value(); }, max_rounds);
    return leader();
  }

  // Every pair of up nodes agrees on every index both have committed, and
  // every node's applied sequence is a prefix of every other's.
  bool committed_prefixes_agree() const {
    for (NodeId a = 1; a <= size(); ++a)
      for (NodeId b = a + 1; b <= size(); ++b) {
        const auto& x = applied_[a];
        const auto& y = applied_[b];
        const std::size_t n = std::min(x.size(), y.size());
        if (!std::equal(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n), y.begin())) return false;
      }
    return true;
  }

 private:
  raft::Options options_for(NodeId id, std::uint64_t seed) const {
    raft::Options o = base_;
    o.id = id;
    o.cluster_size = static_cast<std::uint8_t>(size());
    o.seed = seed * 1000003u + id;
    return o;
  }

  template <class F>
  void call_raw(NodeId id, F&& f) {
    const std::uint64_t before = allocation_counter ? allocation_counter() : 0;
    f(node(id));
    if (allocation_counter) kernel_allocations += allocation_counter() - before;
    ++kernel_calls;
  }

  template <class F>
  void call(NodeId id, F&& f) {
    if (!up(id)) return;
    call_raw(id, f);
    if (auto_persist) {
      const raft::PersistRequest req = node(id).persist_request();
      if (!req.empty()) {
        write_disk(id, req);
        call_raw(id, [&](Node& n) { (void)n.persisted(req); });
      }
    }
    collect(id);
  }

  void write_disk(NodeId id, const raft::PersistRequest& req) {
    Disk& d = disks_[id];
    if (req.hard_state_changed) d.hard_state = req.hard_state;
    if (req.has_entries()) {
      d.log.truncate_after(req.first - 1);
      for (raft::Index i = req.first; i <= req.last; ++i) (void)d.log.append(node(id).log().at(i));
    }
  }

  // Drains the outbox into the network and applies newly committed entries.
  void collect(NodeId id) {
    Node& n = node(id);
    for (const Message& m : n.messages()) network_.push_back(m);
    call_raw(id, [](Node& x) { x.clear_messages(); });
    for (raft::Index i = n.applied_index() + 1; i <= n.commit_index(); ++i) applied_[id].push_back(n.log().at(i));
    const raft::Index commit = n.commit_index();
    call_raw(id, [&](Node& x) { (void)x.applied(commit); });
  }

  raft::Options base_;
  std::vector<std::optional<Node>> nodes_;
  std::vector<Disk> disks_;
  std::vector<std::vector<Entry>> applied_;
  std::vector<std::vector<bool>> links_;
  std::vector<Message> network_;
};

}  // namespace synod::test
