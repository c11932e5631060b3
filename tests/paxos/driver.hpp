// tests/paxos/driver.hpp - a deterministic in-memory cluster for the Paxos
// kernel: a network that can deliver, drop, duplicate and reorder messages,
// stable storage that keeps only what nodes asked to persist, crashes and
// restarts, and a ghost that checks safety after every step.
//
// Allocation-free like the kernel (fixed arrays, static_vector), so a whole
// run can be measured with synod::test::AllocationScope. GoogleTest-free:
// it reports the first violation it sees as a string; tests assert on it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <boost/container/static_vector.hpp>

#include "synod/paxos/invariants.hpp"
#include "synod/paxos/node.hpp"
#include "synod/random.hpp"

namespace synod::paxos::test {

struct Faults {
  std::uint32_t drop_percent = 0;       // a delivery attempt loses the message instead
  std::uint32_t duplicate_percent = 0;  // a delivery leaves a copy in flight
  bool reorder = true;                  // deliver any in-flight message, not the oldest
  std::uint32_t crash_percent = 0;      // per step: crash a node / restart a crashed one
  std::size_t max_crashed = 0;          // at most this many nodes down at once
  std::uint32_t tick_percent = 20;      // per step: every running node ticks
};

template <class Config = DefaultConfig, std::size_t NetworkCapacity = 512>
class Driver {
 public:
  using NodeT = Node<Config>;
  using MessageT = Message<Config>;
  using Value = typename Config::Value;
  using State = PersistentState<Value>;
  static constexpr std::size_t kSlots = Config::max_nodes + 1;

  // `n` nodes, ids 1..n, each with `base` options (id, cluster_size and seed
  // filled in per node).
  explicit Driver(std::uint8_t n, Options base = {}) : size_(n) {
    for (NodeId id = 1; id <= n; ++id) {
      Options o = base;
      o.id = id;
      o.cluster_size = n;
      o.seed = base.seed * 1000 + id;
      set_options(id, o);
    }
    reset();
  }

  // Give node `id` other options (roles, timeouts); takes effect at reset().
  void set_options(NodeId id, const Options& o) { options_[id] = o; }

  // Every node fresh, storage wiped, network empty, ghost forgotten.
  void reset() {
    network_.clear();
    proposals_.clear();
    acceptances_.clear();
    chosen_.reset();
    violation_ = nullptr;
    for (NodeId id = 1; id <= size_; ++id) {
      storage_[id] = State{};
      nodes_[id].emplace(options_[id]);
      auto_persist_[id] = true;
      reports_[id] = 0;
      last_[id] = nodes_[id];
    }
  }

  // ------------------------------------------------------------- inputs

  ProposeStatus propose(NodeId id, const Value& v) {
    if (!up(id)) return ProposeStatus::not_proposer;
    if (!(proposals_.size() == proposals_.capacity())) proposals_.push_back(v);
    const ProposeStatus s = nodes_[id]->propose(v);
    settle(id);
    return s;
  }
  InputResult start_round(NodeId id) { return input(id, [](NodeT& n) { return n.start_round(); }); }
  InputResult tick(NodeId id) { return input(id, [](NodeT& n) { return n.tick(); }); }
  void tick_all() {
    for (NodeId id = 1; id <= size_; ++id)
      if (up(id)) (void)tick(id);
  }
  // Hand a message straight to its recipient (bypassing the network).
  InputResult inject(const MessageT& m) {
    if (m.to < 1 || m.to > size_ || !up(m.to)) return InputResult::ignored;
    return input(m.to, [&](NodeT& n) { return n.step(m); });
  }

  // The network.
  std::size_t in_flight() const { return network_.size(); }
  const MessageT& message(std::size_t k) const { return network_[k]; }
  // The first in-flight message of type t from -> to (kNoNode: any), or
  // in_flight() when there is none.
  std::size_t find(MessageType t, NodeId from = kNoNode, NodeId to = kNoNode) const {
    for (std::size_t k = 0; k < network_.size(); ++k) {
      const MessageT& m = network_[k];
      if (m.type == t && (from == kNoNode || m.from == from) && (to == kNoNode || m.to == to)) return k;
    }
    return network_.size();
  }
  InputResult deliver(std::size_t k) {
    const MessageT m = network_[k];
    network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(k));
    return inject(m);  // to a crashed node: lost
  }
  void drop(std::size_t k) { network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(k)); }
  bool duplicate(std::size_t k) {
    if (network_.size() == network_.capacity()) return false;
    const MessageT m = network_[k];
    network_.push_back(m);
    return true;
  }
  // Delivers the oldest message until none is left; returns how many.
  std::size_t deliver_all(std::size_t limit = 100000) {
    std::size_t n = 0;
    while (!network_.empty() && n < limit) {
      (void)deliver(0);
      ++n;
    }
    return n;
  }

  // Crashes: volatile state and unsent messages are lost; storage stays.
  void crash(NodeId id) { nodes_[id].reset(); }
  void restart(NodeId id) {
    nodes_[id].emplace(NodeT::restart(options_[id], storage_[id]));
    reports_[id] = 0;
    check_restart(id);
    settle(id);
  }
  bool up(NodeId id) const { return id >= 1 && id <= size_ && nodes_[id].has_value(); }
  std::size_t crashed() const {
    std::size_t n = 0;
    for (NodeId id = 1; id <= size_; ++id) n += up(id) ? 0 : 1;
    return n;
  }

  // Storage. With auto-persist off, a node's persist requests wait for
  // persist(id), so its held messages stay held.
  void set_auto_persist(NodeId id, bool on) { auto_persist_[id] = on; }
  void persist(NodeId id) {
    NodeT& n = *nodes_[id];
    const auto request = n.persist_request();
    if (request.empty()) return;
    storage_[id] = request.state;
    if (n.persisted(request) == InputResult::ignored) fail("a node ignored its own persist request");
    settle(id);
  }
  const State& storage(NodeId id) const { return storage_[id]; }

  // One random step of a chaotic schedule.
  void random_step(SplitMix64& rng, const Faults& f) {
    if (f.crash_percent != 0 && rng.uniform(0, 99) < f.crash_percent) {
      const NodeId id = static_cast<NodeId>(rng.uniform(1, size_));
      if (up(id) && crashed() < f.max_crashed) {
        crash(id);
      } else if (!up(id)) {
        restart(id);
      }
      return;
    }
    if (network_.empty() || rng.uniform(0, 99) < f.tick_percent) {
      tick_all();
      return;
    }
    const std::size_t k = f.reorder ? rng.uniform(0, static_cast<std::uint32_t>(network_.size() - 1)) : 0;
    if (rng.uniform(0, 99) < f.drop_percent) {
      drop(k);
      return;
    }
    if (rng.uniform(0, 99) < f.duplicate_percent) (void)duplicate(k);
    (void)deliver(k);
  }

  // Random steps until every running proposer with a value knows the
  // outcome (what the protocol guarantees under fair loss: a learner that
  // missed every acceptance of the last round may never hear again, §2.3);
  // returns the steps taken, or max_steps if that never happened.
  std::size_t run_until_decided(SplitMix64& rng, const Faults& f, std::size_t max_steps) {
    for (std::size_t step = 0; step < max_steps; ++step) {
      if (proposers_done()) return step;
      random_step(rng, f);
      if (violation_) return step;
    }
    return max_steps;
  }

  // ------------------------------------------------------------ observing

  NodeT& node(NodeId id) { return *nodes_[id]; }
  const NodeT& node(NodeId id) const { return *nodes_[id]; }
  std::uint8_t size() const { return size_; }
  bool all_learned() const {
    for (NodeId id = 1; id <= size_; ++id)
      if (up(id) && nodes_[id]->roles().learner && !nodes_[id]->learned()) return false;
    return true;
  }
  bool proposers_done() const {
    for (NodeId id = 1; id <= size_; ++id) {
      if (!up(id)) continue;
      const auto& p = nodes_[id]->proposer();
      if (p.own_value() && p.phase() != Phase::chosen) return false;
    }
    return true;
  }
  // The value a majority of acceptors accepted at one ballot (the ghost's
  // view of "chosen", independent of any learner).
  const std::optional<Value>& chosen() const { return chosen_; }
  // The first safety violation seen, or nullptr.
  const char* violation() const { return violation_; }
  std::size_t network_overflows() const { return network_overflows_; }

 private:
  template <class F>
  InputResult input(NodeId id, F&& f) {
    if (!up(id)) return InputResult::ignored;
    const InputResult r = f(*nodes_[id]);
    settle(id);
    return r;
  }

  // Drain a node: persist (if automatic) and move its messages to the network,
  // until nothing is left; then run the ghost checks.
  void settle(NodeId id) {
    NodeT& n = *nodes_[id];
    for (;;) {
      for (const MessageT& m : n.messages()) send(id, m);
      n.clear_messages();
      const auto request = n.persist_request();
      if (!auto_persist_[id] || request.empty()) break;
      storage_[id] = request.state;
      if (n.persisted(request) == InputResult::ignored) {
        fail("a node ignored its own persist request");
        break;
      }
    }
    observe(id);
  }

  void send(NodeId id, const MessageT& m) {
    // Durability contract: what a message reveals is already on storage.
    const State& s = storage_[id];
    if (m.from != id || m.to == id) fail("a node sent a message not from itself or to itself");
    switch (m.type) {
      case MessageType::prepare:
        if (s.proposer_round < m.ballot.round) fail("prepare sent before its round was durable");
        break;
      case MessageType::promise:
        if (s.promised < m.ballot) fail("promise sent before it was durable");
        break;
      case MessageType::accepted:
        if (s.accepted_ballot < m.ballot) fail("accepted sent before the acceptance was durable");
        break;
      default:
        break;
    }
    if (network_.size() == network_.capacity()) {
      ++network_overflows_;
      return;
    }
    network_.push_back(m);
  }

  void fail(const char* what) {
    if (!violation_) violation_ = what;
  }

  void observe(NodeId id) {
    NodeT& n = *nodes_[id];
    const auto& a = n.acceptor();
    // The kernel's own invariants (shared with the checker), state and step.
    if (const char* e = invariants::node_state(n)) fail(e);
    if (const char* e = invariants::node_step(*last_[id], n)) fail(e);
    if (a.accepted_ballot() != last_[id]->acceptor().accepted_ballot())
      record_acceptance(id, a.accepted_ballot(), *a.accepted_value());
    // Learner: learns a chosen value, and reports it once.
    if (n.newly_learned()) {
      if (++reports_[id] > 1) fail("a learner reported twice");
      n.clear_newly_learned();
    }
    if (n.learned()) {
      if (!chosen_ || !(*chosen_ == *n.learned())) fail("a learner learned a value that was not chosen");
    }
    last_[id] = n;
  }

  void record_acceptance(NodeId id, Ballot b, const Value& v) {
    bool proposed = false;
    for (const Value& p : proposals_) proposed = proposed || p == v;
    if (!proposed) fail("an acceptor accepted a value nobody proposed");
    if (acceptances_.size() == acceptances_.capacity()) return;  // the ghost stops counting; learners are still checked
    acceptances_.push_back(Acceptance{id, b, v});
    const NodeSet acceptors = nodes_[id]->acceptors();
    NodeSet at_b;
    for (const Acceptance& x : acceptances_) {
      if (x.ballot == b) {
        if (!(x.value == v)) fail("two values accepted at one ballot");
        at_b.insert(x.acceptor);
      }
    }
    if (at_b.size() >= quorum::majority(acceptors.size())) {
      if (chosen_ && !(*chosen_ == v)) fail("two different values chosen");
      chosen_ = v;
    }
  }

  void check_restart(NodeId id) {
    const auto& a = nodes_[id]->acceptor();
    const State& s = storage_[id];
    if (nodes_[id]->roles().acceptor && (a.promised() != s.promised || a.accepted_ballot() != s.accepted_ballot))
      fail("a restarted acceptor lost its persisted promise or acceptance");
    last_[id] = nodes_[id];
  }

  struct Acceptance {
    NodeId acceptor;
    Ballot ballot;
    Value value;
  };

  std::uint8_t size_;
  std::array<Options, kSlots> options_{};
  std::array<std::optional<NodeT>, kSlots> nodes_{};
  std::array<State, kSlots> storage_{};
  std::array<bool, kSlots> auto_persist_{};
  std::array<std::uint32_t, kSlots> reports_{};
  std::array<std::optional<NodeT>, kSlots> last_{};  // each node as last observed
  boost::container::static_vector<MessageT, NetworkCapacity> network_;
  boost::container::static_vector<Value, 64> proposals_;
  boost::container::static_vector<Acceptance, 1024> acceptances_;
  std::optional<Value> chosen_{};
  const char* violation_ = nullptr;
  std::size_t network_overflows_ = 0;
};

}  // namespace synod::paxos::test
