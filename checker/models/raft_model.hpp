// raft_model.hpp - the Raft model: N real kernel nodes (synod::raft::Node),
// each with a "disk" written only through its PersistRequests, a bounded
// network, fault budgets and a ghost history for the properties.
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
//      of the sorted network (identical copies give one action);
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
#include <array>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/container/static_vector.hpp>
#include <nlohmann/json.hpp>
#include <synod/check/model.hpp>
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

  struct Disk {
    raft::HardState hard_state{};
    Log log{};
    friend bool operator==(const Disk&, const Disk&) = default;
  };

  struct State {
    std::array<std::optional<Node>, MaxNodes> nodes;  // index i is node id i + 1; nullopt: down
    std::array<Disk, MaxNodes> disks;
    boost::container::static_vector<Message, kNetworkCapacity> network;  // sorted (message_less)
    std::uint8_t drops_left = 0;
    std::uint8_t dups_left = 0;
    std::uint8_t crashes_left = 0;
    std::uint8_t proposals_left = 0;
    std::uint8_t restarted = 0;  // bit i: node i + 1 has restarted at least once
    Violation violation = Violation::none;  // first transition violation seen
    History history;
  };

  enum class Kind : std::uint8_t { deliver, timeout, heartbeat, propose, persist, drop, duplicate, crash, restart };
  struct Action {
    Kind kind;
    NodeId node;          // the node acted on (deliver: the destination)
    std::uint8_t message; // deliver/drop/duplicate: index into the sorted network
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
    do {
      Renaming r;
      for (std::size_t i = 0; i < ids.size(); ++i) r.set(static_cast<NodeId>(i + 1), ids[i]);
      renamings_.push_back(r);
    } while (std::next_permutation(ids.begin(), ids.end()));
  }

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

  // ------------------------------------------------------------ the verbs
  template <class Emit>
  void init_states(Emit&& emit) const {
    State s;
    for (std::size_t i = 0; i < bounds_.nodes; ++i) s.nodes[i].emplace(options_for(static_cast<NodeId>(i + 1)));
    s.drops_left = bounds_.drops;
    s.dups_left = bounds_.dups;
    s.crashes_left = bounds_.crashes;
    s.proposals_left = bounds_.proposals;
    emit(s);
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    const std::size_t n = bounds_.nodes;
    auto for_each_distinct_message = [&](auto&& f) {
      for (std::size_t k = 0; k < s.network.size(); ++k)
        if (k == 0 || !(s.network[k] == s.network[k - 1])) f(static_cast<std::uint8_t>(k));
    };
    for_each_distinct_message([&](std::uint8_t k) {
      const NodeId to = s.network[k].to;
      if (to >= 1 && to <= n && s.nodes[to - 1]) emit(Action{Kind::deliver, to, k});
    });
    for (std::size_t i = 0; i < n; ++i) {
      const auto& node = s.nodes[i];
      if (node && node->role() != raft::Role::leader && node->term() < bounds_.max_term)
        emit(Action{Kind::timeout, id_of(i), 0});
    }
    for (std::size_t i = 0; i < n; ++i)
      if (s.nodes[i] && s.nodes[i]->role() == raft::Role::leader) emit(Action{Kind::heartbeat, id_of(i), 0});
    if (s.proposals_left > 0) {
      for (std::size_t i = 0; i < n; ++i) {
        const auto& node = s.nodes[i];
        if (node && node->role() == raft::Role::leader && node->log().last_index() < bounds_.max_log)
          emit(Action{Kind::propose, id_of(i), 0});
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto& node = s.nodes[i];
      if (node && (!node->persist_request().empty() || node->held_messages() > 0))
        emit(Action{Kind::persist, id_of(i), 0});
    }
    if (s.drops_left > 0)
      for_each_distinct_message([&](std::uint8_t k) { emit(Action{Kind::drop, s.network[k].to, k}); });
    if (s.dups_left > 0 && s.network.size() < bounds_.max_msgs)
      for_each_distinct_message([&](std::uint8_t k) { emit(Action{Kind::duplicate, s.network[k].to, k}); });
    if (s.crashes_left > 0)
      for (std::size_t i = 0; i < n; ++i)
        if (s.nodes[i]) emit(Action{Kind::crash, id_of(i), 0});
    for (std::size_t i = 0; i < n; ++i)
      if (!s.nodes[i]) emit(Action{Kind::restart, id_of(i), 0});
  }

  std::optional<State> next_state(const State& s, const Action& a) const {
    State next = s;
    const std::size_t i = a.node - 1u;
    switch (a.kind) {
      case Kind::deliver: {
        const Message m = next.network[a.message];
        next.network.erase(next.network.begin() + a.message);
        input(next, i, [&](Node& node) { node.step(m); });
        break;
      }
      case Kind::timeout: input(next, i, [](Node& node) { node.campaign(); }); break;
      case Kind::heartbeat: input(next, i, [](Node& node) { node.broadcast_heartbeat(); }); break;
      case Kind::propose: {
        const std::uint64_t value = std::uint64_t{bounds_.proposals} - next.proposals_left + 1;
        --next.proposals_left;
        bool accepted = false;
        input(next, i, [&](Node& node) { accepted = node.propose(value).status == raft::ProposeStatus::ok; });
        if (!accepted) return std::nullopt;
        break;
      }
      case Kind::persist: {
        Node& node = *next.nodes[i];
        const raft::PersistRequest request = node.persist_request();
        Disk& disk = next.disks[i];
        if (request.hard_state_changed && !bounds_.lossy_disk) disk.hard_state = request.hard_state;
        if (request.has_entries()) {
          disk.log.truncate_after(request.first - 1);
          for (raft::Index k = request.first; k <= request.last; ++k)
            if (!disk.log.append(node.log().at(k))) return std::nullopt;
        } else if (request.first <= disk.log.last_index()) {
          disk.log.truncate_after(request.first - 1);  // the log shrank below what was durable
        }
        input(next, i, [&](Node& n) { n.persisted(request); });
        break;
      }
      case Kind::drop:
        --next.drops_left;
        next.network.erase(next.network.begin() + a.message);
        break;
      case Kind::duplicate: {
        --next.dups_left;
        const Message m = next.network[a.message];
        if (!enqueue(next, m)) return std::nullopt;
        break;
      }
      case Kind::crash:
        --next.crashes_left;
        next.nodes[i].reset();  // volatile state (and held messages) lost; the disk stays
        break;
      case Kind::restart:
        next.nodes[i].emplace(Node::restart(options_for(a.node), next.disks[i].hard_state, next.disks[i].log));
        next.restarted = static_cast<std::uint8_t>(next.restarted | (1u << i));
        record(next, nullptr, *next.nodes[i]);
        break;
    }
    return next;
  }

  bool within_boundary(const State& s) const { return s.network.size() <= bounds_.max_msgs; }

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const { return hash_renamed(s, kIdentity, seed); }

  // Symmetry over node ids: the smallest hash over all renamings.
  std::uint64_t canonical_fingerprint(const State& s, std::uint64_t seed) const {
    std::uint64_t best = ~std::uint64_t{0};
    for (const Renaming& r : renamings_) best = std::min(best, hash_renamed(s, r, seed));
    return best;
  }

  // ------------------------------------------------------------ properties
  // Transition checks (Election Safety, Leader Append-Only, State Machine
  // Safety, commit index monotone and within the log) are recorded by the
  // ghost as each node changes; cluster checks (Log Matching, Leader
  // Completeness) run on every distinct state over the nodes that are up.
  std::span<const Property<RaftModel>> properties() const { return kProperties; }

  Violation cluster_violation(const State& s) const {
    std::array<const Node*, MaxNodes> up{};
    std::size_t count = 0;
    for (std::size_t i = 0; i < bounds_.nodes; ++i)
      if (s.nodes[i]) up[count++] = &*s.nodes[i];
    return s.history.check_cluster(std::span<const Node* const>(up.data(), count));
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
      case Kind::deliver: return "deliver " + message_string(s.network[a.message]);
      case Kind::timeout: return who + " election timeout: campaigns";
      case Kind::heartbeat: return who + " heartbeat timer: leader sends AppendEntries";
      case Kind::propose:
        return "client proposes value " + std::to_string(bounds_.proposals - s.proposals_left + 1) + " to leader " +
               std::to_string(a.node);
      case Kind::persist: return who + " persists its hard state/log and releases held messages";
      case Kind::drop: return "network drops " + message_string(s.network[a.message]);
      case Kind::duplicate: return "network duplicates " + message_string(s.network[a.message]);
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
    const auto& node = s.nodes[i];
    const Disk& d = s.disks[i];
    std::string out;
    if (!node) {
      out = "down";
    } else {
      out = std::string(raft::to_string(node->role())) + " term " + std::to_string(node->term()) + " vote " +
            std::to_string(node->voted_for()) + " log " + log_string(node->log()) + " commit " +
            std::to_string(node->commit_index());
      if (node->held_messages() > 0) out += " held " + std::to_string(node->held_messages());
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
    for (const Message& m : a.network)
      if (std::count(a.network.begin(), a.network.end(), m) > std::count(b.network.begin(), b.network.end(), m))
        out += "     + sent " + message_string(m) + "\n";
    if (a.network.size() != b.network.size() || !std::equal(a.network.begin(), a.network.end(), b.network.begin()))
      out += "     network now holds " + std::to_string(a.network.size()) + " message(s)\n";
    if (a.history.leaders_elected() > b.history.leaders_elected())
      out += "     ghost: a leader was elected (" + std::to_string(a.history.leaders_elected()) + " so far)\n";
    if (a.history.committed_count() > b.history.committed_count())
      out += "     ghost: entries committed so far: " + std::to_string(a.history.committed_count()) + "\n";
    if (a.violation != Violation::none && b.violation == Violation::none)
      out += std::string("     VIOLATION: ") + raft_invariants::to_string(a.violation) + "\n";
    return out;
  }

  std::string format_state(const State& s) const {
    std::string out;
    for (std::size_t i = 0; i < bounds_.nodes; ++i) out += "     node " + std::to_string(i + 1) + ": " + node_string(s, i) + "\n";
    out += "     network: " + std::to_string(s.network.size()) + " message(s); budgets: drops " +
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
      j["message"] = message_json(s.network[a.message]);
    return j;
  }

  nlohmann::json state_json(const State& s) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      const auto& node = s.nodes[i];
      nlohmann::json n{{"id", i + 1},
                       {"up", node.has_value()},
                       {"disk", {{"term", s.disks[i].hard_state.term},
                                 {"voted_for", s.disks[i].hard_state.voted_for},
                                 {"log", log_json(s.disks[i].log)}}}};
      if (node) {
        n["role"] = raft::to_string(node->role());
        n["term"] = node->term();
        n["voted_for"] = node->voted_for();
        n["leader"] = node->leader_id();
        n["commit"] = node->commit_index();
        n["log"] = log_json(node->log());
        n["held"] = node->held_messages();
      }
      nodes.push_back(std::move(n));
    }
    nlohmann::json network = nlohmann::json::array();
    for (const Message& m : s.network) network.push_back(message_json(m));
    return {{"nodes", nodes},
            {"network", network},
            {"budgets", {{"drops", s.drops_left}, {"dups", s.dups_left}, {"crashes", s.crashes_left},
                         {"proposals", s.proposals_left}}},
            {"ghost", {{"leaders_elected", s.history.leaders_elected()},
                       {"committed", s.history.committed_count()},
                       {"violation", raft_invariants::to_string(s.violation)}}}};
  }

  // A strict total order on messages: the network's canonical sort.
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

  static bool enqueue(State& s, const Message& m) {
    if (s.network.size() == s.network.capacity()) return false;
    auto it = std::upper_bound(s.network.begin(), s.network.end(), m, &message_less);
    s.network.insert(it, m);
    return true;
  }

  // One input to node i: run it, drain its outbox into the network, record
  // the transition in the ghost history.
  template <class F>
  void input(State& s, std::size_t i, F&& f) const {
    Node& node = *s.nodes[i];
    const Node before = node;
    f(node);
    for (const Message& m : node.messages()) {
      if (!enqueue(s, m)) {
        s.network.clear();  // over capacity: certainly outside the boundary
        s.network.resize(s.network.capacity());
        break;
      }
    }
    node.clear_messages();
    record(s, &before, node);
  }

  static void record(State& s, const Node* before, const Node& after) {
    const Violation v = s.history.record(before, after);
    if (s.violation == Violation::none) s.violation = v;
  }

  std::uint64_t hash_renamed(const State& s, const Renaming& r, std::uint64_t seed) const {
    // The node renamed to j is hashed j-th.
    std::array<std::size_t, MaxNodes> order{};
    for (std::size_t i = 0; i < bounds_.nodes; ++i) order[r(id_of(i)) - 1u] = i;
    Hasher h(seed);
    for (std::size_t j = 0; j < bounds_.nodes; ++j) {
      const std::size_t i = order[j];
      if (s.nodes[i]) {
        h.add(std::uint64_t{1});
        s.nodes[i]->hash_append(h, r);
      } else {
        h.add(std::uint64_t{0});
      }
      h.add(s.disks[i].hard_state.term);
      h.add(std::uint64_t{r(s.disks[i].hard_state.voted_for)});
      s.disks[i].log.hash_append(h);
      h.add(std::uint64_t{(s.restarted >> i) & 1u});
    }
    std::array<std::uint64_t, kNetworkCapacity> messages{};
    for (std::size_t k = 0; k < s.network.size(); ++k) {
      Hasher hm(seed);
      s.network[k].hash_append(hm, r);
      messages[k] = hm.value();
    }
    std::sort(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(s.network.size()));
    h.add(std::uint64_t{s.network.size()});
    for (std::size_t k = 0; k < s.network.size(); ++k) h.add(messages[k]);
    h.add(std::uint64_t{s.drops_left} | std::uint64_t{s.dups_left} << 8 | std::uint64_t{s.crashes_left} << 16 |
          std::uint64_t{s.proposals_left} << 24);
    h.add(s.violation);
    s.history.hash_append(h, r);
    return h.value();
  }

  template <Violation V>
  static bool not_recorded(const RaftModel&, const State& s) {
    return s.violation != V;
  }
  template <Violation V>
  static bool cluster_ok(const RaftModel& m, const State& s) {
    return m.cluster_violation(s) != V;
  }
  static bool leader_elected(const RaftModel&, const State& s) { return s.history.leaders_elected() >= 1; }
  static bool entry_committed(const RaftModel&, const State& s) { return s.history.committed_count() >= 1; }
  static bool second_leader(const RaftModel&, const State& s) { return s.history.leaders_elected() >= 2; }
  static bool restarted_caught_up(const RaftModel& m, const State& s) {
    if (s.history.committed_count() == 0) return false;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i)
      if ((s.restarted >> i & 1u) && s.nodes[i] && s.nodes[i]->commit_index() >= s.history.committed_count())
        return true;
    return false;
  }

  static constexpr std::array<Property<RaftModel>, 12> kProperties{
      Property<RaftModel>::always("ElectionSafety", &not_recorded<Violation::election_safety>),
      Property<RaftModel>::always("LeaderAppendOnly", &not_recorded<Violation::leader_append_only>),
      Property<RaftModel>::always("LogMatching", &cluster_ok<Violation::log_matching>),
      Property<RaftModel>::always("LeaderCompleteness", &cluster_ok<Violation::leader_completeness>),
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
};

}  // namespace synod::check::models
