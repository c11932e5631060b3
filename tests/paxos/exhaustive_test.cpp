// Every interleaving, within small bounds: a breadth-first search over the
// states of a 3-node cluster (two dueling proposers), where any in-flight
// message may be delivered next, dropped or duplicated, a node may persist
// its state, time out (start a new round) or crash and restart from what it
// persisted. Every reachable state must satisfy the shared invariants and
// Paxos's safety properties; reachability goals guard against a vacuous pass.
//
// This is a small, self-contained explorer over the kernel's public API (the
// model checker proper lives in checker/); it pins the distinct-state count
// so that a silent semantic change of the kernel fails loudly.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "synod/paxos/invariants.hpp"
#include "synod/paxos/node.hpp"

namespace synod::paxos {
namespace {

struct SmallConfig {
  using Value = std::uint64_t;
  static constexpr std::size_t max_nodes = 3;
  static constexpr std::size_t outbox_capacity = 8;
  static constexpr std::size_t held_capacity = 8;
};
using V = SmallConfig::Value;
using NodeT = Node<SmallConfig>;
using Msg = Message<SmallConfig>;

struct Bounds {
  int timeouts = 1;    // extra rounds (start_round), over all proposers
  int drops = 1;
  int duplicates = 1;
  int crashes = 1;
  bool persist_action = true;  // persisting is an action of its own (else: at once)
  bool two_proposers = true;   // node 2 proposes too (else only node 1)
  bool repropose = true;       // a restarted proposer is given its value again
};

struct Acceptance {
  NodeId acceptor;
  Ballot ballot;
  V value;
  friend bool operator==(const Acceptance&, const Acceptance&) = default;
  friend auto operator<=>(const Acceptance& a, const Acceptance& b) {
    return std::tie(a.acceptor, a.ballot, a.value) <=> std::tie(b.acceptor, b.ballot, b.value);
  }
};

std::uint64_t hash_of(const Msg& m) {
  Hasher h;
  m.hash_append(h);
  return h.value();
}

struct World {
  std::array<std::optional<NodeT>, 4> nodes;
  struct InFlight {
    std::uint64_t hash;
    Msg message;
  };
  std::vector<InFlight> network;        // kept sorted by hash: a multiset
  std::array<std::uint64_t, 4> node_hash{};  // each node's hash, refreshed by collect()
  std::vector<Acceptance> acceptances;  // ghost: durable acceptances ever made, sorted
  int timeouts = 0, drops = 0, duplicates = 0, crashes = 0;
  const char* violation = nullptr;

  std::uint64_t hash() const {
    Hasher h;
    for (NodeId id = 1; id <= 3; ++id) h.add(node_hash[id]);
    h.add(std::uint64_t{network.size()});
    for (const InFlight& f : network) h.add(f.hash);
    h.add(std::uint64_t{acceptances.size()});
    for (const Acceptance& a : acceptances) {
      h.add(std::uint64_t{a.acceptor});
      a.ballot.hash_append(h);
      h.add(a.value);
    }
    h.add(std::uint64_t(timeouts * 1000 + drops * 100 + duplicates * 10 + crashes));
    return h.value();
  }

  void fail(const char* what) {
    if (!violation) violation = what;
  }

  // Immediate persistence: the storage keeps up with every request.
  void persist_now(NodeId id) {
    NodeT& n = *nodes[id];
    for (auto r = n.persist_request(); !r.empty(); r = n.persist_request()) {
      if (n.persisted(r) == InputResult::ignored) {
        fail("a node ignored its own persist request");
        return;
      }
      collect(id);
    }
  }

  // Moves a node's outgoing messages to the network (checking that what they
  // reveal is durable) and records its durable acceptance in the ghost.
  void collect(NodeId id) {
    NodeT& n = *nodes[id];
    const auto& durable = n.durable_state();
    for (const Msg& m : n.messages()) {
      if (m.type == MessageType::promise && durable.promised < m.ballot) fail("promise before durable");
      if (m.type == MessageType::accepted && durable.accepted_ballot < m.ballot) fail("accepted before durable");
      if (m.type == MessageType::prepare && durable.proposer_round < m.ballot.round) fail("prepare before durable");
      const std::uint64_t h = hash_of(m);
      network.insert(std::upper_bound(network.begin(), network.end(), h,
                                      [](std::uint64_t x, const InFlight& f) { return x < f.hash; }),
                     InFlight{h, m});
    }
    n.clear_messages();
    Hasher nh;
    n.hash_append(nh);
    node_hash[id] = nh.value();
    if (durable.accepted_value) {
      const Acceptance a{id, durable.accepted_ballot, *durable.accepted_value};
      auto at = std::lower_bound(acceptances.begin(), acceptances.end(), a);
      if (at == acceptances.end() || !(*at == a)) acceptances.insert(at, a);
    }
  }

  // The values a majority durably accepted at one ballot.
  std::vector<V> chosen() const {
    std::vector<V> out;
    for (const Acceptance& a : acceptances) {
      int same = 0;
      for (const Acceptance& b : acceptances) same += (b.ballot == a.ballot && b.value == a.value) ? 1 : 0;
      if (same >= 2 && std::find(out.begin(), out.end(), a.value) == out.end()) out.push_back(a.value);
    }
    return out;
  }

  void check() {
    for (NodeId id = 1; id <= 3; ++id)
      if (const char* e = invariants::node_state(*nodes[id])) fail(e);
    for (const Acceptance& a : acceptances)
      for (const Acceptance& b : acceptances)
        if (a.ballot == b.ballot && a.value != b.value) fail("two values at one ballot");
    const std::vector<V> c = chosen();
    if (c.size() > 1) fail("two values chosen");
    for (NodeId id = 1; id <= 3; ++id) {
      const auto& l = nodes[id]->learned();
      if (l && (c.empty() || c[0] != *l)) fail("learned a value that was not chosen");
      if (l && *l != 10 && *l != 20) fail("learned a value nobody proposed");
    }
  }
};

// Nodes 1 and 2: proposer + acceptor; node 3: acceptor + learner (the only
// learner, which keeps the number of `accepted` messages in flight small).
Options options_of(NodeId id) {
  Options o;
  o.id = id;
  o.cluster_size = 3;
  o.roles = Roles{id != 3, true, id == 3};
  o.learners.insert(3);
  return o;
}

struct Stats {
  std::size_t distinct = 0, generated = 0;
  int max_depth = 0;
  bool chosen10 = false, chosen20 = false, all_learned = false, learned_after_crash = false,
       nack_seen = false, adoption_seen = false;
  const char* violation = nullptr;
};

template <class F>
void successors(const World& w, const Bounds& bounds, F&& emit) {
  // Deliver, drop or duplicate each distinct in-flight message.
  for (std::size_t k = 0; k < w.network.size(); ++k) {
    if (k > 0 && w.network[k].hash == w.network[k - 1].hash && w.network[k].message == w.network[k - 1].message)
      continue;
    {
      World next = w;
      const Msg m = next.network[k].message;
      next.network.erase(next.network.begin() + static_cast<std::ptrdiff_t>(k));
      NodeT& n = *next.nodes[m.to];
      const NodeT before = n;
      (void)n.step(m);
      if (const char* e = invariants::node_step(before, n)) next.fail(e);
      next.collect(m.to);
      if (!bounds.persist_action) next.persist_now(m.to);
      emit(std::move(next));
    }
    if (w.drops < bounds.drops) {
      World next = w;
      next.network.erase(next.network.begin() + static_cast<std::ptrdiff_t>(k));
      ++next.drops;
      emit(std::move(next));
    }
    if (w.duplicates < bounds.duplicates) {
      World next = w;
      const auto copy = next.network[k];
      next.network.insert(next.network.begin() + static_cast<std::ptrdiff_t>(k), copy);
      ++next.duplicates;
      emit(std::move(next));
    }
  }
  for (NodeId id = 1; id <= 3; ++id) {
    // Persist: the storage writes the request, the node is told.
    if (bounds.persist_action && !w.nodes[id]->persist_request().empty()) {
      World next = w;
      NodeT& n = *next.nodes[id];
      const NodeT before = n;
      if (n.persisted(n.persist_request()) == InputResult::ignored) next.fail("a node ignored its own persist request");
      if (const char* e = invariants::node_step(before, n)) next.fail(e);
      next.collect(id);
      emit(std::move(next));
    }
    // Timeout: the proposer starts a higher round.
    if (w.timeouts < bounds.timeouts && w.nodes[id]->proposer().can_begin_round()) {
      World next = w;
      NodeT& n = *next.nodes[id];
      const NodeT before = n;
      (void)n.start_round();
      if (const char* e = invariants::node_step(before, n)) next.fail(e);
      ++next.timeouts;
      next.collect(id);
      if (!bounds.persist_action) next.persist_now(id);
      emit(std::move(next));
    }
    // Crash and restart from what was persisted (volatile state and held
    // messages are lost; a proposer that lost its value is told again).
    if (w.crashes < bounds.crashes) {
      World next = w;
      const auto durable = next.nodes[id]->durable_state();
      const auto own = next.nodes[id]->proposer().own_value();
      next.nodes[id] = NodeT::restart(options_of(id), durable);
      NodeT& n = *next.nodes[id];
      if (n.acceptor().promised() != durable.promised) next.fail("restart lost the promise");
      if (own && bounds.repropose) (void)n.propose(*own);
      ++next.crashes;
      next.collect(id);
      if (!bounds.persist_action) next.persist_now(id);
      emit(std::move(next));
    }
  }
}

Stats explore(const Bounds& bounds, std::size_t max_states) {
  World init;
  for (NodeId id = 1; id <= 3; ++id) init.nodes[id].emplace(options_of(id));
  EXPECT_EQ(init.nodes[1]->propose(10), ProposeStatus::ok);
  if (bounds.two_proposers) {
    EXPECT_EQ(init.nodes[2]->propose(20), ProposeStatus::ok);
  }
  for (NodeId id = 1; id <= 3; ++id) {
    init.collect(id);
    if (!bounds.persist_action) init.persist_now(id);
  }

  // Depth-first with a seen set of fingerprints: every reachable state is
  // expanded once, so the distinct count equals a breadth-first search's,
  // and memory stays at the seen set plus one path's siblings.
  Stats stats;
  std::unordered_set<std::uint64_t> seen{init.hash()};
  std::vector<std::pair<World, int>> stack;
  stack.emplace_back(std::move(init), 0);
  while (!stack.empty() && !stats.violation && seen.size() < max_states) {
    const World w = std::move(stack.back().first);
    const int depth = stack.back().second;
    stack.pop_back();
    stats.max_depth = std::max(stats.max_depth, depth);
    successors(w, bounds, [&](World&& next) {
      ++stats.generated;
      next.check();
      if (next.violation && !stats.violation) stats.violation = next.violation;
      if (!seen.insert(next.hash()).second) return;
      const auto c = next.chosen();
      if (!c.empty()) (c[0] == 10 ? stats.chosen10 : stats.chosen20) = true;
      const bool all = next.nodes[3]->learned().has_value();
      for (NodeId id = 1; id <= 3; ++id) {
        const auto& p = next.nodes[id]->proposer();
        if (p.phase() == Phase::accepting && p.own_value() && p.value() != p.own_value()) stats.adoption_seen = true;
        if (p.phase() == Phase::backoff) stats.nack_seen = true;
      }
      stats.all_learned = stats.all_learned || all;
      stats.learned_after_crash = stats.learned_after_crash || (all && next.crashes > 0);
      stack.emplace_back(std::move(next), depth + 1);
    });
  }
  stats.distinct = seen.size();
  return stats;
}

// The distinct-state counts are pinned (STYLE.md 11): a change of the
// kernel's semantics, or of what its hash covers, changes them. If a change
// is intended, update the number and say why in the commit.

// Two proposers (values 10 and 20) race over a reliable network that may
// reorder freely; persistence keeps up at once.
TEST(PaxosExhaustive, DuelingProposersEveryOrder) {
  Bounds b;
  b.timeouts = 0;
  b.drops = 0;
  b.duplicates = 0;
  b.crashes = 0;
  b.persist_action = false;
  const Stats s = explore(b, 1'000'000);
  ASSERT_EQ(s.violation, nullptr) << s.violation;
  EXPECT_EQ(s.distinct, 28812u);
  EXPECT_TRUE(s.chosen10 && s.chosen20) << "each value wins in some order";
  EXPECT_TRUE(s.all_learned);
  EXPECT_TRUE(s.nack_seen) << "a proposer was pre-empted somewhere";
  EXPECT_TRUE(s.adoption_seen) << "a proposer adopted the other's value somewhere";
}

// The same with one message lost anywhere.
TEST(PaxosExhaustive, DuelingProposersOneMessageLost) {
  Bounds b;
  b.timeouts = 0;
  b.drops = 1;
  b.duplicates = 0;
  b.crashes = 0;
  b.persist_action = false;
  const Stats s = explore(b, 1'000'000);
  ASSERT_EQ(s.violation, nullptr) << s.violation;
  EXPECT_EQ(s.distinct, 117779u);
  EXPECT_TRUE(s.chosen10 && s.chosen20 && s.all_learned && s.nack_seen && s.adoption_seen);
}

// One proposer; persisting is a separate step, so a node may crash with
// decisions it has not persisted (and messages it still holds): any node,
// at any point, once. Only persisted state survives, and safety holds.
TEST(PaxosExhaustive, CrashAnywhereWithPersistenceAsAStep) {
  Bounds b;
  b.timeouts = 0;
  b.drops = 0;
  b.duplicates = 0;
  b.crashes = 1;
  b.persist_action = true;
  b.two_proposers = false;
  b.repropose = false;
  const Stats s = explore(b, 1'000'000);
  ASSERT_EQ(s.violation, nullptr) << s.violation;
  EXPECT_EQ(s.distinct, 3421u);
  EXPECT_TRUE(s.chosen10 && s.all_learned);
  EXPECT_TRUE(s.learned_after_crash) << "some run survives a crash and still decides";
}

}  // namespace
}  // namespace synod::paxos
