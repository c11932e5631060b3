// synod/check/cluster_model.hpp - the interned cluster model every kernel
// protocol model shares: N real kernel nodes, each with a "disk" written only
// through its persist requests, a bounded network, fault budgets and a ghost
// history for the properties. A protocol (checker/models/raft_model.hpp,
// paxos_model.hpp) derives from ClusterModel<Derived, Types> and supplies
// only what is its own: how a node is built, restarted and driven, how a
// persist request is written to the disk, its actions, flags, boundary,
// ghost and properties, and how its messages print.
//
// Representation: every component (kernel node, disk, message, ghost
// history) is interned once in a pool of the model (collapse compression,
// synod/check/intern.hpp) with its hashes computed once; a state is about a
// hundred bytes of references, and its fingerprint combines cached hashes.
// Interning compares nodes with Node::protocol_equal: timers are not part of
// the state.
//
// State = per node: the kernel node (or "down" after a crash) and its disk;
// the network, a multiset of in-flight messages kept sorted (so equal
// multisets are equal states); the budgets of drops, duplicates and crashes;
// which nodes have restarted; the protocol's own small fields (Types::Fields:
// more budgets, per-node flags); the ghost history and the first violation a
// transition showed.
//
// Time is abstract: a timer firing is one action, never a run of ticks; the
// kernels leave their timers out of Node::hash_append.
//
// Actions, in this order (the action index is the position in it):
//   1. deliver message k to its (up) destination, for each distinct message
//      k of the network in its canonical order (identical copies give one
//      action);
//   2. the protocol's actions (Derived::protocol_actions), each one input to
//      one node;
//   3. persist: node i makes its persist request durable and releases held
//      messages (when it has anything to persist or hold);
//   4. drop message k (budget);   5. duplicate message k (budget, room);
//   6. crash node i (budget);     7. restart node i (down).
// Within each group, messages go in network order and nodes by id. After
// every input the node's outbox is drained into the network. States whose
// network holds more than max_msgs messages, or that the protocol's
// boundary rejects, are outside the boundary.
//
// Node transitions are memoised: (node, input[, disk]) -> (node, disk,
// messages sent, fingerprint delta), and ghost updates (history, before,
// after) -> (history, violation). The fingerprint is additive (sum_hash in
// model_support.hpp), so successor() and canonical_successor() give a
// successor's fingerprint from its parent's sum and the memoised step's
// delta without building it (IncrementalModel, IncrementalSymmetricModel).
//
// Everything is a template inlined into the protocol's model: hooks are
// called on the derived class statically (no virtual calls), and a hook the
// protocol does not declare falls back to the default below.
//
// The Types struct gives: Node, Message, Disk (with a NodeId `owner`),
// History, Violation (with `none`), Kind (an enum: deliver first, then the
// protocol's inputs and persist, then drop, duplicate, crash, restart: the
// kinds before drop are node inputs), Fields (defaulted ==), Bounds (max_msgs,
// drops, dups, crashes), kName, kMaxNodes, kNetworkCapacity, kMaxSent,
// kCached, kFlagValues, flags_of(restarted, fields, i) (node i's flags,
// < kFlagValues), flag_term(slot, flags), budget_word(fields) (bits 24..47
// of the budgets' word), kViolationShift and violation_string(v).
//
// The derived class (a friend of its base) gives:
//   initial_node(i), restart_node(i, disk), initial_fields()
//   protocol_actions(s, summaries, emit)     its actions, group 2 above
//   input_argument(a, s)                     a protocol action's input argument, on
//                                            next_state's State or successor()'s Delta
//                                            (may spend a budget, set a flag, update
//                                            the ghost: ClusterModel::ghost)
//   run_input(node, i, disk, kind, arg)      runs one input on a copy of node i (persist:
//                                            writes the disk, the seeded disk faults too);
//                                            false: refused
//   may_change_history(before, after)        false when History::record cannot change
//   node_summary(n), summary_persist(x)      a node's summary bits (ComponentPool)
//   disk_hash(disk, renaming, seed), message_less(a, b)
//   properties(), kKindNames, message_string(m), message_json(m), node_string(s, i),
//   describe(s, a) (persist and its kinds), change_lines(b, a), state_json(s)
// and may declare (defaults below): spends_budget(kind), step_bits(i, before,
// after), step_within(result), stepped(a, result, delta), on_step_changed(fields,
// i, result), on_node_changed(s, i, before), on_restart(fields, i),
// protocol_within(s), node_aux(n), history_summary(h), state_footer(s),
// action_json_extra(j, a), trace_action_extra(j, s, a) (a protocol action's
// trace fields), step_violation(before, after, kind, arg, disk) (a violation
// one input shows on the node alone, its outbox not yet drained; `disk` is
// the node's disk after the input, meaningful when keys_disk(kind)),
// writes_disk(kind) (the kinds that write the disk, persist's by default:
// their steps are keyed by it and replace it) and keys_disk(kind) (the
// kinds whose steps are keyed by the disk, writes_disk's by default).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <synod/check/intern.hpp>
#include <synod/check/model.hpp>
#include <synod/check/model_support.hpp>
#include <synod/hash.hpp>
#include <synod/ids.hpp>

namespace synod::check {

template <class Derived, class Types>
class ClusterModel {
 public:
  using Node = typename Types::Node;
  using Message = typename Types::Message;
  using Disk = typename Types::Disk;
  using History = typename Types::History;
  using Violation = typename Types::Violation;
  using Kind = typename Types::Kind;
  using Fields = typename Types::Fields;
  using Bounds = typename Types::Bounds;
  static constexpr std::size_t kMaxNodes = Types::kMaxNodes;
  static constexpr std::size_t kNetworkCapacity = Types::kNetworkCapacity;
  // Hashes under the first kCached renamings are cached by the pools.
  static constexpr std::size_t kCached = Types::kCached;

  struct State {
    std::array<Ref, kMaxNodes> nodes{};  // index i is node id i + 1; kNoRef: down
    std::array<Ref, kMaxNodes> disks{};
    std::array<Ref, kNetworkCapacity> network{};  // [0, in_flight): canonical order
    std::uint8_t in_flight = 0;
    std::uint8_t drops_left = 0;
    std::uint8_t dups_left = 0;
    std::uint8_t crashes_left = 0;
    std::uint8_t restarted = 0;  // bit i: node i + 1 has restarted at least once
    Fields protocol{};           // the protocol's own budgets and flags
    Violation violation = Violation::none;  // the first violation a transition showed
    Ref history = kNoRef;                   // the ghost
    friend bool operator==(const State&, const State&) = default;
  };

  struct Action {
    Kind kind;
    NodeId node;           // the node acted on (deliver: the destination)
    std::uint8_t message;  // deliver/drop/duplicate: position in the network
  };

  ClusterModel(const ClusterModel&) = delete;
  ClusterModel& operator=(const ClusterModel&) = delete;

  std::string name() const { return Types::kName; }
  const Bounds& bounds() const { return bounds_; }
  std::size_t cluster() const { return n_; }

  // ------------------------------------------------------------ components
  bool up(const State& s, std::size_t i) const { return s.nodes[i] != kNoRef; }
  const Node& node(const State& s, std::size_t i) const { return nodes_.value(s.nodes[i]); }
  const Disk& disk(const State& s, std::size_t i) const { return disks_.value(s.disks[i]); }
  const Message& message(const State& s, std::size_t k) const { return messages_.value(s.network[k]); }
  const History& history(const State& s) const { return histories_.value(s.history); }
  std::size_t interned_bytes() const {
    return nodes_.bytes() + disks_.bytes() + messages_.bytes() + histories_.bytes();
  }

  // ------------------------------------------------------------ the verbs
  template <class Emit>
  void init_states(Emit&& emit) const {
    State s;
    s.nodes.fill(kNoRef);
    s.disks.fill(kNoRef);
    s.network.fill(kNoRef);
    for (std::size_t i = 0; i < n_; ++i) {
      s.nodes[i] = intern_node(derived().initial_node(i));
      Disk d{};
      d.owner = id_of(i);
      s.disks[i] = intern_disk(d);
    }
    s.drops_left = bounds_.drops;
    s.dups_left = bounds_.dups;
    s.crashes_left = bounds_.crashes;
    s.protocol = derived().initial_fields();
    s.history = intern_history(History{});
    emit(s);
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    auto distinct_messages = [&](auto&& f) { for_each_distinct_message(s.network, s.in_flight, f); };
    distinct_messages([&](std::uint8_t k) {
      const auto to = static_cast<NodeId>(messages_.summary(s.network[k]));
      if (to >= 1 && to <= n_ && up(s, to - 1u)) emit(Action{Kind::deliver, to, k});
    });
    std::array<std::uint32_t, kMaxNodes> summary{};  // the nodes' summaries (Derived::node_summary), 0 when down
    for (std::size_t i = 0; i < n_; ++i) summary[i] = up(s, i) ? nodes_.summary(s.nodes[i]) : 0;
    derived().protocol_actions(s, summary, emit);
    for (std::size_t i = 0; i < n_; ++i)
      if (up(s, i) && Derived::summary_persist(summary[i])) emit(Action{Kind::persist, id_of(i), 0});
    if (s.drops_left > 0)
      distinct_messages([&](std::uint8_t k) { emit(Action{Kind::drop, message(s, k).to, k}); });
    if (s.dups_left > 0 && s.in_flight < bounds_.max_msgs)
      distinct_messages([&](std::uint8_t k) { emit(Action{Kind::duplicate, message(s, k).to, k}); });
    if (s.crashes_left > 0)
      for (std::size_t i = 0; i < n_; ++i)
        if (up(s, i)) emit(Action{Kind::crash, id_of(i), 0});
    for (std::size_t i = 0; i < n_; ++i)
      if (!up(s, i)) emit(Action{Kind::restart, id_of(i), 0});
  }

  std::optional<State> next_state(const State& s, const Action& a) const {
    std::optional<State> result(s);  // built in place: returned without another copy
    State& next = *result;
    const std::size_t i = a.node - 1u;
    bool ok = true;
    switch (a.kind) {
      case Kind::deliver:
        remove_message(next, a.message);
        ok = input(next, i, Kind::deliver, s.network[a.message]);
        break;
      case Kind::persist: ok = input(next, i, Kind::persist, 0); break;
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
        next.nodes[i] = kNoRef;  // volatile state (and held messages) lost; the disk stays
        break;
      case Kind::restart:
        next.nodes[i] = restarted_node(s, i).node;
        next.restarted = static_cast<std::uint8_t>(next.restarted | (1u << i));
        Derived::on_restart(next.protocol, i);
        record(next, kNoRef, next.nodes[i]);  // from "down"
        break;
      default:  // the protocol's: one input to node i, its argument from the hook
        ok = input(next, i, a.kind, derived().input_argument(a, next));
        break;
    }
    if (!ok) return std::nullopt;
    return result;
  }

  bool within_boundary(const State& s) const { return s.in_flight <= bounds_.max_msgs && derived().protocol_within(s); }

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    if (seed == kPrimarySeed) return sum_hash::finish(primary_sum(s), seed);
    return sum_hash::finish(renamed_sum(s, 0, seed, true), seed);
  }

  // Symmetry over the protocol's symmetric ids: the finish of the smallest
  // sum over their renamings.
  std::uint64_t canonical_fingerprint(const State& s, std::uint64_t seed) const {
    std::uint64_t best = ~std::uint64_t{0};
    for (std::size_t r = 0; r < renamings_.size(); ++r) best = std::min(best, renamed_sum(s, r, seed, true));
    return sum_hash::finish(best, seed);
  }

  // The primary fingerprint of next_state(s, a) and its boundary check,
  // without building it (IncrementalModel): the parent's sum with the terms
  // of what the action changes swapped, the node step and the ghost update
  // coming from the same memos next_state uses.
  std::uint64_t fingerprint_base(const State& s) const { return primary_sum(s); }
  std::uint64_t fingerprint_from_base(std::uint64_t base) const { return sum_hash::finish(base, kPrimarySeed); }
  std::optional<Successor> successor(const State& s, std::uint64_t base, const Action& a) const {
    PrimarySum sum{*this, base};
    return successor_of(s, sum, a);
  }

  // Each BFS worker thread allocates its memo caches when it starts.
  void prepare_thread() const {
    steps_.prepare_thread();
    records_.prepare_thread();
  }

  // The same under --symmetry (IncrementalSymmetricModel): one sum per
  // renaming (renamed_sum's), the canonical fingerprint the finish of the
  // smallest (as canonical_fingerprint's). Terms come from the pools'
  // cached hashes, so only when every renaming is cached; the BFS asks
  // canonical_incremental() first.
  using CanonicalBase = std::array<std::uint64_t, kCached>;
  bool canonical_incremental() const { return renamings_.size() <= kCached; }
  CanonicalBase canonical_base(const State& s) const
    requires(kCached > 1)
  {
    // renamed_sum(s, r, kPrimarySeed, true) for every r, in one pass over
    // the components. Every loop runs over all kCached sums, a constant the
    // compiler unrolls; with fewer renamings the extra sums are never read.
    sum_hash::SumLanes<kCached> base;
    for (std::size_t i = 0; i < n_; ++i) {
      base.add(disks_[s.disks[i]].hash);
      base.add(up(s, i) ? nodes_[s.nodes[i]].hash : down_terms_[i]);
      const unsigned f = Types::flags_of(s.restarted, s.protocol, i);
      if (!kClearFlagsFree || f != 0) base.add(flag_terms_[i][f]);
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) base.add(messages_[s.network[k]].hash);
    base.add(histories_[s.history].hash);
    base.add_each(budget_term(s));
    return base.value();
  }
  std::uint64_t canonical_from_base(const CanonicalBase& base) const
    requires(kCached > 1)
  {
    return sum_hash::finish(sum_hash::min_sum(base, unused_), kPrimarySeed);
  }
  std::optional<Successor> canonical_successor(const State& s, const CanonicalBase& base, const Action& a) const
    requires(kCached > 1)
  {
    CanonicalSums sums{*this, sum_hash::SumLanes<kCached>(base)};
    return successor_of(s, sums, a);
  }

  // For tests: the fast path equals the general hash recomputed from the
  // components' values (and from the cached hashes).
  bool primary_hash_agrees(const State& s) const {
    return primary_sum(s) == renamed_sum(s, 0, kPrimarySeed, false) &&
           primary_sum(s) == renamed_sum(s, 0, kPrimarySeed, true);
  }

  // ------------------------------------------------------------ presentation
  static std::string_view kind_name(Kind k) { return Derived::kKindNames[static_cast<std::size_t>(k)]; }

  std::string format_action(const State& s, const Action& a) const {
    const std::string who = "node " + std::to_string(a.node);
    switch (a.kind) {
      case Kind::deliver: return "deliver " + Derived::message_string(message(s, a.message));
      case Kind::drop: return "network drops " + Derived::message_string(message(s, a.message));
      case Kind::duplicate: return "network duplicates " + Derived::message_string(message(s, a.message));
      case Kind::crash: return who + " crashes";
      case Kind::restart: return who + " restarts from its disk";
      default: return derived().describe(s, a);  // persist and the protocol's
    }
  }

  std::string format_change(const State& b, const State& a) const {
    std::string out;
    for (std::size_t i = 0; i < n_; ++i) {
      const std::string after = derived().node_string(a, i);
      if (after != derived().node_string(b, i)) out += "     node " + std::to_string(i + 1) + ": " + after + "\n";
    }
    auto count = [](const State& st, Ref r) {
      return std::count(st.network.begin(), st.network.begin() + st.in_flight, r);
    };
    for (std::size_t k = 0; k < a.in_flight; ++k)
      if ((k == 0 || a.network[k] != a.network[k - 1]) && count(a, a.network[k]) > count(b, a.network[k]))
        out += "     + sent " + Derived::message_string(message(a, k)) + "\n";
    out += derived().change_lines(b, a);
    if (a.violation != b.violation)  // the first violation is kept: it appears once
      out += std::string("     VIOLATION: ") + Types::violation_string(a.violation) + "\n";
    return out;
  }

  std::string format_state(const State& s) const {
    std::string out;
    for (std::size_t i = 0; i < n_; ++i)
      out += "     node " + std::to_string(i + 1) + ": " + derived().node_string(s, i) + "\n";
    return out + derived().state_footer(s);
  }

  nlohmann::json action_json(const State& s, const Action& a) const {
    nlohmann::json j{{"kind", kind_name(a.kind)}, {"node", a.node}};
    if (a.kind == Kind::deliver || a.kind == Kind::drop || a.kind == Kind::duplicate)
      j["message"] = Derived::message_json(message(s, a.message));
    derived().action_json_extra(j, a);
    return j;
  }

  // The action as a step of the one trace format (synod/trace/trace.hpp):
  // its type (Derived::kTraceTypes, by kind), the node, or the message by
  // content; a proposal's value (Derived::proposal_value).
  nlohmann::json trace_action(const State& s, const Action& a) const {
    nlohmann::json j{{"type", Derived::kTraceTypes[static_cast<std::size_t>(a.kind)]}};
    if (a.kind == Kind::deliver || a.kind == Kind::drop || a.kind == Kind::duplicate) {
      j["message"] = Derived::message_json(message(s, a.message));
    } else {
      j["node"] = a.node;
    }
    if (a.kind == Kind::propose) j["value"] = derived().proposal_value(s, a);
    derived().trace_action_extra(j, s, a);
    return j;
  }

  nlohmann::json network_json(const State& s) const {
    nlohmann::json network = nlohmann::json::array();
    for (std::size_t k = 0; k < s.in_flight; ++k) network.push_back(Derived::message_json(message(s, k)));
    return network;
  }

 protected:
  // `symmetric`: the ids 1..symmetric the symmetry group renames. The
  // derived class checks its bounds first (in its member initialiser).
  ClusterModel(const Bounds& bounds, std::size_t cluster, std::size_t symmetric) : bounds_(bounds), n_(cluster) {
    if (bounds_.max_msgs > kNetworkCapacity - kMaxNodes)
      throw std::invalid_argument(std::string(Types::kName) + ": max_msgs above " +
                                  std::to_string(kNetworkCapacity - kMaxNodes));
    std::vector<NodeId> ids(symmetric);
    std::iota(ids.begin(), ids.end(), NodeId{1});
    do {  // the first permutation is the identity
      Renaming r;
      for (std::size_t i = 0; i < ids.size(); ++i) r.set(static_cast<NodeId>(i + 1), ids[i]);
      renamings_.push_back(r);
    } while (std::next_permutation(ids.begin(), ids.end()));
    // Per renaming r < kCached: node i + 1's down and flags terms in the
    // slot r moves it to (canonical_base and CanonicalSums add them).
    for (std::size_t r = renamings_.size(); r < kCached; ++r) unused_[r] = ~std::uint64_t{0};
    for (std::size_t r = 0; r < kCached && r < renamings_.size(); ++r) {
      for (std::size_t i = 0; i < n_; ++i) {
        const std::size_t j = renamings_[r](id_of(i)) - 1u;
        down_terms_[i][r] = kDownTerms[j];
        for (std::size_t f = 0; f < Types::kFlagValues; ++f) flag_terms_[i][f][r] = kFlagTerms[j][f];
      }
    }
  }

  const Derived& derived() const { return static_cast<const Derived&>(*this); }
  static NodeId id_of(std::size_t i) { return static_cast<NodeId>(i + 1); }

  // Defaults of the optional hooks (a protocol declares its own to change one).
  static void on_restart(Fields&, std::size_t) {}  // changes flags only
  static constexpr bool spends_budget(Kind) { return false; }
  std::uint8_t step_bits(std::size_t, const Node*, const Node&) const { return 0; }
  void on_node_changed(State&, std::size_t, Ref) const {}
  std::uint32_t node_aux(const Node&) const { return 0; }
  bool protocol_within(const State&) const { return true; }
  static std::uint32_t history_summary(const History&) { return 0; }
  std::string state_footer(const State&) const { return {}; }
  void action_json_extra(nlohmann::json&, const Action&) const {}
  void trace_action_extra(nlohmann::json&, const State&, const Action&) const {}
  // A violation one input shows on the node alone: before it, and after it
  // with what it sent still in its outbox (none by default).
  Violation step_violation(const Node&, const Node&, Kind, Ref, Ref) const { return Violation::none; }
  // The kinds that write the node's disk (the step's key then includes it),
  // and those whose step reads it (step_violation's disk argument).
  static constexpr bool writes_disk(Kind k) { return k == Kind::persist; }
  bool keys_disk(Kind k) const { return derived().writes_disk(k); }

  // How the pools hash, compare and summarise components (model_support.hpp).
  // Nodes, disks, messages and histories are hashed straight to their
  // fingerprint terms (a node's slot is its id's, a disk's its owner's,
  // under the renaming), so the pools cache terms and a fingerprint adds
  // them without mixing. Message summary: the destination.
  using Terms = sum_hash::Terms<kMaxNodes>;
  struct NodeTraits : ComponentTraits {
    static std::uint64_t hash(const Node& v, const Renaming& r, std::uint64_t seed) {
      return Terms::node(r(v.id()) - 1u, ComponentTraits::hash(v, r, seed));
    }
    static bool equal(const Node& a, const Node& b) { return a.protocol_equal(b); }  // timers left out
    static std::uint32_t summary(const Node& n) { return Derived::node_summary(n); }
  };
  struct MessageTraits : ComponentTraits {
    static std::uint64_t hash(const Message& v, const Renaming& r, std::uint64_t seed) {
      return Terms::message(ComponentTraits::hash(v, r, seed));
    }
    static std::uint32_t summary(const Message& m) { return m.to; }
  };
  struct HistoryTraits : ComponentTraits {
    static std::uint64_t hash(const History& v, const Renaming& r, std::uint64_t seed) {
      return Terms::history(ComponentTraits::hash(v, r, seed));
    }
    static std::uint32_t summary(const History& h) { return Derived::history_summary(h); }
  };
  struct DiskTraits : ComponentTraits {
    static std::uint64_t hash(const Disk& v, const Renaming& r, std::uint64_t seed) {
      return Terms::disk(r(v.owner) - 1u, Derived::disk_hash(v, r, seed));
    }
  };

  Ref intern_node(const Node& v) const { return nodes_.intern(v, renamings_, derived().node_aux(v)); }
  Ref intern_disk(const Disk& v) const { return disks_.intern(v, renamings_); }
  Ref intern_message(const Message& v) const { return messages_.intern(v, renamings_); }
  Ref intern_history(const History& v) const { return histories_.intern(v, renamings_); }

  // The network's canonical order: by message hash, then content.
  bool add_message(State& s, Ref m) const {
    return network_add(s.network, s.in_flight, m,
                       [this](Ref a, Ref b) { return messages_.ordered_before(a, b, &Derived::message_less); });
  }
  static void remove_message(State& s, std::size_t k) { network_remove(s.network, s.in_flight, k); }

  using StepKey = NodeStepKey<Kind>;
  using StepResult = NodeStepResult<Types::kMaxSent>;
  using GhostResult = RecordResult<Violation>;
  // Defaults of the optional hooks on a step's result (successor_of): the
  // changed node is within the protocol's boundary; nothing else changes.
  static bool step_within(const StepResult&) { return true; }
  static void on_step_changed(Fields&, std::size_t, const StepResult&) {}  // changes flags only
  template <class D>
  void stepped(const Action&, const StepResult&, D&) const {}

  // One input to node i of s (arg: the delivered message, else the
  // protocol's), memoised: run it on a copy, drain its outbox, intern the
  // results. ok is false when the input is refused or sends more than
  // kMaxSent messages (never within the bounds). The reference stays valid
  // until the next step (the memo's contract).
  const StepResult& step(const State& s, std::size_t i, Kind kind, Ref arg) const {
    const StepKey key{s.nodes[i], arg, derived().keys_disk(kind) ? s.disks[i] : kNoRef, kind};
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
    const bool accepted = derived().run_input(after, i, disk_ref, key.kind, key.arg);
    result.violation = static_cast<std::uint8_t>(derived().step_violation(before, after, key.kind, key.arg, disk_ref));
    const bool fits = result.take_outbox(after, [this](const Message& m) { return intern_message(m); });
    result.ok = accepted && fits;
    result.node = intern_node(after);
    result.disk = disk_ref;
    result.bits = derived().step_bits(i, &before, after);
    result.record = derived().may_change_history(before, after);
    // The fingerprint terms the step swaps (a function of the key: node i's
    // slot is its id's): the node's, the sent messages' and the delivered
    // one's, the disk's for persist (and the protocol's kinds that write it).
    std::uint64_t& d = result.sum_delta;
    d = nodes_.identity_hash(result.node) - nodes_.identity_hash(s.nodes[i]);
    for (std::size_t k = 0; k < result.sent_count; ++k) d += messages_.identity_hash(result.sent[k]);
    if (key.kind == Kind::deliver) d -= messages_.identity_hash(key.arg);
    if (derived().writes_disk(key.kind)) d += disks_.identity_hash(result.disk) - disks_.identity_hash(s.disks[i]);
    // The same under every renaming (CanonicalSums::step adds it).
    if constexpr (kCached > 1) {
      if (canonical_incremental()) {
        CanonicalSums sums{*this, {}};
        sums.node(i, s.nodes[i], result.node);
        for (std::size_t k = 0; k < result.sent_count; ++k) sums.message(result.sent[k], true);
        if (key.kind == Kind::deliver) sums.message(key.arg, false);
        if (derived().writes_disk(key.kind)) {
          sums.sub(disks_[s.disks[i]].hash);
          sums.add(disks_[result.disk].hash);
        }
        result.sums_delta = sums_deltas_.intern(sums.sum.value());
      }
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
    const Node restarted = derived().restart_node(i, disk(s, i));
    result.node = intern_node(restarted);
    result.ok = true;
    result.bits = derived().step_bits(i, nullptr, restarted);
    result.sum_delta = nodes_.identity_hash(result.node) - kDownTerms[i];
    if constexpr (kCached > 1) {
      if (canonical_incremental()) {
        CanonicalSums sums{*this, {}};
        sums.node(i, kNoRef, result.node);
        result.sums_delta = sums_deltas_.intern(sums.sum.value());
      }
    }
    steps_.insert(h, key, result);
    return *steps_.lookup(h, key);
  }

  // Applies one input to node i of s in place: the node's step, its
  // messages into the network, the ghost update. False when the input is
  // refused or the network's capacity would be exceeded. Reads the nodes,
  // not the step's bits: the BFS checks successor()'s predictions against
  // the states built here.
  bool input(State& s, std::size_t i, Kind kind, Ref arg) const {
    const StepResult& result = step(s, i, kind, arg);
    if (!result.ok) return false;
    for (std::size_t k = 0; k < result.sent_count; ++k)
      if (!add_message(s, result.sent[k])) return false;
    const Ref before = s.nodes[i];
    s.nodes[i] = result.node;
    if (derived().writes_disk(kind)) s.disks[i] = result.disk;  // only these kinds' keys include the disk
    if (before != result.node) {
      derived().on_node_changed(s, i, before);
      if (result.record) record(s, before, result.node);
    }
    if (result.violation != 0 && s.violation == Violation::none) s.violation = static_cast<Violation>(result.violation);
    return true;
  }

  // The history records node transition before -> after (before kNoRef: the
  // node was down) and reports the first violation of its checks.
  void record(State& s, Ref before, Ref after) const {
    ghost(s, memoised_record<Violation>(records_, nodes_, histories_, s.history, before, after, renamings_));
  }
  // A ghost update of s (a State, or successor_of's Delta): the first
  // violation is kept.
  template <class S>
  static void ghost(S& s, const GhostResult& g) {
    s.history = g.history;
    if (s.violation == Violation::none) s.violation = g.violation;
  }

  // What successor_of tracks of next_state(s, a) besides its sum: the
  // State's small fields (same names, so flags_of and budget_term read both).
  struct Delta {
    std::size_t in_flight;
    std::uint8_t drops_left, dups_left, crashes_left, restarted;
    Fields protocol;
    Violation violation;
    Ref history;
    bool within = true;  // the changed node within the protocol's boundary (the others are the parent's)
  };

  // next_state(s, a)'s fingerprint sum(s), accumulated in `sum` (PrimarySum
  // or CanonicalSums), and its boundary check, without building it.
  template <class Sum>
  std::optional<Successor> successor_of(const State& s, Sum& sum, const Action& a) const {
    const std::size_t i = a.node - 1u;
    Delta d{s.in_flight, s.drops_left, s.dups_left, s.crashes_left, s.restarted, s.protocol, s.violation, s.history};
    // A node input (deliver, persist, the protocol's) is one memoised step,
    // taken at one call site below.
    Ref arg = 0;
    switch (a.kind) {
      case Kind::deliver:  // the step takes the message's term out
        --d.in_flight;
        arg = s.network[a.message];
        break;
      case Kind::persist: break;
      case Kind::drop:
        --d.drops_left;
        sum.message(s.network[a.message], false);
        --d.in_flight;
        break;
      case Kind::duplicate:
        --d.dups_left;
        if (d.in_flight == kNetworkCapacity) return std::nullopt;
        sum.message(s.network[a.message], true);
        ++d.in_flight;
        break;
      case Kind::crash:
        --d.crashes_left;
        sum.crash(i, s.nodes[i]);
        break;
      case Kind::restart: {
        const StepResult& r = restarted_node(s, i);
        sum.step(r);
        d.within = Derived::step_within(r);
        d.restarted = static_cast<std::uint8_t>(d.restarted | (1u << i));
        Derived::on_restart(d.protocol, i);
        ghost(d, memoised_record<Violation>(records_, nodes_, histories_, d.history, kNoRef, r.node, renamings_));
        break;
      }
      default: arg = derived().input_argument(a, d); break;  // the protocol's
    }
    if (a.kind < Kind::drop) {  // an input, as input() applies it
      const StepResult& r = step(s, i, a.kind, arg);
      derived().stepped(a, r, d);
      if (!r.ok || d.in_flight + r.sent_count > kNetworkCapacity) return std::nullopt;
      d.in_flight += r.sent_count;
      sum.step(r);
      d.within = Derived::step_within(r);
      if (r.node != s.nodes[i]) {
        Derived::on_step_changed(d.protocol, i, r);
        if (r.record)
          ghost(d, memoised_record<Violation>(records_, nodes_, histories_, d.history, s.nodes[i], r.node, renamings_));
      }
      if (r.violation != 0 && d.violation == Violation::none) d.violation = static_cast<Violation>(r.violation);
    }
    const unsigned flags_before = Types::flags_of(s.restarted, s.protocol, i);
    const unsigned flags_after = Types::flags_of(d.restarted, d.protocol, i);
    if (flags_after != flags_before) sum.flags(i, flags_before, flags_after);
    // Budgets change only by drop, duplicate, crash and the protocol's kinds
    // that spend one (Derived::spends_budget), the violation by any ghost
    // update.
    const bool spent = a.kind == Kind::drop || a.kind == Kind::duplicate || a.kind == Kind::crash ||
                       Derived::spends_budget(a.kind);
    if (spent || d.violation != s.violation) sum.small(budget_word(s), budget_word(d));
    if (d.history != s.history) sum.history(s.history, d.history);
    return Successor{sum.fingerprint(), d.in_flight <= bounds_.max_msgs && d.within};
  }

  // The fingerprint is additive (sum_hash in model_support.hpp): per node
  // slot, the node's term (cached by its pool) or kDownTerms[slot], its
  // disk's term and its flags' (Types::flag_term); per message in flight
  // its term (cached); the ghost history's (cached); one for the budgets
  // and the violation. Under a renaming, node i + 1's components take the
  // slot of the id it is renamed to.
  static constexpr auto kDownTerms = Terms::kDown;
  static constexpr auto kFlagTerms = [] {
    std::array<std::array<std::uint64_t, Types::kFlagValues>, kMaxNodes> a{};
    for (std::size_t i = 0; i < kMaxNodes; ++i)
      for (unsigned f = 0; f < Types::kFlagValues; ++f) a[i][f] = Types::flag_term(i, f);
    return a;
  }();
  // Whether clear flags add nothing (then the hot paths skip their terms).
  static constexpr bool kClearFlagsFree = [] {
    for (std::size_t i = 0; i < kMaxNodes; ++i)
      if (kFlagTerms[i][0] != 0) return false;
    return true;
  }();
  // The budgets' and the violation's word (the number in flight is the
  // network's: not here), of a State or a Delta.
  template <class S>
  static std::uint64_t budget_word(const S& s) {
    return std::uint64_t{s.drops_left} | std::uint64_t{s.dups_left} << 8 | std::uint64_t{s.crashes_left} << 16 |
           Types::budget_word(s.protocol) << 24 |
           std::uint64_t{static_cast<std::uint8_t>(s.violation)} << Types::kViolationShift;
  }
  template <class S>
  static std::uint64_t budget_term(const S& s) {
    return Terms::budgets(budget_word(s));
  }

  // successor()'s sum: the identity renaming's, a memoised step adding its
  // sum_delta.
  struct PrimarySum {
    const ClusterModel& m;
    std::uint64_t sum;
    void step(const StepResult& r) { sum += r.sum_delta; }  // a memoised step or restart
    void crash(std::size_t i, Ref node) { sum += kDownTerms[i] - m.nodes_.identity_hash(node); }
    void message(Ref msg, bool add) {
      const std::uint64_t t = m.messages_.identity_hash(msg);
      sum = add ? sum + t : sum - t;
    }
    void flags(std::size_t i, unsigned before, unsigned after) { sum += kFlagTerms[i][after] - kFlagTerms[i][before]; }
    void small(std::uint64_t before, std::uint64_t after) { sum += Terms::budgets(after) - Terms::budgets(before); }
    void history(Ref before, Ref after) {
      sum += m.histories_.identity_hash(after) - m.histories_.identity_hash(before);
    }
    std::uint64_t fingerprint() const { return m.fingerprint_from_base(sum); }
  };

  // canonical_successor()'s sums, one per renaming r (renamed_sum's terms,
  // node i + 1's in the slot r moves it to); loops run over all kCached.
  struct CanonicalSums {
    const ClusterModel& m;
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
    void small(std::uint64_t before, std::uint64_t after) {
      sum.add_each(Terms::budgets(after) - Terms::budgets(before));
    }
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
    for (std::size_t i = 0; i < n_; ++i) {
      const std::size_t j = r(id_of(i)) - 1u;  // node i + 1 takes slot j
      sum += up(s, i) ? nodes_.hash(s.nodes[i], ri, seed, renamings_, cached) : kDownTerms[j];
      sum += disks_.hash(s.disks[i], ri, seed, renamings_, cached);
      sum += kFlagTerms[j][Types::flags_of(s.restarted, s.protocol, i)];
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) sum += messages_.hash(s.network[k], ri, seed, renamings_, cached);
    sum += budget_term(s);
    sum += histories_.hash(s.history, ri, seed, renamings_, cached);
    return sum;
  }

  // renamed_sum(s, 0, kPrimarySeed, true), the search's hot path: reads
  // only the pools' dense hash tables.
  std::uint64_t primary_sum(const State& s) const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      sum += up(s, i) ? nodes_.identity_hash(s.nodes[i]) : kDownTerms[i];
      sum += disks_.identity_hash(s.disks[i]);
      const unsigned f = Types::flags_of(s.restarted, s.protocol, i);
      if (!kClearFlagsFree || f != 0) sum += kFlagTerms[i][f];
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) sum += messages_.identity_hash(s.network[k]);
    sum += budget_term(s);
    sum += histories_.identity_hash(s.history);
    return sum;
  }

  Bounds bounds_;
  std::size_t n_;
  std::vector<Renaming> renamings_;  // the symmetry group, [0] the identity
  // [i][r] (and [i][flags][r]): node i + 1's term when down (its flags'
  // term) under renaming r, i.e. in the slot r moves it to (r < kCached).
  std::array<CanonicalBase, kMaxNodes> down_terms_{};
  std::array<std::array<CanonicalBase, Types::kFlagValues>, kMaxNodes> flag_terms_{};
  CanonicalBase unused_{};  // [r]: all ones when the cluster has no renaming r
  mutable ComponentPool<Node, kCached, NodeTraits> nodes_;
  mutable ComponentPool<Disk, kCached, DiskTraits> disks_;
  mutable ComponentPool<Message, kCached, MessageTraits> messages_;
  mutable ComponentPool<History, kCached, HistoryTraits> histories_;
  // What memoised steps add to the sums of the renamings (StepResult::sums_delta).
  mutable SumsDeltas<kCached> sums_deltas_;
  mutable Memo<StepKey, StepResult> steps_;
  mutable Memo<RecordKey, GhostResult> records_;
};

}  // namespace synod::check
