// paxos_model.hpp - the Basic Paxos model: real kernel nodes
// (synod::paxos::Node), per-node disks written only through PersistRequests,
// a bounded network, fault budgets and a ghost history.
//
// Cluster: acceptors are ids 1..A (role: acceptor), proposers are ids
// A+1..A+P (roles: proposer and learner). Proposer p is given value
// ((p - 1) mod values) + 1, so with values = 1 every proposer proposes the
// same value, and with values >= 2 the first two propose different ones.
//
// Representation: nodes, disks, messages and ghost histories are interned in
// pools of the model with their hashes, the network is a canonical sorted
// multiset, and node transitions and ghost updates are memoised (all from
// synod/check/model_support.hpp, shared with the Raft model); a state is
// about a hundred bytes. The fingerprint is additive, a sum of one term per
// component (sum_hash), so successor() gives a successor's fingerprint from
// its parent's sum and the memoised step's delta without building it
// (IncrementalModel): the BFS builds only the states it keeps.
//
// State = per node: the kernel node (or down) and its disk (the persistent
// state as last persisted); the network, a multiset of in-flight messages
// kept sorted; budgets; which proposers were given their value and which
// began a round; which nodes restarted; the ghost: the shared Paxos history
// of synod/check/paxos_invariants.hpp (values proposed, durable acceptances
// per ballot, values chosen, the first value learned, durable promises), and
// the first violation its checks reported. The invariants are that header's
// predicates, written once and shared with the property tests: every node
// transition is recorded in the history (History::record, memoised), every
// client proposal too (History::proposed), and a restart is recorded as a
// transition from "down". "Accepted" means durably accepted, as there: an
// acceptance lost in a crash before it was persisted was never revealed.
//
// Time is abstract: a proposer's retry timer firing is one action
// (start_round()), never tick(); proposer timers are excluded from the
// fingerprint by Node::hash_append.
//
// Actions, in this order (the action index is the position in it):
//   1. deliver message k to its (up) destination (distinct messages, sorted);
//   2. propose: proposer i is given its value (once; starts round 1);
//   3. timeout: proposer i begins a new round (can_begin_round, the current
//      round below max_round);
//   4. persist: node i makes its persist request durable, releasing held
//      messages (when it has anything to persist or hold);
//   5. drop message k;  6. duplicate message k;  7. crash node i;
//   8. restart node i.
// States with more than max_msgs messages in flight, or a ballot round above
// max_round, are outside the boundary.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <synod/check/intern.hpp>
#include <synod/check/model.hpp>
#include <synod/check/model_support.hpp>
#include <synod/check/paxos_invariants.hpp>
#include <synod/hash.hpp>
#include <synod/ids.hpp>
#include <synod/paxos/node.hpp>
#include <synod/quorum.hpp>

namespace synod::check::models {

struct PaxosCheckConfig {
  using Value = std::uint64_t;
  static constexpr std::size_t max_nodes = 6;
  static constexpr std::size_t outbox_capacity = 6;
  static constexpr std::size_t held_capacity = 6;
};

struct PaxosBounds {
  std::size_t acceptors = 3;
  std::size_t proposers = 2;
  std::size_t values = 2;
  paxos::Round max_round = 2;
  std::size_t max_msgs = 4;
  std::uint8_t drops = 0;
  std::uint8_t dups = 0;
  std::uint8_t crashes = 1;
  // Seeded harness fault: acceptors' promises are not written to disk.
  bool lossy_disk = false;
};

class PaxosModel {
 public:
  using Config = PaxosCheckConfig;
  using Node = paxos::Node<Config>;
  using Message = paxos::Message<Config>;
  using Value = std::uint64_t;
  // A node's disk: its PersistentState as last persisted. It names its
  // owner so that, like a node, it hashes to the fingerprint term of the
  // slot its owner takes under a renaming (DiskTraits): the pools cache
  // whole terms under every renaming, and two nodes never share a disk.
  struct Disk {
    paxos::PersistentState<Value> state{};
    NodeId owner = kNoNode;
    friend bool operator==(const Disk&, const Disk&) = default;
  };
  static constexpr std::size_t kMaxNodes = Config::max_nodes;
  static constexpr std::size_t kNetworkCapacity = 16;
  // Ghost capacities: every proposer's value, and one acceptance record per
  // ballot (proposers x rounds); overflowing is reported as HistoryCapacity.
  static constexpr std::size_t kGhostAcceptances = 16;
  using History = paxos_invariants::History<Value, kMaxNodes, kGhostAcceptances>;
  using Violation = paxos_invariants::Violation;
  // Hashes under every renaming are cached for up to 3 acceptors (3! = 6).
  static constexpr std::size_t kCached = 6;

  struct State {
    std::array<Ref, kMaxNodes> nodes{};  // index i is node id i + 1; kNoRef: down
    std::array<Ref, kMaxNodes> disks{};
    std::array<Ref, kNetworkCapacity> network{};  // [0, in_flight): by message hash, then content
    std::uint8_t in_flight = 0;
    std::uint8_t drops_left = 0;
    std::uint8_t dups_left = 0;
    std::uint8_t crashes_left = 0;
    std::uint8_t proposed = 0;   // bit i: node i + 1 was given its value
    std::uint8_t started = 0;    // bit i: node i + 1 began a round
    std::uint8_t restarted = 0;  // bit i: node i + 1 restarted
    Violation violation = Violation::none;  // the first violation the history's checks reported
    Ref history = kNoRef;                   // the ghost (History)
    friend bool operator==(const State&, const State&) = default;
  };

  enum class Kind : std::uint8_t { deliver, propose, timeout, persist, drop, duplicate, crash, restart };
  struct Action {
    Kind kind;
    NodeId node;
    std::uint8_t message;
  };

  explicit PaxosModel(PaxosBounds bounds = {}) : bounds_(bounds) {
    if (bounds_.acceptors < 1 || bounds_.proposers < 1 || bounds_.acceptors + bounds_.proposers > kMaxNodes)
      throw std::invalid_argument("paxos: acceptors + proposers must be 2.." + std::to_string(kMaxNodes));
    if (bounds_.values < 1) throw std::invalid_argument("paxos: values must be >= 1");
    if (bounds_.max_msgs > kNetworkCapacity - kMaxNodes)
      throw std::invalid_argument("paxos: max_msgs above " + std::to_string(kNetworkCapacity - kMaxNodes));
    // Symmetry: renamings of the acceptors only (ballots order proposers by id).
    std::vector<NodeId> ids(bounds_.acceptors);
    std::iota(ids.begin(), ids.end(), NodeId{1});
    do {
      Renaming r;
      for (std::size_t i = 0; i < ids.size(); ++i) r.set(static_cast<NodeId>(i + 1), ids[i]);
      renamings_.push_back(r);
    } while (std::next_permutation(ids.begin(), ids.end()));
    // Per renaming r < kCached: node i + 1's down and flags terms in the
    // slot r moves it to (canonical_base and CanonicalSums add them).
    for (std::size_t r = renamings_.size(); r < kCached; ++r) unused_[r] = ~std::uint64_t{0};
    for (std::size_t r = 0; r < kCached && r < renamings_.size(); ++r) {
      for (std::size_t i = 0; i < cluster(); ++i) {
        const std::size_t j = renamings_[r](id_of(i)) - 1u;
        down_terms_[i][r] = kDownTerms[j];
        for (std::size_t f = 0; f < 8; ++f) flag_terms_[i][f][r] = kFlagTerms[j][f];
      }
    }
  }

  PaxosModel(const PaxosModel&) = delete;
  PaxosModel& operator=(const PaxosModel&) = delete;

  std::string name() const { return "paxos"; }
  bool up(const State& s, std::size_t i) const { return s.nodes[i] != kNoRef; }
  const Node& node(const State& s, std::size_t i) const { return nodes_.value(s.nodes[i]); }
  const Disk& disk(const State& s, std::size_t i) const { return disks_.value(s.disks[i]); }
  const Message& message(const State& s, std::size_t k) const { return messages_.value(s.network[k]); }
  const History& history(const State& s) const { return histories_.value(s.history); }
  const PaxosBounds& bounds() const { return bounds_; }
  std::size_t cluster() const { return bounds_.acceptors + bounds_.proposers; }
  bool is_acceptor(std::size_t i) const { return i < bounds_.acceptors; }
  Value value_of(std::size_t i) const { return (i - bounds_.acceptors) % bounds_.values + 1; }

  paxos::Options options_for(std::size_t i) const {
    paxos::Options o;
    o.id = static_cast<NodeId>(i + 1);
    o.cluster_size = static_cast<std::uint8_t>(cluster());
    o.roles = is_acceptor(i) ? paxos::Roles{false, true, false} : paxos::Roles{true, false, true};
    for (std::size_t a = 0; a < bounds_.acceptors; ++a) o.acceptors.insert(static_cast<NodeId>(a + 1));
    for (std::size_t p = bounds_.acceptors; p < cluster(); ++p) o.learners.insert(static_cast<NodeId>(p + 1));
    o.seed = i + 1;
    return o;
  }

  // ------------------------------------------------------------ the verbs
  template <class Emit>
  void init_states(Emit&& emit) const {
    State s;
    s.nodes.fill(kNoRef);
    s.disks.fill(kNoRef);
    s.network.fill(kNoRef);
    for (std::size_t i = 0; i < cluster(); ++i) {
      s.nodes[i] = intern_node(Node(options_for(i)));
      s.disks[i] = intern_disk(Disk{{}, id_of(i)});
    }
    s.drops_left = bounds_.drops;
    s.dups_left = bounds_.dups;
    s.crashes_left = bounds_.crashes;
    s.history = intern_history(History{});
    emit(s);
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    const std::size_t n = cluster();
    auto distinct_messages = [&](auto&& f) { for_each_distinct_message(s.network, s.in_flight, f); };
    distinct_messages([&](std::uint8_t k) {
      const auto to = static_cast<NodeId>(messages_.summary(s.network[k]));
      if (to >= 1 && to <= n && up(s, to - 1u)) emit(Action{Kind::deliver, to, k});
    });
    for (std::size_t i = bounds_.acceptors; i < n; ++i)
      if (up(s, i) && !(s.proposed >> i & 1u)) emit(Action{Kind::propose, id_of(i), 0});
    for (std::size_t i = bounds_.acceptors; i < n; ++i) {
      if (!up(s, i)) continue;
      const std::uint32_t summary = nodes_.summary(s.nodes[i]);
      if (summary_can_begin_round(summary) && summary_round(summary) < bounds_.max_round)
        emit(Action{Kind::timeout, id_of(i), 0});
    }
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && summary_persist(nodes_.summary(s.nodes[i]))) emit(Action{Kind::persist, id_of(i), 0});
    if (s.drops_left > 0)
      distinct_messages([&](std::uint8_t k) { emit(Action{Kind::drop, message(s, k).to, k}); });
    if (s.dups_left > 0 && s.in_flight < bounds_.max_msgs)
      distinct_messages([&](std::uint8_t k) { emit(Action{Kind::duplicate, message(s, k).to, k}); });
    if (s.crashes_left > 0)
      for (std::size_t i = 0; i < n; ++i)
        if (up(s, i)) emit(Action{Kind::crash, id_of(i), 0});
    for (std::size_t i = 0; i < n; ++i)
      if (!up(s, i)) emit(Action{Kind::restart, id_of(i), 0});
  }

  std::optional<State> next_state(const State& s, const Action& a) const {
    State next = s;
    const std::size_t i = a.node - 1u;
    bool ok = true;
    switch (a.kind) {
      case Kind::deliver:
        remove_message(next, a.message);
        ok = input(next, i, Kind::deliver, s.network[a.message]);
        break;
      case Kind::propose:
        next.proposed = static_cast<std::uint8_t>(next.proposed | (1u << i));
        // The history learns of the proposal before the proposer sees it; a
        // proposer that already learned refuses it (already_chosen), and the
        // proposal is not recorded, as in the property tests.
        if (!node(s, i).learned()) record_proposal(next, value_of(i));
        ok = input(next, i, Kind::propose, 0);
        break;
      case Kind::timeout:
      case Kind::persist:
        ok = input(next, i, a.kind, 0);
        break;
      case Kind::drop:
        --next.drops_left;
        remove_message(next, a.message);
        break;
      case Kind::duplicate:
        --next.dups_left;
        ok = add_message(next, s.network[a.message]);
        break;
      case Kind::crash:
        --next.crashes_left;
        next.nodes[i] = kNoRef;
        break;
      case Kind::restart:
        next.nodes[i] = restarted_node(s, i).node;
        next.restarted = static_cast<std::uint8_t>(next.restarted | (1u << i));
        // A restarted proposer has lost its value: a client may give it again.
        next.proposed = static_cast<std::uint8_t>(next.proposed & ~(1u << i));
        record(next, kNoRef, next.nodes[i]);  // from "down": RestartKeepsDurableState
        break;
    }
    if (!ok) return std::nullopt;
    return next;
  }

  bool within_boundary(const State& s) const {
    if (s.in_flight > bounds_.max_msgs) return false;
    for (std::size_t i = bounds_.acceptors; i < cluster(); ++i)
      if (up(s, i) && node(s, i).proposer().ballot().round > bounds_.max_round) return false;
    return true;
  }

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    if (seed == kPrimarySeed) return sum_hash::finish(primary_sum(s), seed);
    return sum_hash::finish(renamed_sum(s, 0, seed, true), seed);
  }

  // Symmetry over acceptor ids: the finish of the smallest sum over their
  // renamings.
  std::uint64_t canonical_fingerprint(const State& s, std::uint64_t seed) const {
    std::uint64_t best = ~std::uint64_t{0};
    for (std::size_t r = 0; r < renamings_.size(); ++r) best = std::min(best, renamed_sum(s, r, seed, true));
    return sum_hash::finish(best, seed);
  }

  // The primary fingerprint of next_state(s, a) and its boundary check,
  // without building it (IncrementalModel): the parent's sum with the terms
  // of what the action changes swapped; the node step, the restart and the
  // ghost updates come from the same memos next_state uses.
  std::uint64_t fingerprint_base(const State& s) const { return primary_sum(s); }
  std::uint64_t fingerprint_from_base(std::uint64_t base) const { return sum_hash::finish(base, kPrimarySeed); }

  std::optional<Successor> successor(const State& s, std::uint64_t base, const Action& a) const {
    PrimarySum sum{*this, base};
    return successor_of(s, sum, a);
  }

  // Each BFS worker thread allocates its memo caches when it starts.
  void prepare_thread() const { steps_.prepare_thread(); records_.prepare_thread(); proposals_.prepare_thread(); }

  // The same under --symmetry (IncrementalSymmetricModel): one sum per
  // renaming (renamed_sum's), the canonical fingerprint the finish of the
  // smallest (as canonical_fingerprint's). Terms come from the pools'
  // cached hashes, so only when every renaming is cached (acceptors <= 3);
  // the BFS asks canonical_incremental() first.
  using CanonicalBase = std::array<std::uint64_t, kCached>;
  bool canonical_incremental() const { return renamings_.size() <= kCached; }
  CanonicalBase canonical_base(const State& s) const {
    sum_hash::SumLanes<kCached> base;
    for (std::size_t i = 0; i < cluster(); ++i) {
      base.add(disks_[s.disks[i]].hash);
      base.add(up(s, i) ? nodes_[s.nodes[i]].hash : down_terms_[i]);
      base.add(flag_terms_[i][flags_of(s.proposed, s.started, s.restarted, i)]);
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) base.add(messages_[s.network[k]].hash);
    base.add(histories_[s.history].hash);
    base.add_each(budget_term(small_of(s)));
    return base.value();
  }
  std::uint64_t canonical_from_base(const CanonicalBase& base) const {
    return sum_hash::finish(sum_hash::min_sum(base, unused_), kPrimarySeed);
  }
  std::optional<Successor> canonical_successor(const State& s, const CanonicalBase& base, const Action& a) const {
    CanonicalSums sums{*this, sum_hash::SumLanes<kCached>(base)};
    return successor_of(s, sums, a);
  }

 private:
  // next_state(s, a)'s fingerprint sum(s), accumulated in `sum` (PrimarySum
  // or CanonicalSums), and its boundary check, without building it.
  template <class Sum>
  std::optional<Successor> successor_of(const State& s, Sum& sum, const Action& a) const {
    const std::size_t i = a.node - 1u;
    std::size_t in_flight = s.in_flight;
    Small small = small_of(s);
    std::uint8_t proposed = s.proposed, started = s.started, restarted = s.restarted;
    Ref history = s.history;
    bool round_ok = true;  // the changed node's round within max_round (the others are the parent's)
    auto record_step = [&](Ref before, Ref after) {
      const auto g = memoised_record<Violation>(records_, nodes_, histories_, history, before, after, renamings_);
      history = g.history;
      if (small.violation == Violation::none) small.violation = g.violation;
    };
    // A node input: its memoised step, as input() applies it.
    auto take = [&](const StepResult& r) {
      if (!r.ok || in_flight + r.sent_count > kNetworkCapacity) return false;
      in_flight += r.sent_count;
      sum.step(r);
      round_ok = (r.bits & kRoundPastBound) == 0;
      if (r.node != s.nodes[i]) {
        if (r.bits & kStartsRound) started = static_cast<std::uint8_t>(started | (1u << i));
        if (r.record) record_step(s.nodes[i], r.node);
      }
      return true;
    };
    switch (a.kind) {
      case Kind::deliver: {
        const Ref m = s.network[a.message];
        --in_flight;
        if (!take(step(s, i, Kind::deliver, m))) return std::nullopt;
        break;
      }
      case Kind::propose: {
        proposed = static_cast<std::uint8_t>(proposed | (1u << i));
        const StepResult& r = step(s, i, Kind::propose, 0);
        if (!(r.bits & kHadLearned)) {
          const GhostResult g = proposal(history, value_of(i));
          history = g.history;
          if (small.violation == Violation::none) small.violation = g.violation;
        }
        if (!take(r)) return std::nullopt;
        break;
      }
      case Kind::timeout:
      case Kind::persist:
        if (!take(step(s, i, a.kind, 0))) return std::nullopt;
        break;
      case Kind::drop:
        --small.drops;
        sum.message(s.network[a.message], false);
        --in_flight;
        break;
      case Kind::duplicate:
        --small.dups;
        if (in_flight == kNetworkCapacity) return std::nullopt;
        sum.message(s.network[a.message], true);
        ++in_flight;
        break;
      case Kind::crash:
        --small.crashes;
        sum.crash(i, s.nodes[i]);
        break;
      case Kind::restart: {
        const StepResult& r = restarted_node(s, i);
        sum.step(r);
        round_ok = (r.bits & kRoundPastBound) == 0;
        restarted = static_cast<std::uint8_t>(restarted | (1u << i));
        proposed = static_cast<std::uint8_t>(proposed & ~(1u << i));
        record_step(kNoRef, r.node);
        break;
      }
    }
    const unsigned flags_before = flags_of(s.proposed, s.started, s.restarted, i);
    const unsigned flags_after = flags_of(proposed, started, restarted, i);
    if (flags_after != flags_before) sum.flags(i, flags_before, flags_after);
    if (const Small before = small_of(s); !(small == before)) sum.small(before, small);
    if (history != s.history) sum.history(s.history, history);
    return Successor{sum.fingerprint(), in_flight <= bounds_.max_msgs && round_ok};
  }


 public:

  // ------------------------------------------------------------ properties
  // A value is chosen (durably accepted by a majority of the acceptors at one
  // ballot) somewhere in the history.
  bool chosen_any(const State& s) const { return history(s).chosen_count() > 0; }

  std::span<const Property<PaxosModel>> properties() const { return kProperties; }

  // ------------------------------------------------------------ presentation
  static std::string_view kind_name(Kind k) {
    constexpr std::array<std::string_view, 8> names{"deliver", "propose", "timeout", "persist",
                                                    "drop",    "duplicate", "crash",   "restart"};
    return names[static_cast<std::size_t>(k)];
  }
  static std::string ballot_string(paxos::Ballot b) {
    return b.is_null() ? "-" : "(" + std::to_string(b.round) + "," + std::to_string(b.node) + ")";
  }
  static std::string message_string(const Message& m) {
    std::string out = std::string(paxos::to_string(m.type)) + " " + std::to_string(m.from) + "->" +
                      std::to_string(m.to) + " ballot " + ballot_string(m.ballot);
    if (m.type == paxos::MessageType::promise && !m.accepted_ballot.is_null())
      out += " last accepted " + ballot_string(m.accepted_ballot);
    if (m.type == paxos::MessageType::nack) out += " promised " + ballot_string(m.promised);
    if (m.value) out += " value " + std::to_string(*m.value);
    return out;
  }
  std::string format_action(const State& s, const Action& a) const {
    const std::string who = "node " + std::to_string(a.node);
    switch (a.kind) {
      case Kind::deliver: return "deliver " + message_string(message(s, a.message));
      case Kind::propose: return "client gives proposer " + std::to_string(a.node) + " value " + std::to_string(value_of(a.node - 1u));
      case Kind::timeout: return "proposer " + std::to_string(a.node) + " retry timer: begins a new round";
      case Kind::persist: return who + " persists its promise/acceptance/round and releases held messages";
      case Kind::drop: return "network drops " + message_string(message(s, a.message));
      case Kind::duplicate: return "network duplicates " + message_string(message(s, a.message));
      case Kind::crash: return who + " crashes";
      case Kind::restart: return who + " restarts from its disk";
    }
    return "?";
  }
  std::string node_string(const State& s, std::size_t i) const {
    std::string out;
    const Node* node = up(s, i) ? &this->node(s, i) : nullptr;
    if (!node) {
      out = "down";
    } else if (is_acceptor(i)) {
      out = "acceptor promised " + ballot_string(node->acceptor().promised()) + " accepted " +
            ballot_string(node->acceptor().accepted_ballot());
      if (node->acceptor().accepted_value()) out += "=" + std::to_string(*node->acceptor().accepted_value());
    } else {
      out = "proposer ballot " + ballot_string(node->proposer().ballot()) + " phase " +
            std::to_string(static_cast<int>(node->proposer().phase()));
      if (node->proposer().value()) out += " value " + std::to_string(*node->proposer().value());
      if (node->learned()) out += " learned " + std::to_string(*node->learned());
    }
    if (node && node->held_messages() > 0) out += " held " + std::to_string(node->held_messages());
    const Disk& d = disk(s, i);
    out += " | disk promised " + ballot_string(d.state.promised) + " accepted " +
           ballot_string(d.state.accepted_ballot) + " round " + std::to_string(d.state.proposer_round);
    return out;
  }
  std::string format_change(const State& b, const State& a) const {
    std::string out;
    for (std::size_t i = 0; i < cluster(); ++i) {
      const std::string after = node_string(a, i);
      if (after != node_string(b, i)) out += "     node " + std::to_string(i + 1) + ": " + after + "\n";
    }
    auto count = [](const State& st, Ref r) { return std::count(st.network.begin(), st.network.begin() + st.in_flight, r); };
    for (std::size_t k = 0; k < a.in_flight; ++k)
      if ((k == 0 || a.network[k] != a.network[k - 1]) && count(a, a.network[k]) > count(b, a.network[k]))
        out += "     + sent " + message_string(message(a, k)) + "\n";
    if (!chosen_any(b) && chosen_any(a))
      out += "     ghost: value " + std::to_string(history(a).chosen()[0]) + " is now chosen\n";
    if (a.violation != b.violation)
      out += std::string("     VIOLATION: ") + paxos_invariants::to_string(a.violation) + "\n";
    return out;
  }
  std::string format_state(const State& s) const {
    std::string out;
    for (std::size_t i = 0; i < cluster(); ++i)
      out += "     node " + std::to_string(i + 1) + ": " + node_string(s, i) + "\n";
    return out;
  }
  static nlohmann::json ballot_json(paxos::Ballot b) { return {b.round, b.node}; }
  static nlohmann::json message_json(const Message& m) {
    nlohmann::json j{{"type", paxos::to_string(m.type)}, {"from", m.from}, {"to", m.to}, {"ballot", ballot_json(m.ballot)},
                     {"accepted_ballot", ballot_json(m.accepted_ballot)}, {"promised", ballot_json(m.promised)}};
    j["value"] = m.value ? nlohmann::json(*m.value) : nlohmann::json(nullptr);
    return j;
  }
  nlohmann::json action_json(const State& s, const Action& a) const {
    nlohmann::json j{{"kind", kind_name(a.kind)}, {"node", a.node}};
    if (a.kind == Kind::deliver || a.kind == Kind::drop || a.kind == Kind::duplicate)
      j["message"] = message_json(message(s, a.message));
    if (a.kind == Kind::propose) j["value"] = value_of(a.node - 1u);
    return j;
  }
  nlohmann::json state_json(const State& s) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (std::size_t i = 0; i < cluster(); ++i) nodes.push_back(node_string(s, i));
    nlohmann::json network = nlohmann::json::array();
    for (std::size_t k = 0; k < s.in_flight; ++k) network.push_back(message_json(message(s, k)));
    const History& h = history(s);
    nlohmann::json chosen = nlohmann::json::array();
    for (const auto& acc : h.acceptances())
      if (acc.acceptors.size() >= quorum::majority(bounds_.acceptors))
        chosen.push_back({{"ballot", ballot_json(acc.ballot)}, {"value", acc.value}});
    nlohmann::json j{{"nodes", nodes}, {"network", network}, {"chosen", chosen},
                     {"learned", h.learned() ? nlohmann::json(*h.learned()) : nlohmann::json(nullptr)}};
    if (s.violation != Violation::none) j["violation"] = paxos_invariants::to_string(s.violation);
    return j;
  }

  static bool message_less(const Message& a, const Message& b) {
    auto key = [](const Message& m) {
      return std::tuple(m.to, m.from, m.type, m.ballot, m.accepted_ballot, m.promised, m.value.has_value(),
                        m.value.value_or(0));
    };
    return key(a) < key(b);
  }

 private:
  static NodeId id_of(std::size_t i) { return static_cast<NodeId>(i + 1); }

  // How the pools hash, compare and summarise components (model_support.hpp).
  // Nodes, disks, messages and histories are hashed straight to their
  // fingerprint terms (a node's slot is its id's, a disk's its owner's,
  // under the renaming), so the pools cache terms.
  struct NodeTraits : ComponentTraits {
    static std::uint64_t hash(const Node& v, const Renaming& r, std::uint64_t seed) {
      return Terms::node(r(v.id()) - 1u, ComponentTraits::hash(v, r, seed));
    }
    static bool equal(const Node& a, const Node& b) { return a.protocol_equal(b); }  // timers left out
    // Bit 0: has something to persist or messages held (persist is enabled);
    // bit 1: the proposer can begin a round; bits 8-15: its ballot's round.
    static std::uint32_t summary(const Node& n) {
      const bool persist = !n.persist_request().empty() || n.held_messages() > 0;
      return std::uint32_t{persist} | std::uint32_t{n.proposer().can_begin_round()} << 1 |
             static_cast<std::uint32_t>(std::min<paxos::Round>(n.proposer().ballot().round, 255)) << 8;
    }
  };
  struct MessageTraits : ComponentTraits {
    static std::uint64_t hash(const Message& v, const Renaming& r, std::uint64_t seed) {
      return Terms::message(ComponentTraits::hash(v, r, seed));
    }
    static std::uint32_t summary(const Message& m) { return m.to; }  // the destination
  };
  struct HistoryTraits : ComponentTraits {
    static std::uint64_t hash(const History& v, const Renaming& r, std::uint64_t seed) {
      return Terms::history(ComponentTraits::hash(v, r, seed));
    }
  };
  struct DiskTraits : ComponentTraits {
    static std::uint64_t hash(const Disk& v, const Renaming& r, std::uint64_t seed) {
      Hasher h(seed);
      v.state.hash_append(h, r);
      return Terms::disk(r(v.owner) - 1u, h.value());
    }
  };
  static bool summary_persist(std::uint32_t x) { return (x & 1u) != 0; }
  static bool summary_can_begin_round(std::uint32_t x) { return (x >> 1 & 1u) != 0; }
  static paxos::Round summary_round(std::uint32_t x) { return x >> 8 & 255u; }

  Ref intern_node(const Node& v) const { return nodes_.intern(v, renamings_); }
  Ref intern_disk(const Disk& v) const { return disks_.intern(v, renamings_); }
  Ref intern_message(const Message& v) const { return messages_.intern(v, renamings_); }
  Ref intern_history(const History& v) const { return histories_.intern(v, renamings_); }

  // The network's canonical order: by message hash, then content.
  bool add_message(State& s, Ref m) const {
    return network_add(s.network, s.in_flight, m,
                       [this](Ref a, Ref b) { return messages_.ordered_before(a, b, &message_less); });
  }
  static void remove_message(State& s, std::size_t k) { network_remove(s.network, s.in_flight, k); }

  // Memoised node transitions: (node, input[, disk]) -> (node, disk, sent),
  // ghost updates: (history, before, after) -> (history, violation), and
  // client proposals: (history, value) -> history.
  using StepKey = NodeStepKey<Kind>;
  using StepResult = NodeStepResult<Config::outbox_capacity>;
  struct ProposalKey {
    Ref history = kNoRef;
    Value value = 0;
    std::uint64_t hash() const { return memo_key_hash(history, value); }
    friend bool operator==(const ProposalKey&, const ProposalKey&) = default;
  };
  using GhostResult = RecordResult<Violation>;
  // StepResult::bits: what successor() needs of the nodes before and after
  // the step without reading them (next_state and within_boundary read them).
  static constexpr std::uint8_t kStartsRound = 1;     // the proposer's ballot was null and is not
  static constexpr std::uint8_t kRoundPastBound = 2;  // a proposer now past max_round (outside the boundary)
  static constexpr std::uint8_t kHadLearned = 4;      // the node before had learned (refuses proposals)

  // Runs one input on node nd (a copy of node i) and, for persist, its disk.
  void run_input(Node& nd, std::size_t i, Ref& disk_ref, Kind kind, Ref arg) const {
    switch (kind) {
      case Kind::deliver: (void)nd.step(messages_.value(arg)); break;
      case Kind::propose: (void)nd.propose(value_of(i)); break;
      case Kind::timeout: (void)nd.start_round(); break;
      case Kind::persist: {
        const auto request = nd.persist_request();
        Disk written{request.state, id_of(i)};
        if (bounds_.lossy_disk) written.state.promised = disks_.value(disk_ref).state.promised;  // the promise is lost
        disk_ref = intern_disk(written);
        (void)nd.persisted(request);
        break;
      }
      default: break;
    }
  }

  // One input to node i of s (arg: the delivered message, else 0),
  // memoised: run it on a copy, drain its outbox, intern the results. ok is
  // false when the outbox held more than the result can (never within the
  // bounds). The reference stays valid until the next step (the memo's
  // contract).
  const StepResult& step(const State& s, std::size_t i, Kind kind, Ref arg) const {
    const StepKey key{s.nodes[i], arg, kind == Kind::persist ? s.disks[i] : kNoRef, kind};
    const std::uint64_t h = key.hash();
    if (const StepResult* found = steps_.lookup(h, key)) [[likely]]
      return *found;
    return compute_step(s, i, key, h);
  }

  [[gnu::noinline]] const StepResult& compute_step(const State& s, std::size_t i, const StepKey& key,
                                                    std::uint64_t h) const {
    StepResult result;
    const Node& before = node(s, i);
    Node after = before;
    Ref disk_ref = s.disks[i];
    run_input(after, i, disk_ref, key.kind, key.arg);
    result.ok = result.take_outbox(after, [this](const Message& m) { return intern_message(m); });
    result.node = intern_node(after);
    result.disk = disk_ref;
    result.bits = step_bits(i, &before, after);
    result.record = may_change_history(before, after);
    // The fingerprint terms the step swaps (a function of the key): the
    // node's, the sent messages' and the delivered one's, the disk's for
    // persist (the only kind keyed by it).
    std::uint64_t& d = result.sum_delta;
    d = nodes_.identity_hash(result.node) - nodes_.identity_hash(s.nodes[i]);
    for (std::size_t k = 0; k < result.sent_count; ++k) d += messages_.identity_hash(result.sent[k]);
    if (key.kind == Kind::deliver) d -= messages_.identity_hash(key.arg);
    if (key.kind == Kind::persist) d += disks_.identity_hash(result.disk) - disks_.identity_hash(s.disks[i]);
    // The same under every renaming (CanonicalSums::step adds it).
    if (canonical_incremental()) {
      CanonicalSums sums{*this, {}};
      sums.node(i, s.nodes[i], result.node);
      for (std::size_t k = 0; k < result.sent_count; ++k) sums.message(result.sent[k], true);
      if (key.kind == Kind::deliver) sums.message(key.arg, false);
      if (key.kind == Kind::persist) {
        sums.sub(disks_[s.disks[i]].hash);
        sums.add(disks_[result.disk].hash);
      }
      result.sums_delta = sums_deltas_.intern(sums.sum.value());
    }
    steps_.insert(h, key, result);
    return *steps_.lookup(h, key);
  }

  // Node i + 1 restarted from its disk, memoised like a step: the key is
  // the disk and the node's index (two nodes may have equal disks).
  const StepResult& restarted_node(const State& s, std::size_t i) const {
    const StepKey key{kNoRef, static_cast<Ref>(i), s.disks[i], Kind::restart};
    const std::uint64_t h = key.hash();
    if (const StepResult* found = steps_.lookup(h, key)) return *found;
    StepResult result;
    const Node restarted = Node::restart(options_for(i), disk(s, i).state);
    result.node = intern_node(restarted);
    result.ok = true;
    result.bits = step_bits(i, nullptr, restarted);
    result.sum_delta = nodes_.identity_hash(result.node) - kDownTerms[i];
    if (canonical_incremental()) {
      CanonicalSums sums{*this, {}};
      sums.node(i, kNoRef, result.node);
      result.sums_delta = sums_deltas_.intern(sums.sum.value());
    }
    steps_.insert(h, key, result);
    return *steps_.lookup(h, key);
  }

  // Whether History::record(&before, after) can change the ghost or report
  // a violation. It cannot when every check it makes passes on the two
  // nodes alone and what it records is what before's record already did:
  // the same durable state (the history's durable ballots are at least a
  // recorded node's) and the same learned value (checked chosen when
  // learned; chosen values and the first learned one never change). Only
  // violation-free histories are extended: the search stops at a violation.
  static bool may_change_history(const Node& before, const Node& after) {
    if (after.roles().acceptor) {
      const auto &a = after.acceptor(), &b = before.acceptor();
      if (a.accepted_ballot() > a.promised() || a.promised() < b.promised() ||
          a.accepted_ballot() < b.accepted_ballot() ||
          (a.accepted_ballot() != b.accepted_ballot() && a.accepted_ballot() < b.promised()))
        return true;
      if (!(after.durable_state() == before.durable_state())) return true;
    }
    return after.roles().learner && after.learned() && !(after.learned() == before.learned());
  }

  std::uint8_t step_bits(std::size_t i, const Node* before, const Node& after) const {
    std::uint8_t bits = 0;
    if (before && before->proposer().ballot().is_null() && !after.proposer().ballot().is_null()) bits |= kStartsRound;
    if (!is_acceptor(i) && after.proposer().ballot().round > bounds_.max_round) bits |= kRoundPastBound;
    if (before && before->learned()) bits |= kHadLearned;
    return bits;
  }

  // One input to node i: its memoised step, the step's messages into the
  // network, then the transition recorded in the ghost history. False when
  // the network's or the outbox's capacity would be exceeded (never within
  // the bounds). Reads the nodes, not the step's bits: the BFS checks
  // successor()'s predictions against the states built here.
  bool input(State& s, std::size_t i, Kind kind, Ref arg) const {
    const StepResult& result = step(s, i, kind, arg);
    if (!result.ok) return false;
    for (std::size_t k = 0; k < result.sent_count; ++k)
      if (!add_message(s, result.sent[k])) return false;
    const Ref before = s.nodes[i];
    s.nodes[i] = result.node;
    if (kind == Kind::persist) s.disks[i] = result.disk;  // only persist's key includes the disk
    if (before == result.node) return true;
    if (nodes_.value(before).proposer().ballot().is_null() && !node(s, i).proposer().ballot().is_null())
      s.started = static_cast<std::uint8_t>(s.started | (1u << i));
    if (result.record) record(s, before, result.node);
    return true;
  }

  // The history records node transition before -> after (before kNoRef: the
  // node was down) and reports the first violation of its checks.
  void record(State& s, Ref before, Ref after) const {
    const auto result = memoised_record<Violation>(records_, nodes_, histories_, s.history, before, after, renamings_);
    s.history = result.history;
    if (s.violation == Violation::none) s.violation = result.violation;
  }

  // A client gives a proposer value v: the history after it, memoised.
  GhostResult proposal(Ref history, Value v) const {
    const ProposalKey key{history, v};
    const std::uint64_t h = key.hash();
    GhostResult result;
    if (!proposals_.find(h, key, result)) {
      History updated = histories_.value(history);
      result.violation = updated.proposed(v);
      result.history = updated == histories_.value(history) ? history : intern_history(updated);
      proposals_.insert(h, key, result);
    }
    return result;
  }
  void record_proposal(State& s, Value v) const {
    const GhostResult result = proposal(s.history, v);
    s.history = result.history;
    if (s.violation == Violation::none) s.violation = result.violation;
  }

  // The fingerprint is additive (sum_hash in model_support.hpp): per node
  // slot, the node's term (cached by its pool) or kDownTerms[slot], its
  // disk's term and its flags' (proposed, started, restarted); per message
  // in flight its term (cached); the ghost history's (cached); one for the
  // budgets and the violation. Under a renaming, node i + 1's components
  // take the slot of the id it is renamed to.
  using Terms = sum_hash::Terms<kMaxNodes>;
  static constexpr auto kDownTerms = Terms::kDown;
  static constexpr auto kFlagTerms = [] {
    std::array<std::array<std::uint64_t, 8>, kMaxNodes> a{};
    for (std::size_t i = 0; i < kMaxNodes; ++i)
      for (std::uint64_t f = 0; f < 8; ++f) a[i][f] = sum_hash::term(f, sum_hash::salt(5, i));
    return a;
  }();
  // Node i + 1's flags: proposed, started, restarted (bits 0-2).
  static unsigned flags_of(std::uint8_t proposed, std::uint8_t started, std::uint8_t restarted, std::size_t i) {
    return (proposed >> i & 1u) | (started >> i & 1u) << 1 | (restarted >> i & 1u) << 2;
  }
  // The budgets and the violation (the number in flight is the network's).
  struct Small {
    std::uint8_t drops, dups, crashes;
    Violation violation;
    friend bool operator==(const Small&, const Small&) = default;
  };
  static Small small_of(const State& s) { return Small{s.drops_left, s.dups_left, s.crashes_left, s.violation}; }
  static std::uint64_t budget_term(const Small& f) {
    return Terms::budgets(std::uint64_t{f.drops} | std::uint64_t{f.dups} << 8 | std::uint64_t{f.crashes} << 16 |
                          std::uint64_t{static_cast<std::uint8_t>(f.violation)} << 24);
  }

  // successor()'s sum: the identity renaming's, a memoised step adding its
  // sum_delta.
  struct PrimarySum {
    const PaxosModel& m;
    std::uint64_t sum;
    void step(const StepResult& r) { sum += r.sum_delta; }  // a memoised step or restart
    void crash(std::size_t i, Ref node) { sum += kDownTerms[i] - m.nodes_.identity_hash(node); }
    void message(Ref msg, bool add) {
      const std::uint64_t t = m.messages_.identity_hash(msg);
      sum = add ? sum + t : sum - t;
    }
    void flags(std::size_t i, unsigned before, unsigned after) { sum += kFlagTerms[i][after] - kFlagTerms[i][before]; }
    void small(const Small& before, const Small& after) { sum += budget_term(after) - budget_term(before); }
    void history(Ref before, Ref after) {
      sum += m.histories_.identity_hash(after) - m.histories_.identity_hash(before);
    }
    std::uint64_t fingerprint() const { return m.fingerprint_from_base(sum); }
  };

  // canonical_successor()'s sums, one per renaming r (renamed_sum's terms,
  // node i + 1's in the slot r moves it to); loops run over all kCached.
  struct CanonicalSums {
    const PaxosModel& m;
    sum_hash::SumLanes<kCached> sum;
    void add(const CanonicalBase& t) { sum.add(t); }
    void sub(const CanonicalBase& t) { sum.sub(t); }
    void node(std::size_t i, Ref before, Ref after) {
      sub(before != kNoRef ? m.nodes_[before].hash : m.down_terms_[i]);
      add(after != kNoRef ? m.nodes_[after].hash : m.down_terms_[i]);
    }
    void step(const StepResult& r) { add(m.sums_deltas_[r.sums_delta]); }  // every change, summed when memoised
    void crash(std::size_t i, Ref n) { node(i, n, kNoRef); }
    void message(Ref msg, bool add_it) {
      if (add_it) {
        add(m.messages_[msg].hash);
      } else {
        sub(m.messages_[msg].hash);
      }
    }
    void flags(std::size_t i, unsigned before, unsigned after) {
      sub(m.flag_terms_[i][before]);
      add(m.flag_terms_[i][after]);
    }
    // The budgets and the violation: one term, the same under every renaming.
    void small(const Small& b, const Small& a) { sum.add_each(budget_term(a) - budget_term(b)); }
    void history(Ref before, Ref after) {
      sub(m.histories_[before].hash);
      add(m.histories_[after].hash);
    }
    std::uint64_t fingerprint() const { return sum_hash::finish(sum.min(m.unused_), kPrimarySeed); }
  };

  // The sum under renamings_[ri] with `seed` (cached: the pools' cached
  // hashes where they have them; false recomputes every one, for tests).
  std::uint64_t renamed_sum(const State& s, std::size_t ri, std::uint64_t seed, bool cached) const {
    const Renaming& r = renamings_[ri];
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < cluster(); ++i) {
      const std::size_t j = r(id_of(i)) - 1u;  // node i + 1 takes slot j
      sum += up(s, i) ? nodes_.hash(s.nodes[i], ri, seed, renamings_, cached) : kDownTerms[j];
      sum += disks_.hash(s.disks[i], ri, seed, renamings_, cached);
      sum += kFlagTerms[j][flags_of(s.proposed, s.started, s.restarted, i)];
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) sum += messages_.hash(s.network[k], ri, seed, renamings_, cached);
    sum += budget_term(small_of(s));
    // The history renames acceptor sets and durable promises; ballots name
    // proposers, which acceptor renamings leave alone.
    sum += histories_.hash(s.history, ri, seed, renamings_, cached);
    return sum;
  }

  // renamed_sum(s, 0, kPrimarySeed, true), the search's hot path: reads
  // only the pools' dense hash tables.
  std::uint64_t primary_sum(const State& s) const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < cluster(); ++i) {
      sum += up(s, i) ? nodes_.identity_hash(s.nodes[i]) : kDownTerms[i];
      sum += disks_.identity_hash(s.disks[i]);
      sum += kFlagTerms[i][flags_of(s.proposed, s.started, s.restarted, i)];
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) sum += messages_.identity_hash(s.network[k]);
    sum += budget_term(small_of(s));
    sum += histories_.identity_hash(s.history);
    return sum;
  }

 public:
  // For tests: the fast path equals the general hash recomputed from the
  // components' values.
  bool primary_hash_agrees(const State& s) const {
    return primary_sum(s) == renamed_sum(s, 0, kPrimarySeed, false) &&
           primary_sum(s) == renamed_sum(s, 0, kPrimarySeed, true);
  }

 private:
  template <Violation V>
  static bool not_recorded(const PaxosModel&, const State& s) {
    return s.violation != V;
  }
  static bool value_chosen(const PaxosModel& m, const State& s) { return m.chosen_any(s); }
  static bool chosen_after_duel(const PaxosModel& m, const State& s) {
    const std::size_t began = static_cast<std::size_t>(std::popcount(static_cast<unsigned>(s.started)));
    return m.bounds_.proposers >= 2 && began >= 2 && m.chosen_any(s);
  }
  static bool acceptor_restarted(const PaxosModel& m, const State& s) {
    for (std::size_t i = 0; i < m.bounds_.acceptors; ++i)
      if ((s.restarted >> i & 1u) && m.up(s, i)) return true;
    return false;
  }

  // The invariants are paxos_invariants.hpp's, named as there (and as the
  // property tests and synod-replay report them).
  static constexpr std::array<Property<PaxosModel>, 13> kProperties{
      Property<PaxosModel>::always("AtMostOneChosen", &not_recorded<Violation::at_most_one_chosen>),
      Property<PaxosModel>::always("ChosenWasProposed", &not_recorded<Violation::chosen_was_proposed>),
      Property<PaxosModel>::always("LearnersAgree", &not_recorded<Violation::learners_agree>),
      Property<PaxosModel>::always("LearnedWasChosen", &not_recorded<Violation::learned_was_chosen>),
      Property<PaxosModel>::always("OneValuePerBallot", &not_recorded<Violation::one_value_per_ballot>),
      Property<PaxosModel>::always("PromiseNeverFalls", &not_recorded<Violation::promise_never_falls>),
      Property<PaxosModel>::always("AcceptedWithinPromise", &not_recorded<Violation::accepted_within_promise>),
      Property<PaxosModel>::always("AcceptRespectsPromise", &not_recorded<Violation::accept_respects_promise>),
      Property<PaxosModel>::always("RestartKeepsDurableState",
                                   &not_recorded<Violation::restart_keeps_durable_state>),
      Property<PaxosModel>::always("HistoryCapacity", &not_recorded<Violation::history_full>),
      Property<PaxosModel>::sometimes("a value is chosen", &value_chosen),
      Property<PaxosModel>::sometimes("a value is chosen after dueling proposers", &chosen_after_duel),
      Property<PaxosModel>::sometimes("a crashed acceptor restarts", &acceptor_restarted),
  };

  PaxosBounds bounds_;
  std::vector<Renaming> renamings_;
  mutable ComponentPool<Node, kCached, NodeTraits> nodes_;
  mutable ComponentPool<Disk, kCached, DiskTraits> disks_;
  mutable ComponentPool<Message, kCached, MessageTraits> messages_;
  mutable ComponentPool<History, kCached, HistoryTraits> histories_;
  mutable Memo<StepKey, StepResult> steps_;
  mutable Memo<RecordKey, GhostResult> records_;
  mutable Memo<ProposalKey, GhostResult> proposals_;
  // [i][r] (and [i][flags][r]): node i + 1's term when down (its flags'
  // term) under renaming r, i.e. in the slot r moves it to (r < kCached).
  std::array<CanonicalBase, kMaxNodes> down_terms_{};
  std::array<std::array<CanonicalBase, 8>, kMaxNodes> flag_terms_{};
  CanonicalBase unused_{};  // [r]: all ones when the cluster has no renaming r
  // What memoised steps add to the sums of the renamings (StepResult::sums_delta).
  mutable SumsDeltas<kCached> sums_deltas_;
};

}  // namespace synod::check::models
