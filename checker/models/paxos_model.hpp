// paxos_model.hpp - the Basic Paxos model: real kernel nodes
// (synod::paxos::Node), per-node disks written only through PersistRequests,
// a bounded network, fault budgets and a ghost history.
//
// Cluster: acceptors are ids 1..A (role: acceptor), proposers are ids
// A+1..A+P (roles: proposer and learner). Proposer p is given value
// ((p - 1) mod values) + 1, so with values = 1 every proposer proposes the
// same value, and with values >= 2 the first two propose different ones.
//
// Representation: nodes, disks and messages are interned in pools of the
// model with their hashes (see synod/check/intern.hpp), and node transitions
// are memoised, as in the Raft model; a state is a few hundred bytes.
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
#include <synod/check/intern.hpp>
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

  static constexpr std::size_t kGhostAcceptances = 8;
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
    PaxosViolation violation = PaxosViolation::none;
    boost::container::static_vector<Acceptance, kGhostAcceptances> acceptances;  // sorted by ballot
    std::optional<Value> learned;  // the first value any learner learned
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

  PaxosModel(const PaxosModel&) = delete;
  PaxosModel& operator=(const PaxosModel&) = delete;

  std::string name() const { return "paxos"; }
  bool up(const State& s, std::size_t i) const { return s.nodes[i] != kNoRef; }
  const Node& node(const State& s, std::size_t i) const { return nodes_[s.nodes[i]].value; }
  const Disk& disk(const State& s, std::size_t i) const { return disks_[s.disks[i]].value; }
  const Message& message(const State& s, std::size_t k) const { return messages_[s.network[k]].value; }
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
      s.disks[i] = intern_disk(Disk{});
    }
    s.drops_left = bounds_.drops;
    s.dups_left = bounds_.dups;
    s.crashes_left = bounds_.crashes;
    emit(s);
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    const std::size_t n = cluster();
    auto for_each_distinct_message = [&](auto&& f) {
      for (std::size_t k = 0; k < s.in_flight; ++k)
        if (k == 0 || s.network[k] != s.network[k - 1]) f(static_cast<std::uint8_t>(k));
    };
    for_each_distinct_message([&](std::uint8_t k) {
      const auto to = static_cast<NodeId>(messages_[s.network[k]].summary);
      if (to >= 1 && to <= n && up(s, to - 1u)) emit(Action{Kind::deliver, to, k});
    });
    for (std::size_t i = bounds_.acceptors; i < n; ++i)
      if (up(s, i) && !(s.proposed >> i & 1u)) emit(Action{Kind::propose, id_of(i), 0});
    for (std::size_t i = bounds_.acceptors; i < n; ++i)
      if (up(s, i) && node(s, i).proposer().can_begin_round() && node(s, i).proposer().ballot().round < bounds_.max_round)
        emit(Action{Kind::timeout, id_of(i), 0});
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && (nodes_[s.nodes[i]].summary & 1u)) emit(Action{Kind::persist, id_of(i), 0});
    if (s.drops_left > 0)
      for_each_distinct_message([&](std::uint8_t k) { emit(Action{Kind::drop, message(s, k).to, k}); });
    if (s.dups_left > 0 && s.in_flight < bounds_.max_msgs)
      for_each_distinct_message([&](std::uint8_t k) { emit(Action{Kind::duplicate, message(s, k).to, k}); });
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
      case Kind::deliver: {
        const Ref m = s.network[a.message];
        remove_message(next, a.message);
        ok = input(next, i, Kind::deliver, m, [&](Node& nd, Ref&) { (void)nd.step(messages_[m].value); });
        break;
      }
      case Kind::propose:
        next.proposed = static_cast<std::uint8_t>(next.proposed | (1u << i));
        ok = input(next, i, Kind::propose, 0, [&](Node& nd, Ref&) { (void)nd.propose(value_of(i)); });
        break;
      case Kind::timeout:
        ok = input(next, i, Kind::timeout, 0, [](Node& nd, Ref&) { (void)nd.start_round(); });
        break;
      case Kind::persist:
        ok = input(next, i, Kind::persist, 0, [&](Node& nd, Ref& disk_ref) {
          const auto request = nd.persist_request();
          Disk written = request.state;
          if (bounds_.lossy_disk) written.promised = disks_[disk_ref].value.promised;  // the promise is lost
          disk_ref = intern_disk(written);
          (void)nd.persisted(request);
        });
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
        next.nodes[i] = intern_node(Node::restart(options_for(i), disk(next, i)));
        next.restarted = static_cast<std::uint8_t>(next.restarted | (1u << i));
        // A restarted proposer has lost its value: a client may give it again.
        next.proposed = static_cast<std::uint8_t>(next.proposed & ~(1u << i));
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

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const { return hash_renamed(s, 0, seed); }

  // Symmetry over acceptor ids: the smallest hash over their renamings.
  std::uint64_t canonical_fingerprint(const State& s, std::uint64_t seed) const {
    std::uint64_t best = ~std::uint64_t{0};
    for (std::size_t r = 0; r < renamings_.size(); ++r) best = std::min(best, hash_renamed(s, r, seed));
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
    auto count = [](const State& st, Ref r) { return std::count(st.network.begin(), st.network.begin() + st.in_flight, r); };
    for (std::size_t k = 0; k < a.in_flight; ++k)
      if ((k == 0 || a.network[k] != a.network[k - 1]) && count(a, a.network[k]) > count(b, a.network[k]))
        out += "     + sent " + message_string(message(a, k)) + "\n";
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
      j["message"] = message_json(message(s, a.message));
    return j;
  }
  nlohmann::json state_json(const State& s) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (std::size_t i = 0; i < cluster(); ++i) nodes.push_back(node_string(s, i));
    nlohmann::json network = nlohmann::json::array();
    for (std::size_t k = 0; k < s.in_flight; ++k) network.push_back(message_json(message(s, k)));
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

  template <class V>
  struct Interned {
    std::uint32_t summary = 0;  // node: has something to persist or hold; message: destination
    V value;
    std::vector<std::uint64_t> hash;  // [r]: under acceptor renaming r (primary seed)
    std::uint64_t secondary = 0;      // identity, secondary seed
  };

  static std::uint64_t hash_of(const Node& v, const Renaming& r, std::uint64_t seed) {
    Hasher h(seed);
    v.hash_append(h, r);
    return h.value();
  }
  static std::uint64_t hash_of(const Message& v, const Renaming& r, std::uint64_t seed) {
    Hasher h(seed);
    v.hash_append(h, r);
    return h.value();
  }
  static std::uint64_t hash_of(const Disk& v, const Renaming& r, std::uint64_t seed) {
    Hasher h(seed);
    v.hash_append(h, r);
    return h.value();
  }
  static std::uint32_t summary_of(const Node& n) {
    return (!n.persist_request().empty() || n.held_messages() > 0) ? 1u : 0u;
  }
  static std::uint32_t summary_of(const Message& m) { return m.to; }
  static std::uint32_t summary_of(const Disk&) { return 0; }

  template <class V, class Equal>
  Ref intern(InternPool<Interned<V>>& pool, const V& v, Equal&& equal) const {
    const std::uint64_t h0 = hash_of(v, kIdentity, kPrimarySeed);
    return pool.intern(
        h0, v, [&](const Interned<V>& stored, const V& key) { return equal(stored.value, key); },
        [&] {
          Interned<V> rec{summary_of(v), v, std::vector<std::uint64_t>(renamings_.size()),
                          hash_of(v, kIdentity, kSecondarySeed)};
          rec.hash[0] = h0;
          for (std::size_t r = 1; r < renamings_.size(); ++r) rec.hash[r] = hash_of(v, renamings_[r], kPrimarySeed);
          return rec;
        });
  }
  Ref intern_node(const Node& v) const {
    return intern(nodes_, v, [](const Node& a, const Node& b) { return a.protocol_equal(b); });
  }
  Ref intern_disk(const Disk& v) const { return intern(disks_, v, std::equal_to<Disk>{}); }
  Ref intern_message(const Message& v) const { return intern(messages_, v, std::equal_to<Message>{}); }

  template <class V>
  std::uint64_t component_hash(const InternPool<Interned<V>>& pool, Ref ref, std::size_t r, std::uint64_t seed) const {
    const Interned<V>& rec = pool[ref];
    if (seed == kPrimarySeed) return rec.hash[r];
    if (r == 0) return rec.secondary;
    return hash_of(rec.value, renamings_[r], seed);
  }

  bool network_less(Ref a, Ref b) const {
    const auto& ra = messages_[a];
    const auto& rb = messages_[b];
    if (ra.hash[0] != rb.hash[0]) return ra.hash[0] < rb.hash[0];
    return message_less(ra.value, rb.value);
  }
  bool add_message(State& s, Ref m) const {
    if (s.in_flight == kNetworkCapacity) return false;
    std::size_t k = s.in_flight;
    while (k > 0 && network_less(m, s.network[k - 1])) {
      s.network[k] = s.network[k - 1];
      --k;
    }
    s.network[k] = m;
    ++s.in_flight;
    return true;
  }
  static void remove_message(State& s, std::size_t k) {
    for (std::size_t j = k + 1; j < s.in_flight; ++j) s.network[j - 1] = s.network[j];
    --s.in_flight;
    s.network[s.in_flight] = kNoRef;
  }

  // Memoised node transitions: (node, input[, disk]) -> (node, disk, sent).
  struct StepKey {
    Ref node = kNoRef;
    Ref arg = 0;
    Ref disk = kNoRef;
    Kind kind = Kind::deliver;
    friend bool operator==(const StepKey&, const StepKey&) = default;
  };
  struct StepResult {
    Ref node = kNoRef;
    Ref disk = kNoRef;
    std::array<Ref, Config::outbox_capacity> sent{};
    std::uint8_t sent_count = 0;
    bool ok = false;
  };

  // One input to node i, then the ghost: acceptances, learned values, the
  // "accept below promise" transition check.
  template <class F>
  bool input(State& s, std::size_t i, Kind kind, Ref arg, F&& f) const {
    const StepKey key{s.nodes[i], arg, kind == Kind::persist ? s.disks[i] : kNoRef, kind};
    const std::uint64_t h = Hasher::mix((std::uint64_t{key.node} << 32 | key.arg) * 0x9e3779b97f4a7c15ULL ^
                                        Hasher::mix(std::uint64_t{key.disk} << 8 | static_cast<std::uint64_t>(kind)));
    StepResult result;
    if (!steps_.find(h, key, result)) {
      Node after = node(s, i);
      Ref disk_ref = s.disks[i];
      f(after, disk_ref);
      result.ok = true;
      for (const Message& m : after.messages()) {
        if (result.sent_count == result.sent.size()) {
          result.ok = false;
          break;
        }
        result.sent[result.sent_count++] = intern_message(m);
      }
      after.clear_messages();
      result.node = intern_node(after);
      result.disk = disk_ref;
      steps_.insert(h, key, result);
    }
    if (!result.ok) return false;
    for (std::size_t k = 0; k < result.sent_count; ++k)
      if (!add_message(s, result.sent[k])) return false;
    const Node& before = node(s, i);
    const Node& after = nodes_[result.node].value;
    s.nodes[i] = result.node;
    if (kind == Kind::persist) s.disks[i] = result.disk;
    if (before.proposer().ballot().is_null() && !after.proposer().ballot().is_null())
      s.started = static_cast<std::uint8_t>(s.started | (1u << i));
    if (is_acceptor(i) && after.acceptor().accepted_ballot() != before.acceptor().accepted_ballot()) {
      const paxos::Ballot b = after.acceptor().accepted_ballot();
      if (b < before.acceptor().promised()) violate(s, PaxosViolation::accepted_below_promise);
      record_acceptance(s, b, *after.acceptor().accepted_value(), after.id());
    }
    if (after.learned()) {
      if (!s.learned) s.learned = after.learned();
      else if (*s.learned != *after.learned()) violate(s, PaxosViolation::learners_disagree);
    }
    return true;
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

  std::uint64_t hash_renamed(const State& s, std::size_t ri, std::uint64_t seed) const {
    const Renaming& r = renamings_[ri];
    std::array<std::size_t, kMaxNodes> order{};
    for (std::size_t i = 0; i < cluster(); ++i) order[r(id_of(i)) - 1u] = i;
    Hasher h(seed);
    for (std::size_t j = 0; j < cluster(); ++j) {
      const std::size_t i = order[j];
      h.add(up(s, i) ? component_hash(nodes_, s.nodes[i], ri, seed) : std::uint64_t{0});
      h.add(component_hash(disks_, s.disks[i], ri, seed));
      h.add(std::uint64_t{(s.proposed >> i & 1u)} | std::uint64_t{(s.started >> i & 1u)} << 1 |
            std::uint64_t{(s.restarted >> i & 1u)} << 2);
    }
    std::array<std::uint64_t, kNetworkCapacity> messages{};
    for (std::size_t k = 0; k < s.in_flight; ++k) messages[k] = component_hash(messages_, s.network[k], ri, seed);
    std::sort(messages.begin(), messages.begin() + s.in_flight);
    h.add(std::uint64_t{s.in_flight});
    for (std::size_t k = 0; k < s.in_flight; ++k) h.add(messages[k]);
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
      if ((s.restarted >> i & 1u) && m.up(s, i)) return true;
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
  mutable InternPool<Interned<Node>> nodes_;
  mutable InternPool<Interned<Disk>> disks_;
  mutable InternPool<Interned<Message>> messages_;
  mutable Memo<StepKey, StepResult> steps_;
};

}  // namespace synod::check::models
