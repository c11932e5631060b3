// paxos_model.hpp - the Basic Paxos model: real kernel nodes
// (synod::paxos::Node), per-node disks written only through PersistRequests,
// a bounded network, fault budgets and a ghost history.
//
// Cluster: acceptors are ids 1..A (role: acceptor), proposers are ids
// A+1..A+P (roles: proposer and learner). Proposer p is given value
// ((p - 1) mod values) + 1, so with values = 1 every proposer proposes the
// same value, and with values >= 2 the first two propose different ones.
//
// State = per node: the kernel node (or down) and its disk (the persistent
// state as last persisted); the network, a multiset of in-flight messages
// kept sorted; budgets; which proposers were given their value and which
// began a round; which nodes restarted; the ghost: every acceptance ever
// made (ballot, value, acceptors), the first value any learner learned, and
// the first violation a transition showed.
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

#include <boost/container/static_vector.hpp>
#include <nlohmann/json.hpp>
#include <synod/check/model.hpp>
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

// The first violation a transition or the ghost showed.
enum class PaxosViolation : std::uint8_t {
  none,
  accepted_below_promise,  // an acceptor accepted a ballot below what it had promised
  learners_disagree,       // two learners learned different values
  ghost_full,              // the ghost's capacity was too small (a harness bug)
};

class PaxosModel {
 public:
  using Config = PaxosCheckConfig;
  using Node = paxos::Node<Config>;
  using Message = paxos::Message<Config>;
  using Value = std::uint64_t;
  using Disk = paxos::PersistentState<Value>;
  static constexpr std::size_t kMaxNodes = Config::max_nodes;
  static constexpr std::size_t kNetworkCapacity = 16;
  static constexpr std::size_t kMaxAcceptances = 16;

  struct Acceptance {
    paxos::Ballot ballot{};
    Value value = 0;
    std::uint16_t acceptors = 0;  // bit id: acceptor id accepted (ballot, value)
    friend bool operator==(const Acceptance&, const Acceptance&) = default;
  };

  struct State {
    std::array<std::optional<Node>, kMaxNodes> nodes;  // index i is node id i + 1
    std::array<Disk, kMaxNodes> disks{};
    boost::container::static_vector<Message, kNetworkCapacity> network;  // sorted (message_less)
    std::uint8_t drops_left = 0;
    std::uint8_t dups_left = 0;
    std::uint8_t crashes_left = 0;
    std::uint8_t proposed = 0;   // bit i: node i + 1 was given its value
    std::uint8_t started = 0;    // bit i: node i + 1 began a round
    std::uint8_t restarted = 0;  // bit i: node i + 1 restarted
    boost::container::static_vector<Acceptance, kMaxAcceptances> acceptances;  // sorted by ballot
    std::optional<Value> learned;  // the first value any learner learned
    PaxosViolation violation = PaxosViolation::none;
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
  }

  std::string name() const { return "paxos"; }
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
    for (std::size_t i = 0; i < cluster(); ++i) s.nodes[i].emplace(options_for(i));
    s.drops_left = bounds_.drops;
    s.dups_left = bounds_.dups;
    s.crashes_left = bounds_.crashes;
    emit(s);
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    const std::size_t n = cluster();
    auto for_each_distinct_message = [&](auto&& f) {
      for (std::size_t k = 0; k < s.network.size(); ++k)
        if (k == 0 || !(s.network[k] == s.network[k - 1])) f(static_cast<std::uint8_t>(k));
    };
    for_each_distinct_message([&](std::uint8_t k) {
      const NodeId to = s.network[k].to;
      if (to >= 1 && to <= n && s.nodes[to - 1]) emit(Action{Kind::deliver, to, k});
    });
    for (std::size_t i = bounds_.acceptors; i < n; ++i)
      if (s.nodes[i] && !(s.proposed >> i & 1u)) emit(Action{Kind::propose, id_of(i), 0});
    for (std::size_t i = bounds_.acceptors; i < n; ++i) {
      const auto& node = s.nodes[i];
      if (node && node->proposer().can_begin_round() && node->proposer().ballot().round < bounds_.max_round)
        emit(Action{Kind::timeout, id_of(i), 0});
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
    bool ok = true;
    switch (a.kind) {
      case Kind::deliver: {
        const Message m = next.network[a.message];
        next.network.erase(next.network.begin() + a.message);
        ok = input(next, i, [&](Node& nd) { (void)nd.step(m); });
        break;
      }
      case Kind::propose:
        next.proposed = static_cast<std::uint8_t>(next.proposed | (1u << i));
        ok = input(next, i, [&](Node& nd) { (void)nd.propose(value_of(i)); });
        break;
      case Kind::timeout: ok = input(next, i, [](Node& nd) { (void)nd.start_round(); }); break;
      case Kind::persist:
        ok = input(next, i, [&](Node& nd) {
          const auto request = nd.persist_request();
          Disk written = request.state;
          if (bounds_.lossy_disk) written.promised = next.disks[i].promised;  // the promise is lost
          next.disks[i] = written;
          (void)nd.persisted(request);
        });
        break;
      case Kind::drop:
        --next.drops_left;
        next.network.erase(next.network.begin() + a.message);
        break;
      case Kind::duplicate: {
        --next.dups_left;
        const Message m = next.network[a.message];
        ok = enqueue(next, m);
        break;
      }
      case Kind::crash:
        --next.crashes_left;
        next.nodes[i].reset();
        break;
      case Kind::restart:
        next.nodes[i].emplace(Node::restart(options_for(i), next.disks[i]));
        next.restarted = static_cast<std::uint8_t>(next.restarted | (1u << i));
        // The restarted proposer is given its value again only by a new propose.
        next.proposed = static_cast<std::uint8_t>(next.proposed & ~(1u << i));
        break;
    }
    if (!ok) return std::nullopt;
    return next;
  }

  bool within_boundary(const State& s) const {
    if (s.network.size() > bounds_.max_msgs) return false;
    for (std::size_t i = bounds_.acceptors; i < cluster(); ++i)
      if (s.nodes[i] && s.nodes[i]->proposer().ballot().round > bounds_.max_round) return false;
    return true;
  }

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const { return hash_renamed(s, kIdentity, seed); }

  std::uint64_t canonical_fingerprint(const State& s, std::uint64_t seed) const {
    std::uint64_t best = ~std::uint64_t{0};
    for (const Renaming& r : renamings_) best = std::min(best, hash_renamed(s, r, seed));
    return best;
  }

  // ------------------------------------------------------------ properties
  // Values chosen over the whole ghost history: accepted by a majority of the
  // acceptors at one ballot.
  template <class F>
  void for_each_chosen(const State& s, F&& f) const {
    for (const Acceptance& acc : s.acceptances)
      if (static_cast<std::size_t>(std::popcount(acc.acceptors)) >= quorum::majority(bounds_.acceptors)) f(acc);
  }
  bool chosen_any(const State& s) const {
    bool any = false;
    for_each_chosen(s, [&](const Acceptance&) { any = true; });
    return any;
  }

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
      case Kind::deliver: return "deliver " + message_string(s.network[a.message]);
      case Kind::propose: return "client gives proposer " + std::to_string(a.node) + " value " + std::to_string(value_of(a.node - 1u));
      case Kind::timeout: return "proposer " + std::to_string(a.node) + " retry timer: begins a new round";
      case Kind::persist: return who + " persists its promise/acceptance/round and releases held messages";
      case Kind::drop: return "network drops " + message_string(s.network[a.message]);
      case Kind::duplicate: return "network duplicates " + message_string(s.network[a.message]);
      case Kind::crash: return who + " crashes";
      case Kind::restart: return who + " restarts from its disk";
    }
    return "?";
  }
  std::string node_string(const State& s, std::size_t i) const {
    std::string out;
    const auto& node = s.nodes[i];
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
    const Disk& d = s.disks[i];
    out += " | disk promised " + ballot_string(d.promised) + " accepted " + ballot_string(d.accepted_ballot) +
           " round " + std::to_string(d.proposer_round);
    return out;
  }
  std::string format_change(const State& b, const State& a) const {
    std::string out;
    for (std::size_t i = 0; i < cluster(); ++i) {
      const std::string after = node_string(a, i);
      if (after != node_string(b, i)) out += "     node " + std::to_string(i + 1) + ": " + after + "\n";
    }
    for (const Message& m : a.network)
      if (std::count(a.network.begin(), a.network.end(), m) > std::count(b.network.begin(), b.network.end(), m))
        out += "     + sent " + message_string(m) + "\n";
    if (!chosen_any(b) && chosen_any(a)) out += "     ghost: a value is now chosen\n";
    if (a.violation != b.violation) out += "     VIOLATION recorded\n";
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
      j["message"] = message_json(s.network[a.message]);
    return j;
  }
  nlohmann::json state_json(const State& s) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (std::size_t i = 0; i < cluster(); ++i) nodes.push_back(node_string(s, i));
    nlohmann::json network = nlohmann::json::array();
    for (const Message& m : s.network) network.push_back(message_json(m));
    nlohmann::json chosen = nlohmann::json::array();
    for_each_chosen(s, [&](const Acceptance& acc) { chosen.push_back({{"ballot", ballot_json(acc.ballot)}, {"value", acc.value}}); });
    return {{"nodes", nodes}, {"network", network}, {"chosen", chosen},
            {"learned", s.learned ? nlohmann::json(*s.learned) : nlohmann::json(nullptr)}};
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

  static bool enqueue(State& s, const Message& m) {
    if (s.network.size() == s.network.capacity()) return false;
    s.network.insert(std::upper_bound(s.network.begin(), s.network.end(), m, &message_less), m);
    return true;
  }

  // One input to node i, then the ghost: acceptances, learned values, the
  // "accept below promise" transition check.
  template <class F>
  bool input(State& s, std::size_t i, F&& f) const {
    Node& node = *s.nodes[i];
    const paxos::Ballot promised_before = node.acceptor().promised();
    const paxos::Ballot accepted_before = node.acceptor().accepted_ballot();
    const bool proposer_before = node.proposer().ballot().is_null();
    f(node);
    bool ok = true;
    for (const Message& m : node.messages()) ok = ok && enqueue(s, m);
    node.clear_messages();
    if (proposer_before && !node.proposer().ballot().is_null())
      s.started = static_cast<std::uint8_t>(s.started | (1u << i));
    if (is_acceptor(i) && node.acceptor().accepted_ballot() != accepted_before) {
      const paxos::Ballot b = node.acceptor().accepted_ballot();
      if (b < promised_before) violate(s, PaxosViolation::accepted_below_promise);
      record_acceptance(s, b, *node.acceptor().accepted_value(), node.id());
    }
    if (node.learned()) {
      if (!s.learned) s.learned = node.learned();
      else if (*s.learned != *node.learned()) violate(s, PaxosViolation::learners_disagree);
    }
    return ok;
  }

  static void violate(State& s, PaxosViolation v) {
    if (s.violation == PaxosViolation::none) s.violation = v;
  }

  static void record_acceptance(State& s, paxos::Ballot b, Value v, NodeId acceptor) {
    auto it = std::lower_bound(s.acceptances.begin(), s.acceptances.end(), b,
                               [](const Acceptance& acc, paxos::Ballot x) { return acc.ballot < x; });
    if (it != s.acceptances.end() && it->ballot == b) {
      // One value per ballot: a proposer sends one value in phase 2.
      it->acceptors = static_cast<std::uint16_t>(it->acceptors | (1u << acceptor));
      if (it->value != v) violate(s, PaxosViolation::ghost_full);
      return;
    }
    if (s.acceptances.size() == s.acceptances.capacity()) {
      violate(s, PaxosViolation::ghost_full);
      return;
    }
    s.acceptances.insert(it, Acceptance{b, v, static_cast<std::uint16_t>(1u << acceptor)});
  }

  std::uint64_t hash_renamed(const State& s, const Renaming& r, std::uint64_t seed) const {
    std::array<std::size_t, kMaxNodes> order{};
    for (std::size_t i = 0; i < cluster(); ++i) order[r(id_of(i)) - 1u] = i;
    Hasher h(seed);
    for (std::size_t j = 0; j < cluster(); ++j) {
      const std::size_t i = order[j];
      if (s.nodes[i]) {
        h.add(std::uint64_t{1});
        s.nodes[i]->hash_append(h, r);
      } else {
        h.add(std::uint64_t{0});
      }
      s.disks[i].hash_append(h, r);
      h.add(std::uint64_t{(s.proposed >> i & 1u)} | std::uint64_t{(s.started >> i & 1u)} << 1 |
            std::uint64_t{(s.restarted >> i & 1u)} << 2);
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
    h.add(std::uint64_t{s.drops_left} | std::uint64_t{s.dups_left} << 8 | std::uint64_t{s.crashes_left} << 16);
    // Acceptances: ballots are unchanged by acceptor renamings; acceptor sets are renamed.
    h.add(std::uint64_t{s.acceptances.size()});
    for (const Acceptance& acc : s.acceptances) {
      acc.ballot.hash_append(h, r);
      h.add(acc.value);
      std::uint64_t renamed = 0;
      for (std::size_t id = 1; id <= kMaxNodes; ++id)
        if (acc.acceptors >> id & 1u) renamed |= std::uint64_t{1} << r(static_cast<NodeId>(id));
      h.add(renamed);
    }
    h.add(s.learned.has_value());
    h.add(s.learned.value_or(0));
    h.add(s.violation);
    return h.value();
  }

  static bool at_most_one_chosen(const PaxosModel& m, const State& s) {
    std::optional<Value> first;
    bool ok = true;
    m.for_each_chosen(s, [&](const Acceptance& acc) {
      if (!first) first = acc.value;
      else if (*first != acc.value) ok = false;
    });
    return ok;
  }
  static bool only_proposed_chosen(const PaxosModel& m, const State& s) {
    bool ok = true;
    m.for_each_chosen(s, [&](const Acceptance& acc) {
      bool proposed = false;
      for (std::size_t i = m.bounds_.acceptors; i < m.cluster(); ++i)
        proposed |= (s.proposed >> i & 1u) && m.value_of(i) == acc.value;
      // A proposer that restarted may have lost its "given" bit: any value a
      // proposer was configured with and that it began a round for counts.
      for (std::size_t i = m.bounds_.acceptors; i < m.cluster(); ++i)
        proposed |= (s.started >> i & 1u) && m.value_of(i) == acc.value;
      ok = ok && proposed;
    });
    return ok;
  }
  static bool learners_agree(const PaxosModel&, const State& s) {
    return s.violation != PaxosViolation::learners_disagree;
  }
  static bool accept_respects_promise(const PaxosModel&, const State& s) {
    return s.violation != PaxosViolation::accepted_below_promise;
  }
  static bool ghost_ok(const PaxosModel&, const State& s) { return s.violation != PaxosViolation::ghost_full; }
  static bool learned_is_chosen(const PaxosModel& m, const State& s) {
    if (!s.learned) return true;
    bool found = false;
    m.for_each_chosen(s, [&](const Acceptance& acc) { found |= acc.value == *s.learned; });
    return found;
  }
  static bool value_chosen(const PaxosModel& m, const State& s) { return m.chosen_any(s); }
  static bool chosen_after_duel(const PaxosModel& m, const State& s) {
    const std::size_t began = static_cast<std::size_t>(std::popcount(static_cast<unsigned>(s.started)));
    return m.bounds_.proposers >= 2 && began >= 2 && m.chosen_any(s);
  }
  static bool acceptor_restarted(const PaxosModel& m, const State& s) {
    for (std::size_t i = 0; i < m.bounds_.acceptors; ++i)
      if ((s.restarted >> i & 1u) && s.nodes[i]) return true;
    return false;
  }

  static constexpr std::array<Property<PaxosModel>, 9> kProperties{
      Property<PaxosModel>::always("at most one value is chosen", &at_most_one_chosen),
      Property<PaxosModel>::always("only a proposed value is chosen", &only_proposed_chosen),
      Property<PaxosModel>::always("learners never learn different values", &learners_agree),
      Property<PaxosModel>::always("a learned value is chosen", &learned_is_chosen),
      Property<PaxosModel>::always("no acceptor accepts a ballot below its promise", &accept_respects_promise),
      Property<PaxosModel>::always("ghost capacity", &ghost_ok),
      Property<PaxosModel>::sometimes("a value is chosen", &value_chosen),
      Property<PaxosModel>::sometimes("a value is chosen after dueling proposers", &chosen_after_duel),
      Property<PaxosModel>::sometimes("a crashed acceptor restarts", &acceptor_restarted),
  };

  PaxosBounds bounds_;
  std::vector<Renaming> renamings_;
};

}  // namespace synod::check::models
