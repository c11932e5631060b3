// paxos_model.hpp - the Basic Paxos model: real kernel nodes
// (synod::paxos::Node) in the interned cluster model of
// synod/check/cluster_model.hpp, which gives the state, the network, the
// faults, the memoised steps and the additive fingerprints. This file is
// Paxos's part: its actions, disk, ghost, properties, symmetry (the
// acceptors only: ballots order proposers by id) and how it prints.
//
// Cluster: acceptors are ids 1..A (role: acceptor), proposers are ids
// A+1..A+P (roles: proposer and learner). Proposer p is given value
// ((p - 1) mod values) + 1, so with values = 1 every proposer proposes the
// same value, and with values >= 2 the first two propose different ones.
//
// State: the cluster's, plus which proposers were given their value and
// which began a round (per-node flags, with the cluster's restarted one).
// The ghost is the shared Paxos history of synod/check/paxos_invariants.hpp
// (values proposed, durable acceptances per ballot, values chosen, the first
// value learned, durable promises); the invariants are that header's
// predicates, shared with the property tests: every node transition is
// recorded (History::record, memoised), every client proposal too
// (History::proposed), and a restart is recorded as a transition from
// "down". "Accepted" means durably accepted, as there.
//
// Protocol actions (group 2 of the cluster's order), each by node id:
//   propose: proposer i is given its value (once; it begins its first round);
//   timeout: proposer i begins a new round (can_begin_round, the current
//            round below max_round): its retry timer firing, never tick().
// States with a ballot round above max_round are outside the boundary.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

#include <nlohmann/json.hpp>
#include <synod/check/cluster_model.hpp>
#include <synod/check/paxos_invariants.hpp>
#include <synod/paxos/node.hpp>
#include <synod/quorum.hpp>
#include <synod/sim/paxos.hpp>
#include <synod/sim/show.hpp>
#include <synod/trace/messages.hpp>

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

// Paxos's types and fingerprint rules for ClusterModel.
struct PaxosTypes {
  using Config = PaxosCheckConfig;
  // How a node is built, restarted, stepped and persisted: the simulation
  // core's Paxos adapter, so the checker and the tests share one disk.
  using Sim = sim::PaxosProtocol<Config>;
  using Node = paxos::Node<Config>;
  using Message = paxos::Message<Config>;
  using Value = std::uint64_t;
  // Ghost capacities: every proposer's value, and one acceptance record per
  // ballot (proposers x rounds); overflowing is reported as HistoryCapacity.
  static constexpr std::size_t kGhostAcceptances = 16;
  using History = paxos_invariants::History<Value, Config::max_nodes, kGhostAcceptances>;
  using Violation = paxos_invariants::Violation;
  using Bounds = PaxosBounds;
  enum class Kind : std::uint8_t { deliver, propose, timeout, persist, drop, duplicate, crash, restart };
  // A node's disk: the adapter's (its PersistentState as last persisted),
  // and its owner.
  struct Disk : Sim::Disk {
    NodeId owner = kNoNode;
    friend bool operator==(const Disk&, const Disk&) = default;
  };
  struct Fields {
    std::uint8_t proposed = 0;  // bit i: node i + 1 was given its value
    std::uint8_t started = 0;   // bit i: node i + 1 began a round
    friend bool operator==(const Fields&, const Fields&) = default;
  };
  static constexpr const char* kName = "paxos";
  static constexpr std::size_t kMaxNodes = Config::max_nodes;
  static constexpr std::size_t kNetworkCapacity = 16;
  static constexpr std::size_t kMaxSent = Config::outbox_capacity;
  static constexpr std::size_t kCached = 6;  // every renaming of up to 3 acceptors
  // Node i + 1's flags: proposed, started, restarted (bits 0-2), one term each combination.
  static constexpr unsigned kFlagValues = 8;
  static unsigned flags_of(std::uint8_t restarted, const Fields& f, std::size_t i) {
    return (f.proposed >> i & 1u) | (f.started >> i & 1u) << 1 | (restarted >> i & 1u) << 2;
  }
  static constexpr std::uint64_t flag_term(std::size_t slot, unsigned f) {
    return sum_hash::term(f, sum_hash::salt(5, slot));
  }
  static std::uint64_t budget_word(const Fields&) { return 0; }
  static constexpr unsigned kViolationShift = 24;
  static const char* violation_string(Violation v) { return paxos_invariants::to_string(v); }
};

class PaxosModel : public ClusterModel<PaxosModel, PaxosTypes> {
  using Base = ClusterModel<PaxosModel, PaxosTypes>;
  friend Base;

 public:
  using Config = PaxosCheckConfig;
  using Sim = PaxosTypes::Sim;
  using Value = PaxosTypes::Value;

  explicit PaxosModel(PaxosBounds bounds = {}) : Base(checked(bounds), bounds.acceptors + bounds.proposers, bounds.acceptors) {}

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

  void prepare_thread() const {
    Base::prepare_thread();
    proposals_.prepare_thread();
  }

  // A value is chosen (durably accepted by a majority of the acceptors at
  // one ballot) somewhere in the history.
  bool chosen_any(const State& s) const { return history(s).chosen_count() > 0; }
  std::span<const Property<PaxosModel>> properties() const { return kProperties; }

  // ------------------------------------------------------------ presentation
  static constexpr std::array<std::string_view, 8> kKindNames{"deliver", "propose", "timeout",   "persist",
                                                               "drop",    "duplicate", "crash", "restart"};
  // The trace format's names of the same actions (a timeout starts a round).
  static constexpr std::array<std::string_view, 8> kTraceTypes{"deliver", "propose",   "start_round", "persist",
                                                                "drop",    "duplicate", "crash",       "restart"};
  std::uint64_t proposal_value(const State&, const Action& a) const { return value_of(a.node - 1u); }
  // The cluster a trace replays on: acceptors 1..A, proposers and learners
  // after them, this model's kernel capacities (PaxosCheckConfig).
  nlohmann::json trace_cluster() const {
    nlohmann::json c{{"kernel", "check"}, {"nodes", cluster()}, {"acceptors", bounds_.acceptors}, {"seed", 1}};
    if (bounds_.lossy_disk) c["lossy_disk"] = true;
    return c;
  }
  static std::string message_string(const Message& m) { return sim::show(m); }
  std::string node_string(const State& s, std::size_t i) const {
    const Sim::Disk& d = disk(s, i);
    return (up(s, i) ? sim::show(node(s, i)) : std::string("down")) + " | disk " + sim::show(d);
  }
  static nlohmann::json ballot_json(paxos::Ballot b) { return {b.round, b.node}; }
  static nlohmann::json message_json(const Message& m) { return trace::message_json(m); }
  nlohmann::json state_json(const State& s) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (std::size_t i = 0; i < cluster(); ++i) nodes.push_back(node_string(s, i));
    const History& h = history(s);
    nlohmann::json chosen = nlohmann::json::array();
    for (const auto& acc : h.acceptances())
      if (acc.acceptors.size() >= quorum::majority(bounds_.acceptors))
        chosen.push_back({{"ballot", ballot_json(acc.ballot)}, {"value", acc.value}});
    nlohmann::json j{{"nodes", nodes}, {"network", network_json(s)}, {"chosen", chosen},
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
  static const PaxosBounds& checked(const PaxosBounds& b) {
    if (b.acceptors < 1 || b.proposers < 1 || b.acceptors + b.proposers > kMaxNodes)
      throw std::invalid_argument("paxos: acceptors + proposers must be 2.." + std::to_string(kMaxNodes));
    if (b.values < 1) throw std::invalid_argument("paxos: values must be >= 1");
    return b;
  }

  // ------------------------------------------------------------ hooks (ClusterModel)
  // Node summary: bit 0, has something to persist or messages held (persist
  // is enabled); bit 1, the proposer can begin a round; bits 8-15, its round.
  static std::uint32_t node_summary(const Node& n) {
    const bool persist = Sim::needs_persist(n) || n.held_messages() > 0;
    return std::uint32_t{persist} | std::uint32_t{n.proposer().can_begin_round()} << 1 |
           static_cast<std::uint32_t>(std::min<paxos::Round>(n.proposer().ballot().round, 255)) << 8;
  }
  static bool summary_persist(std::uint32_t x) { return (x & 1u) != 0; }
  static bool summary_can_begin_round(std::uint32_t x) { return (x >> 1 & 1u) != 0; }
  static paxos::Round summary_round(std::uint32_t x) { return x >> 8 & 255u; }
  static std::uint64_t disk_hash(const Disk& v, const Renaming& r, std::uint64_t seed) {
    Hasher h(seed);
    static_cast<const Sim::Disk&>(v).hash_append(h, r);
    return h.value();
  }

  Node initial_node(std::size_t i) const { return Sim::make(options_for(i)); }
  Node restart_node(std::size_t i, const Disk& d) const { return Sim::restart(options_for(i), d); }
  PaxosTypes::Fields initial_fields() const { return {}; }

  template <class Emit>
  [[gnu::always_inline]] void protocol_actions(const State& s, const std::array<std::uint32_t, kMaxNodes>& summary, Emit& emit) const {
    for (std::size_t i = bounds_.acceptors; i < cluster(); ++i)
      if (up(s, i) && !(s.protocol.proposed >> i & 1u)) emit(Action{Kind::propose, id_of(i), 0});
    for (std::size_t i = bounds_.acceptors; i < cluster(); ++i)
      if (up(s, i) && summary_can_begin_round(summary[i]) && summary_round(summary[i]) < bounds_.max_round)
        emit(Action{Kind::timeout, id_of(i), 0});
  }

  // A proposal: the history learns of it before the proposer sees it; a
  // proposer that already learned refuses it (already_chosen), and the
  // proposal is not recorded, as in the property tests. next_state asks
  // the node; successor() (a Delta) the step's bits, in stepped().
  template <class S>
  Ref input_argument(const Action& a, S& s) const {
    const std::size_t i = a.node - 1u;
    if (a.kind != Kind::propose) return 0;
    s.protocol.proposed = static_cast<std::uint8_t>(s.protocol.proposed | (1u << i));
    if constexpr (std::is_same_v<S, State>)
      if (!node(s, i).learned()) ghost(s, proposal(s.history, value_of(i)));
    return 0;
  }
  template <class Delta>
  void stepped(const Action& a, const StepResult& r, Delta& d) const {
    if (a.kind == Kind::propose && !(r.bits & kHadLearned)) ghost(d, proposal(d.history, value_of(a.node - 1u)));
  }

  // Runs one input on node nd (a copy of node i) and, for persist, its disk.
  bool run_input(Node& nd, std::size_t i, Ref& disk_ref, Kind kind, Ref arg) const {
    switch (kind) {
      case Kind::deliver: (void)Sim::step(nd, messages_.value(arg)); break;
      case Kind::propose: (void)nd.propose(value_of(i)); break;
      case Kind::timeout: (void)nd.start_round(); break;
      case Kind::persist: {  // the adapter writes the disk (and seeds the lossy-disk fault)
        Disk d = disks_.value(disk_ref);
        (void)Sim::persist(nd, d, bounds_.lossy_disk);
        disk_ref = intern_disk(d);
        break;
      }
      default: break;
    }
    return true;
  }

  // StepResult::bits: what successor() needs of the nodes before and after
  // the step without reading them (next_state and within_boundary read them).
  static constexpr std::uint8_t kStartsRound = 1;     // the proposer's ballot was null and is not
  static constexpr std::uint8_t kRoundPastBound = 2;  // a proposer now past max_round (outside the boundary)
  static constexpr std::uint8_t kHadLearned = 4;      // the node before had learned (refuses proposals)
  std::uint8_t step_bits(std::size_t i, const Node* before, const Node& after) const {
    std::uint8_t bits = 0;
    if (before && before->proposer().ballot().is_null() && !after.proposer().ballot().is_null()) bits |= kStartsRound;
    if (!is_acceptor(i) && after.proposer().ballot().round > bounds_.max_round) bits |= kRoundPastBound;
    if (before && before->learned()) bits |= kHadLearned;
    return bits;
  }
  static bool step_within(const StepResult& r) { return (r.bits & kRoundPastBound) == 0; }
  static void on_step_changed(PaxosTypes::Fields& f, std::size_t i, const StepResult& r) {
    if (r.bits & kStartsRound) f.started = static_cast<std::uint8_t>(f.started | (1u << i));
  }
  void on_node_changed(State& s, std::size_t i, Ref before) const {
    if (nodes_.value(before).proposer().ballot().is_null() && !node(s, i).proposer().ballot().is_null())
      s.protocol.started = static_cast<std::uint8_t>(s.protocol.started | (1u << i));
  }
  // A restarted proposer has lost its value: a client may give it again.
  static void on_restart(PaxosTypes::Fields& f, std::size_t i) {
    f.proposed = static_cast<std::uint8_t>(f.proposed & ~(1u << i));
  }
  bool protocol_within(const State& s) const {
    for (std::size_t i = bounds_.acceptors; i < cluster(); ++i)
      if (up(s, i) && node(s, i).proposer().ballot().round > bounds_.max_round) return false;
    return true;
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

  // A client gives a proposer value v: the history after it, memoised.
  struct ProposalKey {
    Ref history = kNoRef;
    Value value = 0;
    std::uint64_t hash() const { return memo_key_hash(history, value); }
    friend bool operator==(const ProposalKey&, const ProposalKey&) = default;
  };
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

  std::string describe(const State&, const Action& a) const {
    switch (a.kind) {
      case Kind::propose: return "client gives proposer " + std::to_string(a.node) + " value " + std::to_string(value_of(a.node - 1u));
      case Kind::timeout: return "proposer " + std::to_string(a.node) + " retry timer: begins a new round";
      case Kind::persist: return "node " + std::to_string(a.node) + " persists its promise/acceptance/round and releases held messages";
      default: return "?";
    }
  }
  std::string change_lines(const State& b, const State& a) const {
    if (chosen_any(b) || !chosen_any(a)) return {};
    return "     ghost: value " + std::to_string(history(a).chosen()[0]) + " is now chosen\n";
  }
  void action_json_extra(nlohmann::json& j, const Action& a) const {
    if (a.kind == Kind::propose) j["value"] = value_of(a.node - 1u);
  }

  // ------------------------------------------------------------ properties
  // The invariants are paxos_invariants.hpp's, named as there (and as the
  // property tests and synod-replay report them).
  template <Violation V>
  static bool not_recorded(const PaxosModel&, const State& s) {
    return s.violation != V;
  }
  static bool value_chosen(const PaxosModel& m, const State& s) { return m.chosen_any(s); }
  static bool chosen_after_duel(const PaxosModel& m, const State& s) {
    const std::size_t began = static_cast<std::size_t>(std::popcount(static_cast<unsigned>(s.protocol.started)));
    return m.bounds_.proposers >= 2 && began >= 2 && m.chosen_any(s);
  }
  static bool acceptor_restarted(const PaxosModel& m, const State& s) {
    for (std::size_t i = 0; i < m.bounds_.acceptors; ++i)
      if ((s.restarted >> i & 1u) && m.up(s, i)) return true;
    return false;
  }

  // What the bounds rule out: no duel with one proposer, no restart
  // without a crash.
  static bool duel_possible(const PaxosModel& m) { return m.bounds_.proposers >= 2; }
  static bool crash_possible(const PaxosModel& m) { return m.bounds_.crashes > 0; }

  static constexpr std::array<Property<PaxosModel>, 13> kProperties{
      Property<PaxosModel>::always("AtMostOneChosen", &not_recorded<Violation::at_most_one_chosen>),
      Property<PaxosModel>::always("ChosenWasProposed", &not_recorded<Violation::chosen_was_proposed>),
      Property<PaxosModel>::always("LearnersAgree", &not_recorded<Violation::learners_agree>),
      Property<PaxosModel>::always("LearnedWasChosen", &not_recorded<Violation::learned_was_chosen>),
      Property<PaxosModel>::always("OneValuePerBallot", &not_recorded<Violation::one_value_per_ballot>),
      Property<PaxosModel>::always("PromiseNeverFalls", &not_recorded<Violation::promise_never_falls>),
      Property<PaxosModel>::always("AcceptedWithinPromise", &not_recorded<Violation::accepted_within_promise>),
      Property<PaxosModel>::always("AcceptRespectsPromise", &not_recorded<Violation::accept_respects_promise>),
      Property<PaxosModel>::always("RestartKeepsDurableState", &not_recorded<Violation::restart_keeps_durable_state>),
      Property<PaxosModel>::always("HistoryCapacity", &not_recorded<Violation::history_full>),
      Property<PaxosModel>::sometimes("a value is chosen", &value_chosen),
      Property<PaxosModel>::sometimes("a value is chosen after dueling proposers", &chosen_after_duel,
                                      &duel_possible),
      Property<PaxosModel>::sometimes("a crashed acceptor restarts", &acceptor_restarted, &crash_possible),
  };

  mutable Memo<ProposalKey, GhostResult> proposals_;
};

}  // namespace synod::check::models
