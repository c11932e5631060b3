// run.cpp - runs a schedule on the simulation core (see synod/trace/run.hpp).
#include "synod/trace/run.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "paxos_model.hpp"
#include "raft_model.hpp"
#include "synod/sim/paxos.hpp"
#include "synod/sim/raft.hpp"
#include "synod/trace/messages.hpp"

namespace synod::trace {

namespace {

// What both protocols' runs share: the events on the network, links,
// crashes, restarts and persists, the message look-up by content, and the
// outcome with what the run covered, the step limit of the liveness phase.
// Protocol is RaftRun or PaxosRun (CRTP): its own events, options, liveness
// phase and summary, and what it counts before a delivery.
template <class Derived, class P>
class Run {
 public:
  using Core = sim::Cluster<P>;
  using Node = typename Core::Node;

  Run(const Schedule& s, std::vector<typename P::Options> options, std::size_t network_capacity)
      : s_(s), c_(std::move(options), network_capacity) {
    c_.set_auto_persist(false);
    c_.lossy_disk = s.lossy_disk;
    check();
  }

  Outcome run() {
    for (std::size_t i = 0; i < s_.events.size() && outcome_.ok; ++i) {
      step_ = i + 1;
      const std::size_t before = c_.steps();
      apply(s_.events[i]);
      // Links change without a step of the core.
      const Op op = s_.events[i].op;
      outcome_.effective.push_back(c_.steps() != before || op == Op::partition || op == Op::heal);
      check();
    }
    if (outcome_.ok && s_.liveness) {
      step_ = s_.events.size() + 1;
      liveness_start_ = c_.steps();
      in_liveness_ = true;
      good_conditions();
      self().liveness();
    }
    self().summarise(outcome_);
    outcome_.steps = c_.steps();
    outcome_.liveness_steps = in_liveness_ ? c_.steps() - liveness_start_ : 0;
    return outcome_;
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }

  void fail(std::string property, std::string detail) { outcome_.fail(std::move(property), std::move(detail), step_); }

  // The core's first violation, once, as the outcome's; then the step limit.
  void check() {
    if (c_.in_flight() > outcome_.in_flight_max) outcome_.in_flight_max = c_.in_flight();
    if (!c_.ok() && outcome_.ok) fail(P::name(c_.violation()), c_.detail());
    if (!within_limit() && outcome_.ok)
      fail(kStepLimit, "no convergence within " + std::to_string(s_.step_limit) +
                           " simulation steps of good conditions after the events (" +
                           std::to_string(c_.in_flight()) + " messages in flight)");
  }
  bool within_limit() const {
    return !in_liveness_ || s_.step_limit == 0 || c_.steps() - liveness_start_ <= s_.step_limit;
  }

  // The in-flight message a trace names: by content (the first equal one),
  // or by position modulo the number in flight. nullopt: none.
  std::optional<std::size_t> find(const Event& e) {
    if (c_.in_flight() == 0) {
      if (!e.message.empty()) fail(kDiverged, "no message in flight equals " + e.message);
      return std::nullopt;
    }
    if (e.message.empty()) return static_cast<std::size_t>(e.arg % c_.in_flight());
    const nlohmann::json want = nlohmann::json::parse(e.message);
    for (std::size_t k = 0; k < c_.in_flight(); ++k)
      if (message_matches(want, message_json(c_.message(k)))) return k;
    fail(kDiverged, "no message in flight equals " + e.message);
    return std::nullopt;
  }

  void apply(const Event& e) {
    const NodeId id = e.node;
    switch (e.op) {
      case Op::deliver:
        if (const auto k = find(e)) deliver(*k);
        break;
      case Op::drop:
        if (const auto k = find(e)) c_.drop(*k);
        break;
      case Op::duplicate:
        if (const auto k = find(e)) (void)c_.duplicate(*k);
        break;
      case Op::partition: {
        std::vector<NodeId> a, b;
        for (NodeId n = 1; n <= s_.nodes; ++n) ((e.arg >> n) & 1u ? a : b).push_back(n);
        c_.partition({a, b});
        break;
      }
      case Op::heal: c_.heal(); break;
      case Op::crash: c_.crash(id); break;
      case Op::restart:
        if (!c_.up(id)) {
          self().before_restart(id);
          c_.restart(id);
        }
        break;
      case Op::persist: c_.persist(id); break;
      case Op::tick:
        if (!self().one_clock()) {
          c_.input(id, [](Node& n) { (void)P::tick(n); });
          break;
        }
        for (NodeId n = 1; n <= s_.nodes; ++n)
          if (c_.up(n)) c_.input(n, [](Node& x) { (void)P::tick(x); });
        break;
      default: self().apply_protocol(e); break;
    }
  }

  // Links healed, every node up, persistence automatic and caught up.
  void good_conditions() {
    c_.heal();
    for (NodeId id = 1; id <= s_.nodes; ++id)
      if (!c_.up(id)) {
        self().before_restart(id);
        c_.restart(id);
      }
    c_.set_auto_persist(true);
    for (NodeId id = 1; id <= s_.nodes; ++id) c_.persist(id);
    check();
  }

  // One round of good conditions: every node ticks, then every message in
  // flight (and every message that produces) is delivered, oldest first.
  void round() {
    for (NodeId id = 1; id <= s_.nodes; ++id) c_.input(id, [](Node& n) { (void)P::tick(n); });
    for (std::size_t n = 0; n < kDeliveriesPerRound && c_.in_flight() != 0 && c_.ok() && within_limit(); ++n)
      deliver(0);
    check();
  }

  void deliver(std::size_t k) {
    self().before_deliver(c_.message(k));
    (void)c_.deliver(k);
  }
  void before_deliver(const typename P::Message&) {}

  const Schedule& s_;
  Core c_;
  Outcome outcome_;
  std::size_t step_ = 0;
  bool in_liveness_ = false;
  std::size_t liveness_start_ = 0;  // the core's steps when the good conditions began
};

// ------------------------------------------------------------------- Raft

template <class Config>
class RaftRun : public Run<RaftRun<Config>, sim::RaftProtocol<Config>> {
  using Base = Run<RaftRun<Config>, sim::RaftProtocol<Config>>;
  friend Base;
  using Node = typename Base::Node;
  using Message = raft::Message<Config>;
  using Base::c_;
  using Base::s_;

 public:
  explicit RaftRun(const Schedule& s) : Base(s, options(s), SIZE_MAX) {}

 private:
  static bool test_kernel(const Schedule& s) { return s.kernel == "test" || s.kernel == "test-1"; }

  // The checker's options (RaftModel::options_for) for its kernels; the
  // tests' seeded ones otherwise.
  static raft::Options options_for(const Schedule& s, NodeId id, std::uint64_t seed) {
    raft::Options o;
    o.append_noop_on_election = s.noop_on_election;
    o.pre_vote = s.pre_vote;
    o.check_quorum = s.check_quorum;
    o.lease_reads = s.lease_reads;
    if (!test_kernel(s)) {
      o.id = id;
      o.cluster_size = s.nodes;
      o.seed = id;
      return o;
    }
    return sim::raft_options(o, id, s.nodes, seed);
  }
  static std::vector<raft::Options> options(const Schedule& s) {
    std::vector<raft::Options> o;
    for (NodeId id = 1; id <= s.nodes; ++id) o.push_back(options_for(s, id, s.seed));
    return o;
  }
  // Lease reads rely on clocks (Options::lease_reads): then time is one
  // clock, a tick event ticks every node that is up, and a campaign or
  // lease event that would fire a timer before its time under the clock
  // assumption is skipped (raft_invariants::campaign_in_time,
  // lease_lapse_in_time: the rule the model checker's actions follow, so
  // its counterexamples replay here).
  bool one_clock() const { return s_.lease_reads; }
  bool in_time(NodeId id, bool lapse) const {
    if (!s_.lease_reads || id < 1 || id > s_.nodes || !c_.up(id)) return true;
    const Node& n = c_.node(id);
    if (!lapse) return check::raft_invariants::campaign_in_time(n.role() == raft::Role::follower && n.in_leader_lease());
    bool read_lease = false;
    for (NodeId k = 1; k <= s_.nodes; ++k)
      read_lease = read_lease || (c_.up(k) && c_.node(k).role() == raft::Role::leader &&
                                  (c_.node(k).lease_valid() || c_.node(k).lease_round() != 0));
    return check::raft_invariants::lease_lapse_in_time(n.role() == raft::Role::leader, read_lease);
  }

  void before_restart(NodeId id) {
    reads_before_restarts_ += completed_reads(id);
    if (test_kernel(s_)) c_.set_options(id, options_for(s_, id, s_.seed * 31 + ++restarts_ + id));
  }

  // Coverage: an append the follower will take (its previous entry matches)
  // that replaces entries of another term, or that carries entries while
  // the (up) sender has more after them.
  void before_deliver(const Message& m) {
    Outcome& o = this->outcome_;
    if (m.type == raft::MessageType::install_snapshot && m.success && m.to >= 1 && m.to <= s_.nodes && c_.up(m.to))
      ++o.snapshots_delivered;
    if (m.type != raft::MessageType::append_entries || m.entries.empty()) return;
    if (m.from >= 1 && m.from <= s_.nodes && c_.up(m.from) &&
        c_.node(m.from).log().last_index() > m.log_index + m.entries.size())
      ++o.partial_appends;
    if (m.to < 1 || m.to > s_.nodes || !c_.up(m.to) || !c_.link(m.from, m.to)) return;
    const auto& log = c_.node(m.to).log();
    if (m.term < c_.node(m.to).term() || m.log_index > log.last_index() ||
        (m.log_index != 0 && log.term_at(m.log_index) != m.log_term))
      return;
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      const raft::Index at = m.log_index + 1 + i;
      if (at > log.last_index()) break;
      if (log.term_at(at) != m.entries[i].term) {
        ++o.overwrites;
        break;
      }
    }
  }

  void apply_protocol(const Event& e) {
    const NodeId id = e.node;
    switch (e.op) {
      case Op::campaign:
        if (in_time(id, false)) c_.input(id, [](Node& n) { (void)n.campaign(); });
        break;
      case Op::heartbeat: c_.input(id, [](Node& n) { (void)n.broadcast_heartbeat(); }); break;
      case Op::propose: {
        const NodeId at = id == kNoNode ? leader().value_or(kNoNode) : id;
        if (at != kNoNode) c_.input(at, [&](Node& n) { (void)n.propose(e.arg); });
        break;
      }
      case Op::lease:
        if (in_time(id, true)) c_.input(id, [](Node& n) { (void)n.lease_timeout(); });
        break;
      case Op::transfer: {
        const NodeId at = id == kNoNode ? leader().value_or(kNoNode) : id;
        if (at != kNoNode) c_.input(at, [&](Node& n) { (void)n.transfer_leadership(static_cast<NodeId>(e.arg)); });
        break;
      }
      case Op::read:
        // The client invokes the read now: the ghost records what it must
        // see (LinearizableRead), then the node takes it.
        if (!c_.up(id)) break;
        c_.report(c_.history().read_invoked(e.arg), id, "read");
        c_.input(id, [&](Node& n) { (void)n.read_index(e.arg); });
        break;
      case Op::compact:
        // The application has applied what is committed (the core tells
        // the node after every input), snapshots at its applied index or
        // at the index named, and stores the snapshot; the node may refuse.
        if (!c_.up(id)) break;
        c_.input(id, [&](Node& n) {
          const raft::Index upto = e.arg == 0 ? n.applied_index() : raft::Index{e.arg};
          (void)sim::RaftProtocol<Config>::compact(n, c_.disk(id), upto, s_.snapshot_chunks);
        });
        break;
      default: break;
    }
  }

  std::optional<NodeId> leader() const { return sim::leader(c_); }
  std::optional<NodeId> stable_leader() const {
    const auto l = leader();
    if (!l || c_.in_flight() != 0) return std::nullopt;
    for (NodeId id = 1; id <= s_.nodes; ++id) {
      const Node& n = c_.node(id);
      if (n.term() != c_.node(*l).term() || n.leader_id() != *l) return std::nullopt;
    }
    return l;
  }

  void liveness() {
    std::optional<NodeId> l;
    for (std::size_t r = 0; r < kRaftLeaderRounds && this->outcome_.ok && !(l = stable_leader()); ++r) this->round();
    if (!this->outcome_.ok) return;
    if (!l) {
      this->fail("LivenessLeaderElected",
                 "no stable leader after " + std::to_string(kRaftLeaderRounds) + " rounds of good conditions");
      return;
    }
    struct Proposal {
      raft::Index index;
      std::uint64_t value;
    };
    std::vector<Proposal> proposals;
    for (std::size_t k = 0; k < kRaftLivenessProposals && this->outcome_.ok; ++k) {
      const std::uint64_t value = 1'000'000'000ull + k;
      const raft::ProposeResult r = c_.input(*l, [&](Node& n) { return n.propose(value); });
      this->check();
      if (r.status != raft::ProposeStatus::ok) {
        this->fail("LivenessProposalAccepted", "the stable leader n" + std::to_string(*l) + " refused a proposal");
        return;
      }
      proposals.push_back({r.index, value});
    }
    auto all_committed = [&] {
      for (NodeId id = 1; id <= s_.nodes; ++id) {
        const Node& n = c_.node(id);
        for (const Proposal& p : proposals)
          if (n.commit_index() < p.index || n.log().at(p.index).payload != p.value) return false;
      }
      return true;
    };
    for (std::size_t r = 0; r < kRaftCommitRounds && this->outcome_.ok && !all_committed(); ++r) this->round();
    if (this->outcome_.ok && !all_committed())
      this->fail("LivenessProposalsCommit", "proposals to the stable leader n" + std::to_string(*l) +
                                                " not committed everywhere after " +
                                                std::to_string(kRaftCommitRounds) + " rounds");
  }

  void summarise(Outcome& o) const {
    o.leaders = c_.history().leaders_elected();
    o.committed = c_.history().committed_count();
    o.reads_completed = reads_before_restarts_;
    for (NodeId id = 1; id <= s_.nodes; ++id) o.reads_completed += completed_reads(id);
  }
  // Reads node id completed ok since it last restarted (the harness takes
  // them into its Local, which a restart empties).
  std::size_t completed_reads(NodeId id) const {
    std::size_t k = 0;
    for (const raft::ReadState& r : c_.local(id).reads) k += r.ok ? 1 : 0;
    return k;
  }

  std::uint64_t restarts_ = 0;
  std::size_t reads_before_restarts_ = 0;
};

// ------------------------------------------------------------------ Paxos

template <class Config>
class PaxosRun : public Run<PaxosRun<Config>, sim::PaxosProtocol<Config>> {
  using Base = Run<PaxosRun<Config>, sim::PaxosProtocol<Config>>;
  friend Base;
  using Node = typename Base::Node;
  using Base::c_;
  using Base::s_;

 public:
  explicit PaxosRun(const Schedule& s, std::size_t network_capacity) : Base(s, options(s), network_capacity) {}

 private:
  bool one_clock() const { return false; }  // each node's tick is its own
  // With acceptors = A: ids 1..A accept, the rest propose and learn, as in
  // the checker's model (PaxosModel::options_for). Else every node has every
  // role, seeded as the scenario tests' Driver seeds them.
  static std::vector<paxos::Options> options(const Schedule& s) {
    std::vector<paxos::Options> all;
    for (NodeId id = 1; id <= s.nodes; ++id) {
      paxos::Options o;
      o.id = id;
      o.cluster_size = s.nodes;
      if (s.acceptors != 0) {
        const bool acceptor = id <= s.acceptors;
        o.roles = acceptor ? paxos::Roles{false, true, false} : paxos::Roles{true, false, true};
        for (NodeId a = 1; a <= s.acceptors; ++a) o.acceptors.insert(a);
        for (NodeId p = s.acceptors + 1; p <= s.nodes; ++p) o.learners.insert(p);
        o.seed = id;
      } else {
        o.seed = s.seed * 1000 + id;
      }
      all.push_back(o);
    }
    return all;
  }
  void before_restart(NodeId) {}

  // A client gives proposer `id` value v: the ghost records the proposal
  // first, unless the proposer already has a value of its own or learned
  // one (then the kernel refuses it, and nothing was proposed).
  void propose(NodeId id, std::uint64_t v) {
    if (!c_.up(id)) return;
    const Node& n = c_.node(id);
    if (!n.roles().proposer || n.proposer().own_value() || n.learned()) return;
    c_.report(c_.history().proposed(v), id, "proposal");
    c_.input(id, [&](Node& x) { (void)x.propose(v); });
  }

  void apply_protocol(const Event& e) {
    switch (e.op) {
      case Op::start_round: c_.input(e.node, [](Node& n) { (void)n.start_round(); }); break;
      case Op::propose: propose(e.node == kNoNode ? NodeId{1} : e.node, e.arg); break;
      default: break;
    }
  }

  bool all_learned() const { return sim::all_learned(c_); }

  void liveness() {
    for (NodeId id = 1; id <= s_.nodes; ++id) propose(id, kPaxosLivenessValue + id);
    this->check();
    for (std::size_t r = 0; r < kPaxosLearnRounds && this->outcome_.ok && !all_learned(); ++r) this->round();
    if (this->outcome_.ok && !all_learned())
      this->fail("LivenessAllLearn",
                 "not every node learned after " + std::to_string(kPaxosLearnRounds) + " rounds of good conditions");
  }

  void summarise(Outcome& o) const {
    o.leaders = c_.history().chosen_count();
    std::size_t learned = 0;
    for (NodeId id = 1; id <= s_.nodes; ++id) learned += c_.up(id) && c_.node(id).learned() ? 1 : 0;
    o.committed = learned;
  }
};

}  // namespace

Outcome run(const Schedule& s) {
  if (s.protocol == "paxos") {
    if (s.kernel == "check") return PaxosRun<check::models::PaxosCheckConfig>(s, SIZE_MAX).run();
    return PaxosRun<paxos::DefaultConfig>(s, 1024).run();
  }
  if (s.kernel == "check-3") return RaftRun<check::models::RaftCheckConfig<3>>(s).run();
  if (s.kernel == "check-5") return RaftRun<check::models::RaftCheckConfig<5>>(s).run();
  if (s.kernel == "test-1") return RaftRun<RaftTestOneEntryConfig>(s).run();
  return RaftRun<sim::RaftTestConfig>(s).run();
}

Schedule compact(const Schedule& s, const Outcome& o) {
  Schedule out = s;
  out.events.clear();
  for (std::size_t i = 0; i < s.events.size() && i < o.effective.size(); ++i)
    if (o.effective[i]) out.events.push_back(s.events[i]);
  return out;
}

}  // namespace synod::trace
