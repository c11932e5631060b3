// raft_model.hpp - the Raft model: N real kernel nodes (synod::raft::Node),
// each with a "disk" written only through its PersistRequests, a bounded
// network, fault budgets and a ghost history for the properties.
//
// Representation: every component (kernel node, disk, message, ghost history)
// is interned once in a pool of the model (collapse compression, see
// synod/check/intern.hpp) with its hashes computed once; a state is ~100
// bytes of references, and its fingerprint combines cached hashes. Interning
// compares nodes with Node::protocol_equal: timers are not part of the state.
//
// State = per node: the kernel node (or "down" after a crash) and its disk
// (hard state + log as persisted); the network, a multiset of in-flight
// messages kept sorted (so equal multisets are equal states); the remaining
// budgets of drops, duplicates, crashes and client proposals; the ghost
// history (raft_invariants::History: leaders per term, committed entries);
// which nodes have restarted; the first invariant violation a transition
// showed.
//
// Time is abstract: a timer firing is one action (campaign(),
// broadcast_heartbeat()), never a run of tick()s. The kernel's timers
// (elapsed ticks, randomized timeout, generator state) are excluded from the
// fingerprint by Node::hash_append, so they never multiply states.
//
// Actions, in this order (the action index is the position in it):
//   1. deliver message k to its (up) destination, for each distinct message k
//      of the network in its canonical order (by message hash, then content;
//      identical copies give one action);
//   2. timeout: node i campaigns (up, not leader, term < max_term);
//   3. heartbeat: leader i broadcasts AppendEntries;
//   4. propose: leader i appends the next client value (budget; log < max_log);
//   5. persist: node i makes its persist request durable and releases held
//      messages (when it has anything to persist or hold);
//   6. drop message k (budget);   7. duplicate message k (budget, room);
//   8. crash node i (budget);     9. restart node i (down).
// Within each group, messages go in network order and nodes by id.
// After every input the node's outbox is drained into the network. States
// whose network holds more than max_msgs messages are outside the boundary.
#pragma once

#include <algorithm>
#include <bit>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/container/static_vector.hpp>
#include <nlohmann/json.hpp>
#include <synod/check/intern.hpp>
#include <synod/check/model.hpp>
#include <synod/check/model_support.hpp>
#include <synod/check/raft_invariants.hpp>
#include <synod/hash.hpp>
#include <synod/ids.hpp>
#include <synod/raft/node.hpp>

namespace synod::check::models {

template <std::size_t MaxNodes>
struct RaftCheckConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = MaxNodes;
  static constexpr std::size_t max_entries_per_message = 2;
  static constexpr std::size_t log_capacity = 4;
  static constexpr std::size_t outbox_capacity = MaxNodes;
};

struct RaftBounds {
  std::size_t nodes = 3;
  raft::Term max_term = 2;
  raft::Index max_log = 1;
  std::size_t max_msgs = 3;
  std::uint8_t drops = 0;
  std::uint8_t dups = 0;
  std::uint8_t crashes = 1;
  std::uint8_t proposals = 1;
  bool noop_on_election = false;
  // A seeded harness fault: the disk loses hard-state writes (term and vote)
  // while still reporting them durable. Election Safety must then fail.
  bool lossy_disk = false;
};

template <std::size_t MaxNodes = 3>
class RaftModel {
 public:
  using Config = RaftCheckConfig<MaxNodes>;
  using Node = raft::Node<Config>;
  using Message = raft::Message<Config>;
  using Log = typename Node::LogT;
  using EntryT = raft::Entry<std::uint64_t>;
  static constexpr std::size_t kNetworkCapacity = 12;
  static constexpr std::size_t kMaxTerm = 8;
  using History = raft_invariants::History<std::uint64_t, kMaxTerm + 1, Config::log_capacity>;
  using Violation = raft_invariants::Violation;
  // Hashes under every renaming are cached for small clusters.
  static constexpr std::size_t kCached = MaxNodes <= 3 ? 6 : 1;

  // A node's disk. It names its owner, so that, like a node, it hashes to
  // the term of the slot its owner takes under a renaming (DiskTraits): the
  // pools cache whole fingerprint terms, and two nodes never share a disk.
  struct Disk {
    raft::HardState hard_state{};
    Log log{};
    NodeId owner = 0;
    friend bool operator==(const Disk&, const Disk&) = default;
  };

  struct State {
    std::array<Ref, MaxNodes> nodes{};    // node id i + 1; kNoRef: down
    std::array<Ref, MaxNodes> disks{};
    std::array<Ref, kNetworkCapacity> network{};  // [0, in_flight): canonical order
    std::uint8_t in_flight = 0;
    std::uint8_t drops_left = 0;
    std::uint8_t dups_left = 0;
    std::uint8_t crashes_left = 0;
    std::uint8_t proposals_left = 0;
    std::uint8_t restarted = 0;  // bit i: node i + 1 has restarted at least once
    Violation violation = Violation::none;  // first transition violation seen
    Ref history = kNoRef;
    friend bool operator==(const State&, const State&) = default;
  };

  enum class Kind : std::uint8_t { deliver, timeout, heartbeat, propose, persist, drop, duplicate, crash, restart };
  struct Action {
    Kind kind;
    NodeId node;           // the node acted on (deliver: the destination)
    std::uint8_t message;  // deliver/drop/duplicate: position in the network
  };

  explicit RaftModel(RaftBounds bounds = {}) : bounds_(bounds) {
    if (bounds_.nodes < 1 || bounds_.nodes > MaxNodes) throw std::invalid_argument("raft: nodes out of range");
    if (bounds_.max_term > kMaxTerm) throw std::invalid_argument("raft: max_term above " + std::to_string(kMaxTerm));
    if (bounds_.max_log > Config::log_capacity)
      throw std::invalid_argument("raft: max_log above " + std::to_string(Config::log_capacity));
    if (bounds_.max_msgs > kNetworkCapacity - MaxNodes)
      throw std::invalid_argument("raft: max_msgs above " + std::to_string(kNetworkCapacity - MaxNodes));
    std::vector<NodeId> ids(bounds_.nodes);
    std::iota(ids.begin(), ids.end(), NodeId{1});
    do {  // the first permutation is the identity
      Renaming r;
      for (std::size_t i = 0; i < ids.size(); ++i) r.set(static_cast<NodeId>(i + 1), ids[i]);
      renamings_.push_back(r);
    } while (std::next_permutation(ids.begin(), ids.end()));
    for (std::size_t r = renamings_.size(); r < kCached; ++r) unused_[r] = ~std::uint64_t{0};
    for (std::size_t r = 0; r < kCached && r < renamings_.size(); ++r) {
      for (std::size_t i = 0; i < bounds_.nodes; ++i) {
        const std::size_t j = renamings_[r](id_of(i)) - 1u;
        down_terms_[i][r] = kDownTerms[j];
        restart_terms_[i][r] = kRestartTerms[j];
      }
    }
  }
  RaftModel(const RaftModel&) = delete;
  RaftModel& operator=(const RaftModel&) = delete;

  const RaftBounds& bounds() const { return bounds_; }
  std::string name() const { return "raft"; }

  raft::Options options_for(NodeId id) const {
    raft::Options o;
    o.id = id;
    o.cluster_size = static_cast<std::uint8_t>(bounds_.nodes);
    o.seed = id;
    o.append_noop_on_election = bounds_.noop_on_election;
    return o;
  }

  // ------------------------------------------------------------ components
  bool up(const State& s, std::size_t i) const { return s.nodes[i] != kNoRef; }
  const Node& node(const State& s, std::size_t i) const { return nodes_.value(s.nodes[i]); }
  const Disk& disk(const State& s, std::size_t i) const { return disks_.value(s.disks[i]); }
  const Message& message(const State& s, std::size_t k) const { return messages_.value(s.network[k]); }
  const History& history(const State& s) const { return histories_.value(s.history); }

  // ------------------------------------------------------------ the verbs
  template <class Emit>
  void init_states(Emit&& emit) const {
    State s;
    s.nodes.fill(kNoRef);
    s.disks.fill(kNoRef);
    s.network.fill(kNoRef);
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      s.nodes[i] = intern_node(Node(options_for(static_cast<NodeId>(i + 1))));
      s.disks[i] = intern_disk(Disk{{}, {}, id_of(i)});
    }
    s.drops_left = bounds_.drops;
    s.dups_left = bounds_.dups;
    s.crashes_left = bounds_.crashes;
    s.proposals_left = bounds_.proposals;
    s.history = intern_history(History{});
    emit(s);
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    const std::size_t n = bounds_.nodes;
    auto distinct_messages = [&](auto&& f) { for_each_distinct_message(s.network, s.in_flight, f); };
    distinct_messages([&](std::uint8_t k) {
      const auto to = static_cast<NodeId>(messages_.summary(s.network[k]));
      if (to >= 1 && to <= n && up(s, to - 1u)) emit(Action{Kind::deliver, to, k});
    });
    std::array<std::uint32_t, MaxNodes> summary{};
    for (std::size_t i = 0; i < n; ++i) summary[i] = up(s, i) ? nodes_.summary(s.nodes[i]) : 0;
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && summary_role(summary[i]) != raft::Role::leader && summary_term(summary[i]) < bounds_.max_term)
        emit(Action{Kind::timeout, id_of(i), 0});
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && summary_role(summary[i]) == raft::Role::leader) emit(Action{Kind::heartbeat, id_of(i), 0});
    if (s.proposals_left > 0)
      for (std::size_t i = 0; i < n; ++i)
        if (up(s, i) && summary_role(summary[i]) == raft::Role::leader && summary_last(summary[i]) < bounds_.max_log)
          emit(Action{Kind::propose, id_of(i), 0});
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && summary_persist(summary[i])) emit(Action{Kind::persist, id_of(i), 0});
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
    std::optional<State> result(s);  // built in place: returned without another copy
    State& next = *result;
    const std::size_t i = a.node - 1u;
    bool ok = true;
    switch (a.kind) {
      case Kind::deliver:
        remove_message(next, a.message);
        ok = input(next, i, Kind::deliver, s.network[a.message]);
        break;
      case Kind::timeout:
      case Kind::heartbeat:
      case Kind::persist:
        ok = input(next, i, a.kind, 0);
        break;
      case Kind::propose:
        ok = input(next, i, Kind::propose, proposed_value(next.proposals_left));
        --next.proposals_left;
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
        next.nodes[i] = kNoRef;  // volatile state (and held messages) lost; the disk stays
        break;
      case Kind::restart: {
        next.nodes[i] = restarted_node(s, i).node;
        next.restarted = static_cast<std::uint8_t>(next.restarted | (1u << i));
        record(next, kNoRef, next.nodes[i]);
        break;
      }
    }
    if (!ok) return std::nullopt;
    return result;
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
  void prepare_thread() const { steps_.prepare_thread(); records_.prepare_thread(); }

  // The same under --symmetry (IncrementalSymmetricModel): one sum per
  // renaming (renamed_sum's), the canonical fingerprint the finish of the
  // smallest (as canonical_fingerprint's). Terms come from the pools' cached
  // hashes, so only for clusters whose every renaming is cached.
  using CanonicalBase = std::array<std::uint64_t, kCached>;
  CanonicalBase canonical_base(const State& s) const
    requires(MaxNodes <= 3)
  {
    // renamed_sum(s, r, kPrimarySeed, true) for every r, in one pass over
    // the components (each record read once). Every loop runs over all
    // kCached sums, a constant the compiler unrolls; with fewer renamings
    // the extra sums are never read (min_sum).
    sum_hash::SumLanes<kCached> base;
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      base.add(disks_[s.disks[i]].hash);
      base.add(up(s, i) ? nodes_[s.nodes[i]].hash : down_terms_[i]);
      if (s.restarted >> i & 1u) base.add(restart_terms_[i]);
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) base.add(messages_[s.network[k]].hash);
    base.add(histories_[s.history].hash);
    base.add_each(budget_term(small_of(s)));
    return base.value();
  }
  std::uint64_t canonical_from_base(const CanonicalBase& base) const
    requires(MaxNodes <= 3)
  {
    return sum_hash::finish(min_sum(base), kPrimarySeed);
  }
  std::optional<Successor> canonical_successor(const State& s, const CanonicalBase& base, const Action& a) const
    requires(MaxNodes <= 3)
  {
    CanonicalSums sums{*this, sum_hash::SumLanes<kCached>(base)};
    return successor_of(s, sums, a);
  }

  bool within_boundary(const State& s) const { return s.in_flight <= bounds_.max_msgs; }

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    if (seed == kPrimarySeed) return hash_primary(s);
    if (seed != kSecondarySeed) return hash_renamed(s, 0, seed, /*cached=*/false);
    return hash_renamed(s, 0, seed, true);
  }

  // Symmetry over node ids: the smallest hash over all renamings.
  std::uint64_t canonical_fingerprint(const State& s, std::uint64_t seed) const {
    std::uint64_t best = ~std::uint64_t{0};
    for (std::size_t r = 0; r < renamings_.size(); ++r) best = std::min(best, renamed_sum(s, r, seed, true));
    return sum_hash::finish(best, seed);
  }

  // ------------------------------------------------------------ properties
  // Transition checks (Election Safety, Leader Append-Only, State Machine
  // Safety, commit index monotone and within the log) are recorded by the
  // ghost as each node changes; cluster checks (Log Matching, Leader
  // Completeness) run on every distinct state over the nodes that are up.
  std::span<const Property<RaftModel>> properties() const { return kProperties; }

  // The nodes that are up, for the cluster checks.
  std::span<const Node* const> up_nodes_of(const State& s, std::array<const Node*, MaxNodes>& out) const {
    std::size_t count = 0;
    for (std::size_t i = 0; i < bounds_.nodes; ++i)
      if (up(s, i)) out[count++] = &node(s, i);
    return std::span<const Node* const>(out.data(), count);
  }

  std::size_t interned_bytes() const {
    return nodes_.bytes() + disks_.bytes() + messages_.bytes() + histories_.bytes();
  }

  // ------------------------------------------------------------ presentation
  static std::string_view kind_name(Kind k) {
    constexpr std::array<std::string_view, 9> names{"deliver", "timeout", "heartbeat", "propose", "persist",
                                                    "drop",    "duplicate", "crash",   "restart"};
    return names[static_cast<std::size_t>(k)];
  }

  static std::string message_string(const Message& m) {
    std::string out = std::string(raft::to_string(m.type)) + " " + std::to_string(m.from) + "->" +
                      std::to_string(m.to) + " term " + std::to_string(m.term);
    switch (m.type) {
      case raft::MessageType::request_vote:
        out += " last log " + std::to_string(m.log_index) + "/t" + std::to_string(m.log_term);
        break;
      case raft::MessageType::request_vote_response: out += m.success ? " granted" : " refused"; break;
      case raft::MessageType::append_entries:
        out += " prev " + std::to_string(m.log_index) + "/t" + std::to_string(m.log_term) + " commit " +
               std::to_string(m.commit) + " entries [";
        for (std::size_t k = 0; k < m.entries.size(); ++k)
          out += (k ? " " : "") + std::string("t") + std::to_string(m.entries[k].term) + ":" +
                 std::to_string(m.entries[k].payload);
        out += "]";
        break;
      case raft::MessageType::append_entries_response:
        out += m.success ? " ok, matched " + std::to_string(m.log_index) : " rejected, hint " + std::to_string(m.log_index);
        break;
      case raft::MessageType::none: break;
    }
    return out;
  }

  std::string format_action(const State& s, const Action& a) const {
    const std::string who = "node " + std::to_string(a.node);
    switch (a.kind) {
      case Kind::deliver: return "deliver " + message_string(message(s, a.message));
      case Kind::timeout: return who + " election timeout: campaigns";
      case Kind::heartbeat: return who + " heartbeat timer: leader sends AppendEntries";
      case Kind::propose:
        return "client proposes value " + std::to_string(bounds_.proposals - s.proposals_left + 1) + " to leader " +
               std::to_string(a.node);
      case Kind::persist: return who + " persists its hard state/log and releases held messages";
      case Kind::drop: return "network drops " + message_string(message(s, a.message));
      case Kind::duplicate: return "network duplicates " + message_string(message(s, a.message));
      case Kind::crash: return who + " crashes";
      case Kind::restart: return who + " restarts from its disk";
    }
    return "?";
  }

  static std::string log_string(const Log& log) {
    std::string out = "[";
    for (raft::Index k = 1; k <= log.last_index(); ++k)
      out += (k > 1 ? " " : "") + std::string("t") + std::to_string(log.at(k).term) + ":" +
             std::to_string(log.at(k).payload);
    return out + "]";
  }

  std::string node_string(const State& s, std::size_t i) const {
    const Disk& d = disk(s, i);
    std::string out;
    if (!up(s, i)) {
      out = "down";
    } else {
      const Node& nd = node(s, i);
      out = std::string(raft::to_string(nd.role())) + " term " + std::to_string(nd.term()) + " vote " +
            std::to_string(nd.voted_for()) + " log " + log_string(nd.log()) + " commit " +
            std::to_string(nd.commit_index());
      if (nd.held_messages() > 0) out += " held " + std::to_string(nd.held_messages());
    }
    out += " | disk term " + std::to_string(d.hard_state.term) + " vote " + std::to_string(d.hard_state.voted_for) +
           " log " + log_string(d.log);
    return out;
  }

  std::string format_change(const State& b, const State& a) const {
    std::string out;
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      const std::string before = node_string(b, i), after = node_string(a, i);
      if (before != after) out += "     node " + std::to_string(i + 1) + ": " + after + "\n";
    }
    auto count = [](const State& s, Ref r) {
      return std::count(s.network.begin(), s.network.begin() + s.in_flight, r);
    };
    for (std::size_t k = 0; k < a.in_flight; ++k)
      if ((k == 0 || a.network[k] != a.network[k - 1]) && count(a, a.network[k]) > count(b, a.network[k]))
        out += "     + sent " + message_string(message(a, k)) + "\n";
    if (a.in_flight != b.in_flight || a.network != b.network)
      out += "     network now holds " + std::to_string(a.in_flight) + " message(s)\n";
    if (history(a).leaders_elected() > history(b).leaders_elected())
      out += "     ghost: a leader was elected (" + std::to_string(history(a).leaders_elected()) + " so far)\n";
    if (history(a).committed_count() > history(b).committed_count())
      out += "     ghost: entries committed so far: " + std::to_string(history(a).committed_count()) + "\n";
    if (a.violation != Violation::none && b.violation == Violation::none)
      out += std::string("     VIOLATION: ") + raft_invariants::to_string(a.violation) + "\n";
    return out;
  }

  std::string format_state(const State& s) const {
    std::string out;
    for (std::size_t i = 0; i < bounds_.nodes; ++i)
      out += "     node " + std::to_string(i + 1) + ": " + node_string(s, i) + "\n";
    out += "     network: " + std::to_string(s.in_flight) + " message(s); budgets: drops " +
           std::to_string(s.drops_left) + ", dups " + std::to_string(s.dups_left) + ", crashes " +
           std::to_string(s.crashes_left) + ", proposals " + std::to_string(s.proposals_left) + "\n";
    return out;
  }

  static nlohmann::json message_json(const Message& m) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : m.entries) entries.push_back({e.term, e.payload});
    return {{"type", raft::to_string(m.type)}, {"from", m.from},         {"to", m.to},
            {"term", m.term},                  {"log_index", m.log_index}, {"log_term", m.log_term},
            {"commit", m.commit},              {"success", m.success},   {"entries", entries}};
  }
  static nlohmann::json log_json(const Log& log) {
    nlohmann::json out = nlohmann::json::array();
    for (raft::Index k = 1; k <= log.last_index(); ++k) out.push_back({log.at(k).term, log.at(k).payload});
    return out;
  }

  nlohmann::json action_json(const State& s, const Action& a) const {
    nlohmann::json j{{"kind", kind_name(a.kind)}, {"node", a.node}};
    if (a.kind == Kind::deliver || a.kind == Kind::drop || a.kind == Kind::duplicate)
      j["message"] = message_json(message(s, a.message));
    return j;
  }

  nlohmann::json state_json(const State& s) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      const Disk& d = disk(s, i);
      nlohmann::json n{{"id", i + 1},
                       {"up", up(s, i)},
                       {"disk", {{"term", d.hard_state.term}, {"voted_for", d.hard_state.voted_for}, {"log", log_json(d.log)}}}};
      if (up(s, i)) {
        const Node& nd = node(s, i);
        n["role"] = raft::to_string(nd.role());
        n["term"] = nd.term();
        n["voted_for"] = nd.voted_for();
        n["leader"] = nd.leader_id();
        n["commit"] = nd.commit_index();
        n["log"] = log_json(nd.log());
        n["held"] = nd.held_messages();
      }
      nodes.push_back(std::move(n));
    }
    nlohmann::json network = nlohmann::json::array();
    for (std::size_t k = 0; k < s.in_flight; ++k) network.push_back(message_json(message(s, k)));
    return {{"nodes", nodes},
            {"network", network},
            {"budgets", {{"drops", s.drops_left}, {"dups", s.dups_left}, {"crashes", s.crashes_left},
                         {"proposals", s.proposals_left}}},
            {"ghost", {{"leaders_elected", history(s).leaders_elected()},
                       {"committed", history(s).committed_count()},
                       {"violation", raft_invariants::to_string(s.violation)}}}};
  }

  // A strict total order on message contents (tie-break of the network order).
  static bool message_less(const Message& a, const Message& b) {
    auto key = [](const Message& m) {
      return std::tuple(m.to, m.from, m.type, m.term, m.log_index, m.log_term, m.commit, m.success, m.entries.size());
    };
    if (key(a) != key(b)) return key(a) < key(b);
    for (std::size_t k = 0; k < a.entries.size(); ++k) {
      if (a.entries[k].term != b.entries[k].term) return a.entries[k].term < b.entries[k].term;
      if (a.entries[k].payload != b.entries[k].payload) return a.entries[k].payload < b.entries[k].payload;
    }
    return false;
  }

 private:
  static NodeId id_of(std::size_t i) { return static_cast<NodeId>(i + 1); }

  // How the pools hash, compare and summarise components (model_support.hpp).
  // Node summary: role (2 bits), term (8), last log index (8), has something
  // to persist or hold (1). Message summary: the destination.
  // Nodes, messages and histories are hashed straight to their fingerprint
  // terms (a node's slot is its id's, under the renaming), so the pools
  // cache terms and a fingerprint adds them without mixing; a disk's slot is
  // its owner's, not its own, so disks cache plain hashes.
  struct NodeTraits : ComponentTraits {
    static std::uint64_t hash(const Node& v, const Renaming& r, std::uint64_t seed) {
      return Terms::node(r(v.id()) - 1u, ComponentTraits::hash(v, r, seed));
    }
    static bool equal(const Node& a, const Node& b) { return a.protocol_equal(b); }  // timers left out
    static std::uint32_t summary(const Node& n) {
      const bool persist = !n.persist_request().empty() || n.held_messages() > 0;
      return static_cast<std::uint32_t>(n.role()) |
             static_cast<std::uint32_t>(std::min<raft::Term>(n.term(), 255)) << 2 |
             static_cast<std::uint32_t>(std::min<raft::Index>(n.log().last_index(), 255)) << 10 |
             std::uint32_t{persist} << 18;
    }
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
    static std::uint32_t summary(const History& h) { return static_cast<std::uint32_t>(h.committed_count()); }
  };
  struct DiskTraits : ComponentTraits {
    static std::uint64_t hash(const Disk& v, const Renaming& r, std::uint64_t seed) {
      Hasher h(seed);
      h.add(v.hard_state.term);
      h.add(std::uint64_t{r(v.hard_state.voted_for)});
      v.log.hash_append(h);
      return Terms::disk(r(v.owner) - 1u, h.value());
    }
  };
  static raft::Role summary_role(std::uint32_t x) { return static_cast<raft::Role>(x & 3u); }
  static raft::Term summary_term(std::uint32_t x) { return x >> 2 & 255u; }
  static raft::Index summary_last(std::uint32_t x) { return x >> 10 & 255u; }
  static bool summary_persist(std::uint32_t x) { return (x >> 18 & 1u) != 0; }

  // A node's pool keeps its log's reference in logs_ (aux), for the cluster checks.
  Ref intern_node(const Node& v) const { return nodes_.intern(v, renamings_, intern_log(v.log())); }
  Ref intern_log(const Log& log) const {
    Hasher h(kPrimarySeed);
    log.hash_append(h);
    return logs_.intern(h.value(), log, [](const Log& a, const Log& b) { return a == b; }, [&] { return log; });
  }
  // Whether logs a and b (references in logs_) match (raft_invariants::
  // logs_match), remembered for pairs of the first kLogPairs logs: states
  // share few distinct logs, and this reads no node.
  bool logs_match(Ref a, Ref b) const {
    if (a == b) return true;
    if (a > b) std::swap(a, b);
    if (b >= kLogPairs) return raft_invariants::logs_match(logs_[a], logs_[b]);
    std::atomic<std::uint8_t>& known = log_pairs_[std::size_t{a} * kLogPairs + b];  // 0: not yet, 1: match, 2: not
    std::uint8_t v = known.load(std::memory_order_relaxed);
    if (v == 0) {
      v = raft_invariants::logs_match(logs_[a], logs_[b]) ? 1 : 2;
      known.store(v, std::memory_order_relaxed);
    }
    return v == 1;
  }
  Ref intern_disk(const Disk& v) const { return disks_.intern(v, renamings_); }
  Ref intern_message(const Message& v) const { return messages_.intern(v, renamings_); }
  Ref intern_history(const History& v) const { return histories_.intern(v, renamings_); }

  // The network's canonical order: by message hash, then content.
  bool add_message(State& s, Ref m) const {
    return network_add(s.network, s.in_flight, m,
                       [this](Ref a, Ref b) { return messages_.ordered_before(a, b, &message_less); });
  }
  static void remove_message(State& s, std::size_t k) { network_remove(s.network, s.in_flight, k); }

  // Transitions of one node are memoised: (node, input[, disk]) -> (node,
  // disk, messages sent), and ghost updates (history, before, after) ->
  // (history, violation). The same node-level step recurs in many global
  // states; each is computed on the kernel once.
  using StepKey = NodeStepKey<Kind>;
  using StepResult = NodeStepResult<MaxNodes>;
  using GhostResult = RecordResult<Violation>;

  // The value the next client proposal carries (1, 2, ...).
  Ref proposed_value(std::uint8_t proposals_left) const {
    return static_cast<Ref>(std::uint64_t{bounds_.proposals} - proposals_left + 1);
  }

  // Runs one input on node nd (a copy) and, for persist, its disk.
  bool run_input(Node& nd, Ref& disk_ref, Kind kind, Ref arg) const {
    switch (kind) {
      case Kind::deliver: (void)nd.step(messages_.value(arg)); return true;
      case Kind::timeout: (void)nd.campaign(); return true;
      case Kind::heartbeat: (void)nd.broadcast_heartbeat(); return true;
      case Kind::propose: return nd.propose(std::uint64_t{arg}).status == raft::ProposeStatus::ok;
      case Kind::persist: {
        const raft::PersistRequest request = nd.persist_request();
        Disk d = disks_.value(disk_ref);
        if (request.hard_state_changed && !bounds_.lossy_disk) d.hard_state = request.hard_state;
        // Storage drops every entry at index >= first, then writes [first, last].
        d.log.truncate_after(request.first - 1);
        for (raft::Index k = request.first; k <= request.last; ++k)
          if (!d.log.append(nd.log().at(k))) return false;
        disk_ref = intern_disk(d);
        (void)nd.persisted(request);
        return true;
      }
      default: return false;
    }
  }

  // One input to node i of s (arg: the delivered message, the proposed
  // value, else 0), memoised: run it on a copy, drain its outbox, intern the
  // results. ok is false when the input is refused or sends more than
  // MaxNodes messages (never within the bounds).
  // The reference stays valid until the next step (the memo's contract).
  const StepResult& step(const State& s, std::size_t i, Kind kind, Ref arg) const {
    const StepKey key{s.nodes[i], arg, kind == Kind::persist ? s.disks[i] : kNoRef, kind};
    const std::uint64_t h = key.hash();
    if (const StepResult* found = steps_.lookup(h, key)) [[likely]]
      return *found;
    return compute_step(s, i, key, h);
  }

  [[gnu::noinline]] const StepResult& compute_step(const State& s, std::size_t i, const StepKey& key,
                                                    std::uint64_t h) const {
    const Kind kind = key.kind;
    const Ref arg = key.arg;
    StepResult result;
    Node after = node(s, i);
    Ref disk_ref = s.disks[i];
    result.ok = run_input(after, disk_ref, kind, arg);
    const bool fits = result.take_outbox(after, [this](const Message& m) { return intern_message(m); });
    result.ok = result.ok && fits;
    result.node = intern_node(after);
    result.disk = disk_ref;
    // History::record can only change the ghost or report a violation when
    // the node leads, its commit index moved, or it passed the log's end.
    const Node& before = node(s, i);
    result.record = after.role() == raft::Role::leader || after.commit_index() != before.commit_index() ||
                    after.commit_index() > after.log().last_index();
    // The fingerprint terms this step swaps (the node's slot i is its id's,
    // so a function of the key): the node's, the sent messages' (and the
    // delivered one's), the disk's for persist (the only kind keyed by it).
    std::uint64_t& d = result.sum_delta;
    d = nodes_.identity_hash(result.node) - nodes_.identity_hash(s.nodes[i]);
    for (std::size_t k = 0; k < result.sent_count; ++k) d += messages_.identity_hash(result.sent[k]);
    if (kind == Kind::deliver) d -= messages_.identity_hash(arg);
    if (kind == Kind::persist)
      d += disks_.identity_hash(result.disk) - disks_.identity_hash(s.disks[i]);
    // The same under every renaming (CanonicalSums::step adds it).
    if constexpr (kCached > 1) {
      CanonicalSums sums{*this, {}};
      sums.node(i, s.nodes[i], result.node);
      for (std::size_t k = 0; k < result.sent_count; ++k) sums.message(result.sent[k], true);
      if (kind == Kind::deliver) sums.message(arg, false);
      if (kind == Kind::persist) {
        sums.sub(CanonicalSums::hashes(disks_, s.disks[i]));
        sums.add(CanonicalSums::hashes(disks_, result.disk));
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
    const Disk& d = disk(s, i);
    result.node = intern_node(Node::restart(options_for(id_of(i)), d.hard_state, d.log));
    result.ok = true;
    result.sum_delta = nodes_.identity_hash(result.node) - kDownTerms[i];
    if constexpr (kCached > 1) {
      CanonicalSums sums{*this, {}};
      sums.node(i, kNoRef, result.node);
      result.sums_delta = sums_deltas_.intern(sums.sum.value());
    }
    steps_.insert(h, key, result);
    return *steps_.lookup(h, key);
  }

  // The small fields but the restart bits (budget_term's inputs).
  struct Small {
    std::uint8_t drops, dups, crashes, proposals;
    Violation violation;
  };

  // successor()'s fingerprint sum: the identity renaming's, each memoised
  // step adding its sum_delta.
  struct PrimarySum {
    const RaftModel& m;
    std::uint64_t sum;
    void step(const StepResult& r) { sum += r.sum_delta; }  // a memoised step or restart
    void crash(std::size_t i, Ref node) { sum += kDownTerms[i] - m.nodes_.identity_hash(node); }
    void message(Ref msg, bool add) {
      const std::uint64_t t = m.messages_.identity_hash(msg);
      sum = add ? sum + t : sum - t;
    }
    void small(const Small& before, const Small& after) { sum += budget_term(after) - budget_term(before); }
    void restarted(std::size_t i) { sum += kRestartTerms[i]; }
    void history(Ref before, Ref after) {
      sum += m.histories_.identity_hash(after) - m.histories_.identity_hash(before);
    }
    std::uint64_t fingerprint() const { return m.fingerprint_from_base(sum); }
  };

  // canonical_successor()'s sums, one per renaming r (renamed_sum's terms):
  // every component hashed under r (node i + 1 in the slot r moves it to).
  // Loops run over all kCached sums (see canonical_base).
  struct CanonicalSums {
    const RaftModel& m;
    sum_hash::SumLanes<kCached> sum;
    template <class Pool>
    static const CanonicalBase& hashes(const Pool& pool, Ref ref) {
      return pool[ref].hash;
    }
    void add(const CanonicalBase& t) { sum.add(t); }
    void sub(const CanonicalBase& t) { sum.sub(t); }
    void node(std::size_t i, Ref before, Ref after) {
      sub(before != kNoRef ? hashes(m.nodes_, before) : m.down_terms_[i]);
      add(after != kNoRef ? hashes(m.nodes_, after) : m.down_terms_[i]);
    }
    // A memoised step or restart: its every change, summed when memoised.
    void step(const StepResult& r) { add(m.sums_deltas_[r.sums_delta]); }
    void crash(std::size_t i, Ref n) { node(i, n, kNoRef); }
    void message(Ref msg, bool add_it) {
      if (add_it) {
        add(hashes(m.messages_, msg));
      } else {
        sub(hashes(m.messages_, msg));
      }
    }
    // The budgets and the violation: one term, the same under every renaming.
    void small(const Small& b, const Small& a) { sum.add_each(budget_term(a) - budget_term(b)); }
    void restarted(std::size_t i) { add(m.restart_terms_[i]); }
    void history(Ref before, Ref after) {
      sub(hashes(m.histories_, before));
      add(hashes(m.histories_, after));
    }
    std::uint64_t fingerprint() const { return sum_hash::finish(sum.min(m.unused_), kPrimarySeed); }
  };

  // The smallest of the sums of the renamings (the canonical fingerprint is
  // its finish: a function of the state's orbit, whatever the renaming).
  // With fewer renamings than kCached, the sums past the last one are
  // masked to the maximum (unused_).
  std::uint64_t min_sum(const CanonicalBase& sums) const { return sum_hash::min_sum(sums, unused_); }

  // next_state(s, a)'s fingerprint sum(s), accumulated in `sum` (PrimarySum
  // or CanonicalSums), and its boundary check, without building it.
  template <class Sum>
  std::optional<Successor> successor_of(const State& s, Sum& sum, const Action& a) const {
    const std::size_t i = a.node - 1u;
    std::size_t in_flight = s.in_flight;
    std::uint8_t drops = s.drops_left, dups = s.dups_left, crashes = s.crashes_left, proposals = s.proposals_left;
    // The budgets change only by these kinds (and the violation by any
    // ghost update).
    const bool small_fields_changed = a.kind == Kind::propose || (a.kind >= Kind::drop && a.kind != Kind::restart);
    Ref history = s.history;
    Violation violation = s.violation;
    auto record_step = [&](Ref before, Ref after) {
      const auto g = memoised_record<Violation>(records_, nodes_, histories_, s.history, before, after, renamings_);
      history = g.history;
      if (violation == Violation::none) violation = g.violation;
    };
    // A node input (deliver, timeout, heartbeat, persist, propose) is one
    // memoised step, taken at one call site below.
    Ref arg = 0;
    switch (a.kind) {
      case Kind::deliver:  // the step takes the message's term out
        --in_flight;
        arg = s.network[a.message];
        break;
      case Kind::timeout:
      case Kind::heartbeat:
      case Kind::persist:
        break;
      case Kind::propose:
        arg = proposed_value(proposals);
        --proposals;
        break;
      case Kind::drop:
        --drops;
        sum.message(s.network[a.message], false);
        --in_flight;
        break;
      case Kind::duplicate:
        --dups;
        if (in_flight == kNetworkCapacity) return std::nullopt;
        sum.message(s.network[a.message], true);
        ++in_flight;
        break;
      case Kind::crash:
        --crashes;
        sum.crash(i, s.nodes[i]);
        break;
      case Kind::restart: {
        const StepResult& r = restarted_node(s, i);
        sum.step(r);
        if (!(s.restarted >> i & 1u)) sum.restarted(i);
        record_step(kNoRef, r.node);
        break;
      }
    }
    if (a.kind <= Kind::persist) {  // deliver, timeout, heartbeat, propose, persist
      const StepResult& r = step(s, i, a.kind, arg);
      if (!r.ok || in_flight + r.sent_count > kNetworkCapacity) return std::nullopt;
      in_flight += r.sent_count;
      sum.step(r);
      if (s.nodes[i] != r.node && r.record) record_step(s.nodes[i], r.node);
    }
    if (small_fields_changed || violation != s.violation)
      sum.small(small_of(s), Small{drops, dups, crashes, proposals, violation});
    if (history != s.history) sum.history(s.history, history);
    return Successor{sum.fingerprint(), in_flight <= bounds_.max_msgs};
  }

  // Applies one input to node i of s in place: the node's step, its
  // messages into the network, the ghost update. False when the input is
  // refused or the network's capacity would be exceeded.
  bool input(State& s, std::size_t i, Kind kind, Ref arg) const {
    const StepResult& result = step(s, i, kind, arg);
    if (!result.ok) return false;
    for (std::size_t k = 0; k < result.sent_count; ++k)
      if (!add_message(s, result.sent[k])) return false;
    const Ref before = s.nodes[i];
    s.nodes[i] = result.node;
    if (kind == Kind::persist) s.disks[i] = result.disk;  // only persist's key includes the disk
    if (before != result.node && result.record) record(s, before, result.node);
    return true;
  }

  void record(State& s, Ref before, Ref after) const {
    const auto result = memoised_record<Violation>(records_, nodes_, histories_, s.history, before, after, renamings_);
    s.history = result.history;
    if (s.violation == Violation::none) s.violation = result.violation;
  }

  // The fingerprint is additive (sum_hash in model_support.hpp): one term
  // per node slot (up: the node's, which its pool caches; down:
  // kDownTerms[slot]), per disk (cached; a disk's slot is its owner's), per
  // message in flight (cached), for the ghost history (cached), one per
  // restarted node (kRestartTerms[slot]) and one for the budgets and the
  // violation. No term but the budgets' is mixed on the search's hot paths.
  using Terms = sum_hash::Terms<MaxNodes>;
  static constexpr auto kDownTerms = Terms::kDown;
  static constexpr auto kRestartTerms = [] {
    std::array<std::uint64_t, MaxNodes> a{};
    for (std::size_t i = 0; i < MaxNodes; ++i) a[i] = sum_hash::term(0, sum_hash::salt(5, i));
    return a;
  }();
  // The budgets' and the violation's term (the number in flight is the
  // network's: not here).
  static std::uint64_t budget_term(const Small& f) {
    return Terms::budgets(std::uint64_t{f.drops} | std::uint64_t{f.dups} << 8 | std::uint64_t{f.crashes} << 16 |
                     std::uint64_t{f.proposals} << 24 | static_cast<std::uint64_t>(f.violation) << 48);
  }
  static Small small_of(const State& s) {
    return Small{s.drops_left, s.dups_left, s.crashes_left, s.proposals_left, s.violation};
  }

  std::uint64_t hash_renamed(const State& s, std::size_t ri, std::uint64_t seed, bool cached) const {
    return sum_hash::finish(renamed_sum(s, ri, seed, cached), seed);
  }
  std::uint64_t renamed_sum(const State& s, std::size_t ri, std::uint64_t seed, bool cached) const {
    const Renaming& r = renamings_[ri];
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      const std::size_t j = r(id_of(i)) - 1u;  // node i + 1 is renamed to j + 1
      sum += up(s, i) ? nodes_.hash(s.nodes[i], ri, seed, renamings_, cached) : kDownTerms[j];
      sum += disks_.hash(s.disks[i], ri, seed, renamings_, cached);
      if (s.restarted >> i & 1u) sum += kRestartTerms[j];
    }
    for (std::size_t k = 0; k < s.in_flight; ++k)
      sum += messages_.hash(s.network[k], ri, seed, renamings_, cached);
    sum += budget_term(small_of(s));
    sum += histories_.hash(s.history, ri, seed, renamings_, cached);
    return sum;
  }

  // The sum of hash_renamed(s, 0, kPrimarySeed, true), the search's hot
  // path: reads only the pools' dense hash tables (a test checks the two agree).
  std::uint64_t primary_sum(const State& s) const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      sum += up(s, i) ? nodes_.identity_hash(s.nodes[i]) : kDownTerms[i];
      sum += disks_.identity_hash(s.disks[i]);
      if (s.restarted >> i & 1u) sum += kRestartTerms[i];
    }
    for (std::size_t k = 0; k < s.in_flight; ++k) sum += messages_.identity_hash(s.network[k]);
    sum += budget_term(small_of(s));
    sum += histories_.identity_hash(s.history);
    return sum;
  }
  std::uint64_t hash_primary(const State& s) const { return sum_hash::finish(primary_sum(s), kPrimarySeed); }

 public:
  // For tests: the fast path and the general one must agree.
  bool primary_hash_agrees(const State& s) const { return hash_primary(s) == hash_renamed(s, 0, kPrimarySeed, true); }

 private:
  template <Violation V>
  static bool not_recorded(const RaftModel&, const State& s) {
    return s.violation != V;
  }
  // History::log_matching_holds over the nodes that are up, on their logs'
  // references (a test checks the two agree).
  static bool log_matching_ok(const RaftModel& m, const State& s) {
    std::array<Ref, MaxNodes> logs{};
    std::size_t count = 0;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i)
      if (m.up(s, i)) logs[count++] = m.nodes_.aux(s.nodes[i]);
    for (std::size_t a = 0; a < count; ++a)
      for (std::size_t b = a + 1; b < count; ++b)
        if (!m.logs_match(logs[a], logs[b])) return false;
    return true;
  }
  // History::leader_completeness_holds over the leaders that are up (it
  // passes over the others): the committed count and the roles come from
  // the pools' dense tables.
  static bool leader_completeness_ok(const RaftModel& m, const State& s) {
    if (m.histories_.summary(s.history) == 0) return true;
    std::array<const Node*, MaxNodes> leaders{};
    std::size_t count = 0;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i)
      if (m.up(s, i) && summary_role(m.nodes_.summary(s.nodes[i])) == raft::Role::leader) leaders[count++] = &m.node(s, i);
    return count == 0 || m.history(s).leader_completeness_holds(std::span<const Node* const>(leaders.data(), count));
  }

 public:
  // For tests: the cluster checks on interned logs and summaries agree with
  // raft_invariants' on the nodes.
  bool cluster_checks_agree(const State& s) const {
    std::array<const Node*, MaxNodes> up_nodes{};
    const auto up = up_nodes_of(s, up_nodes);
    return log_matching_ok(*this, s) == History::log_matching_holds(up) &&
           leader_completeness_ok(*this, s) == history(s).leader_completeness_holds(up);
  }
  // For tests: Log Matching of two logs through the interned path.
  bool interned_logs_match(const Log& a, const Log& b) const { return logs_match(intern_log(a), intern_log(b)); }

 private:
  static bool leader_elected(const RaftModel& m, const State& s) { return m.history(s).leaders_elected() >= 1; }
  static bool entry_committed(const RaftModel& m, const State& s) { return m.history(s).committed_count() >= 1; }
  static bool second_leader(const RaftModel& m, const State& s) { return m.history(s).leaders_elected() >= 2; }
  static bool restarted_caught_up(const RaftModel& m, const State& s) {
    const raft::Index committed = m.history(s).committed_count();
    if (committed == 0) return false;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i)
      if ((s.restarted >> i & 1u) && m.up(s, i) && m.node(s, i).commit_index() >= committed) return true;
    return false;
  }

  static constexpr std::array<Property<RaftModel>, 12> kProperties{
      Property<RaftModel>::always("ElectionSafety", &not_recorded<Violation::election_safety>),
      Property<RaftModel>::always("LeaderAppendOnly", &not_recorded<Violation::leader_append_only>),
      Property<RaftModel>::always("LogMatching", &log_matching_ok),
      Property<RaftModel>::always("LeaderCompleteness", &leader_completeness_ok),
      Property<RaftModel>::always("StateMachineSafety", &not_recorded<Violation::state_machine_safety>),
      Property<RaftModel>::always("CommitIndexNeverDecreases", &not_recorded<Violation::commit_decreased>),
      Property<RaftModel>::always("CommitIndexWithinLog", &not_recorded<Violation::commit_past_log>),
      Property<RaftModel>::always("HistoryCapacity", &not_recorded<Violation::history_full>),
      Property<RaftModel>::sometimes("a leader is elected", &leader_elected),
      Property<RaftModel>::sometimes("an entry commits", &entry_committed),
      Property<RaftModel>::sometimes("a second leader is elected in a later term", &second_leader),
      Property<RaftModel>::sometimes("a node restarts and catches up", &restarted_caught_up),
  };

  RaftBounds bounds_;
  std::vector<Renaming> renamings_;
  // [i][r]: node i + 1's term when down, and its restart bit's, under
  // renaming r (r < kCached), i.e. in the slot r moves it to.
  std::array<std::array<std::uint64_t, kCached>, MaxNodes> down_terms_{}, restart_terms_{};
  CanonicalBase unused_{};  // [r]: all ones when the cluster has no renaming r
  mutable ComponentPool<Node, kCached, NodeTraits> nodes_;
  mutable ComponentPool<Disk, kCached, DiskTraits> disks_;
  mutable ComponentPool<Message, kCached, MessageTraits> messages_;
  mutable ComponentPool<History, kCached, HistoryTraits> histories_;
  // What memoised steps add to the sums of the renamings (StepResult::sums_delta).
  mutable SumsDeltas<kCached> sums_deltas_;
  mutable Memo<StepKey, StepResult> steps_;
  mutable Memo<RecordKey, GhostResult> records_;
  mutable InternPool<Log> logs_;
  static constexpr std::size_t kLogPairs = 256;
  std::unique_ptr<std::atomic<std::uint8_t>[]> log_pairs_{new std::atomic<std::uint8_t>[kLogPairs * kLogPairs]()};
};

}  // namespace synod::check::models
