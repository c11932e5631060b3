// prop_run.hpp - the property tests' runner: a schedule (synod/trace/) on
// the simulation core, with the semantics of synod::trace::run for the
// "test" kernels, plus what trace::run does not have (yet):
//   - any Raft kernel Config, so a property runs with one entry per
//     AppendEntries as well as with the "test" kernel's four;
//   - a step limit: a run whose good conditions (the liveness phase) have
//     not converged after max_steps simulation steps fails as
//     "PropStepLimit" instead of running on (trace::run's own bounds allow
//     millions of deliveries: a seeded bug that makes every delivery send
//     two messages would keep one case busy for minutes, and shrinking
//     runs hundreds of cases). The events before are bounded by the
//     schedule's length: each is one input, settled in a bounded loop;
//   - what the cases covered: entries overwritten on a follower, appends
//     that carry only part of what the leader has, the steps used.
// The property PropRunner.MatchesTraceRun checks that this runner and
// trace::run agree on every schedule both can run, so a trace a property
// writes replays the same way in synod-replay.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <synod/sim/paxos.hpp>
#include <synod/sim/raft.hpp>
#include <synod/trace/messages.hpp>
#include <synod/trace/run.hpp>
#include <synod/trace/trace.hpp>

namespace synod::props {

using trace::Event;
using trace::Op;
using trace::Outcome;
using trace::Schedule;

// The property a run that exceeds its step limit violates.
inline constexpr const char* kStepLimit = "PropStepLimit";

// The Raft kernel with one entry per AppendEntries: every append to a
// follower more than one entry behind carries part of what it lacks, and a
// heartbeat's commit index runs ahead of what it carries. (trace::run knows
// only sim::RaftTestConfig, with four.)
struct RaftOneEntryConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = sim::RaftTestConfig::max_nodes;
  static constexpr std::size_t max_entries_per_message = 1;
  static constexpr std::size_t log_capacity = sim::RaftTestConfig::log_capacity;
  static constexpr std::size_t outbox_capacity = sim::RaftTestConfig::outbox_capacity;
};

// What a run found, and what it covered.
struct RunResult {
  Outcome outcome;
  std::size_t steps = 0;            // simulation steps (inputs and network events), in all
  std::size_t liveness_steps = 0;   // of which in the good conditions after the events
  std::size_t overwrites = 0;       // Raft: appends delivered that replace a follower's entries
  std::size_t partial_appends = 0;  // Raft: appends delivered with entries, the leader having more
  // Per event run: whether it did anything (a delivery with nothing in
  // flight, a persist with nothing to write, an input to a down node, a
  // restart of an up node do not).
  std::vector<bool> effective;
};

namespace detail {

// The events and liveness phase of trace::run (checker/trace/run.cpp), over
// any kernel Config, with a step limit.
template <class Derived, class P>
class Run {
 public:
  using Core = sim::Cluster<P>;
  using Node = typename Core::Node;

  Run(const Schedule& s, std::vector<typename P::Options> options, std::size_t network_capacity,
      std::size_t max_steps)
      : s_(s), c_(std::move(options), network_capacity), max_steps_(max_steps) {
    c_.set_auto_persist(false);
    c_.lossy_disk = s.lossy_disk;
    check();
  }

  RunResult run() {
    for (std::size_t i = 0; i < s_.events.size() && r_.outcome.ok; ++i) {
      step_ = i + 1;
      const std::size_t before = c_.steps();
      apply(s_.events[i]);
      // Links change without a step of the core.
      r_.effective.push_back(c_.steps() != before || s_.events[i].op == Op::partition || s_.events[i].op == Op::heal);
      check();
    }
    if (r_.outcome.ok && s_.liveness) {
      step_ = s_.events.size() + 1;
      limit_ = c_.steps() + max_steps_;
      good_conditions();
      self().liveness();
    }
    self().summarise(r_.outcome);
    r_.steps = c_.steps();
    r_.liveness_steps = limit_ == SIZE_MAX ? 0 : c_.steps() + max_steps_ - limit_;
    return r_;
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }

  void fail(std::string property, std::string detail) {
    r_.outcome.fail(std::move(property), std::move(detail), step_);
  }

  // The core's first violation, once, as the outcome's; then the step limit.
  void check() {
    if (c_.in_flight() > r_.outcome.in_flight_max) r_.outcome.in_flight_max = c_.in_flight();
    if (!c_.ok() && r_.outcome.ok) fail(P::name(c_.violation()), c_.detail());
    if (!within_limit() && r_.outcome.ok)
      fail(kStepLimit, "no convergence within " + std::to_string(max_steps_) +
                           " simulation steps of good conditions after the events (" +
                           std::to_string(c_.in_flight()) + " messages in flight)");
  }
  bool within_limit() const { return c_.steps() <= limit_; }

  std::optional<std::size_t> find(const Event& e) {
    if (c_.in_flight() == 0) {
      if (!e.message.empty()) fail(trace::kDiverged, "no message in flight equals " + e.message);
      return std::nullopt;
    }
    if (e.message.empty()) return static_cast<std::size_t>(e.arg % c_.in_flight());
    const nlohmann::json want = nlohmann::json::parse(e.message);
    for (std::size_t k = 0; k < c_.in_flight(); ++k)
      if (trace::message_matches(want, trace::message_json(c_.message(k)))) return k;
    fail(trace::kDiverged, "no message in flight equals " + e.message);
    return std::nullopt;
  }

  void deliver(std::size_t k) {
    self().before_deliver(c_.message(k));
    (void)c_.deliver(k);
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
      case Op::tick: c_.input(id, [](Node& n) { (void)P::tick(n); }); break;
      default: self().apply_protocol(e); break;
    }
  }

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

  void round() {
    for (NodeId id = 1; id <= s_.nodes; ++id) c_.input(id, [](Node& n) { (void)P::tick(n); });
    for (std::size_t n = 0; n < trace::kDeliveriesPerRound && c_.in_flight() != 0 && c_.ok() && within_limit(); ++n)
      deliver(0);
    check();
  }

  void before_deliver(const typename P::Message&) {}

  const Schedule& s_;
  Core c_;
  std::size_t max_steps_;
  std::size_t limit_ = SIZE_MAX;  // absolute: set when the good conditions start
  RunResult r_;
  std::size_t step_ = 0;
};

template <class Config>
class RaftRun : public Run<RaftRun<Config>, sim::RaftProtocol<Config>> {
  using Base = Run<RaftRun<Config>, sim::RaftProtocol<Config>>;
  friend Base;
  using Node = typename Base::Node;
  using Message = raft::Message<Config>;
  using Base::c_;
  using Base::s_;

 public:
  RaftRun(const Schedule& s, std::size_t max_steps) : Base(s, options(s), SIZE_MAX, max_steps) {}

 private:
  static raft::Options options_for(const Schedule& s, NodeId id, std::uint64_t seed) {
    raft::Options o;
    o.append_noop_on_election = s.noop_on_election;
    return sim::raft_options(o, id, s.nodes, seed);
  }
  static std::vector<raft::Options> options(const Schedule& s) {
    std::vector<raft::Options> o;
    for (NodeId id = 1; id <= s.nodes; ++id) o.push_back(options_for(s, id, s.seed));
    return o;
  }
  void before_restart(NodeId id) { c_.set_options(id, options_for(s_, id, s_.seed * 31 + ++restarts_ + id)); }

  // Coverage: an append the follower will take (its previous entry matches)
  // that replaces entries of another term, or that carries entries while
  // the (up) sender has more after them.
  void before_deliver(const Message& m) {
    if (m.type != raft::MessageType::append_entries || m.entries.empty()) return;
    if (m.from >= 1 && m.from <= s_.nodes && c_.up(m.from) &&
        c_.node(m.from).log().last_index() > m.log_index + m.entries.size())
      ++this->r_.partial_appends;
    if (m.to < 1 || m.to > s_.nodes || !c_.up(m.to) || !c_.link(m.from, m.to)) return;
    const auto& log = c_.node(m.to).log();
    if (m.term < c_.node(m.to).term() || m.log_index > log.last_index() ||
        (m.log_index != 0 && log.term_at(m.log_index) != m.log_term))
      return;
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      const raft::Index at = m.log_index + 1 + i;
      if (at > log.last_index()) break;
      if (log.term_at(at) != m.entries[i].term) {
        ++this->r_.overwrites;
        break;
      }
    }
  }

  void apply_protocol(const Event& e) {
    const NodeId id = e.node;
    switch (e.op) {
      case Op::campaign: c_.input(id, [](Node& n) { (void)n.campaign(); }); break;
      case Op::heartbeat: c_.input(id, [](Node& n) { (void)n.broadcast_heartbeat(); }); break;
      case Op::propose: {
        const NodeId at = id == kNoNode ? sim::leader(c_).value_or(kNoNode) : id;
        if (at != kNoNode) c_.input(at, [&](Node& n) { (void)n.propose(e.arg); });
        break;
      }
      default: break;
    }
  }

  std::optional<NodeId> stable_leader() const {
    const auto l = sim::leader(c_);
    if (!l || c_.in_flight() != 0) return std::nullopt;
    for (NodeId id = 1; id <= s_.nodes; ++id) {
      const Node& n = c_.node(id);
      if (n.term() != c_.node(*l).term() || n.leader_id() != *l) return std::nullopt;
    }
    return l;
  }

  void liveness() {
    auto& o = this->r_.outcome;
    std::optional<NodeId> l;
    for (std::size_t r = 0; r < trace::kRaftLeaderRounds && o.ok && !(l = stable_leader()); ++r) this->round();
    if (!o.ok) return;
    if (!l) {
      this->fail("LivenessLeaderElected", "no stable leader after " + std::to_string(trace::kRaftLeaderRounds) +
                                              " rounds of good conditions");
      return;
    }
    struct Proposal {
      raft::Index index;
      std::uint64_t value;
    };
    std::vector<Proposal> proposals;
    for (std::size_t k = 0; k < trace::kRaftLivenessProposals && o.ok; ++k) {
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
    for (std::size_t r = 0; r < trace::kRaftCommitRounds && o.ok && !all_committed(); ++r) this->round();
    if (o.ok && !all_committed())
      this->fail("LivenessProposalsCommit", "proposals to the stable leader n" + std::to_string(*l) +
                                                " not committed everywhere after " +
                                                std::to_string(trace::kRaftCommitRounds) + " rounds");
  }

  void summarise(Outcome& o) const {
    o.leaders = c_.history().leaders_elected();
    o.committed = c_.history().committed_count();
  }

  std::uint64_t restarts_ = 0;
};

template <class Config>
class PaxosRun : public Run<PaxosRun<Config>, sim::PaxosProtocol<Config>> {
  using Base = Run<PaxosRun<Config>, sim::PaxosProtocol<Config>>;
  friend Base;
  using Node = typename Base::Node;
  using Base::c_;
  using Base::s_;

 public:
  PaxosRun(const Schedule& s, std::size_t network_capacity, std::size_t max_steps)
      : Base(s, options(s), network_capacity, max_steps) {}

 private:
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

  void liveness() {
    auto& o = this->r_.outcome;
    for (NodeId id = 1; id <= s_.nodes; ++id) propose(id, trace::kPaxosLivenessValue + id);
    this->check();
    for (std::size_t r = 0; r < trace::kPaxosLearnRounds && o.ok && !sim::all_learned(c_); ++r) this->round();
    if (o.ok && !sim::all_learned(c_))
      this->fail("LivenessAllLearn", "not every node learned after " + std::to_string(trace::kPaxosLearnRounds) +
                                         " rounds of good conditions");
  }

  void summarise(Outcome& o) const {
    o.leaders = c_.history().chosen_count();
    std::size_t learned = 0;
    for (NodeId id = 1; id <= s_.nodes; ++id) learned += c_.up(id) && c_.node(id).learned() ? 1 : 0;
    o.committed = learned;
  }
};

}  // namespace detail

// `s` without the events that did nothing in `r` (its run) and without
// those after the violation: the same run, told in fewer events.
inline Schedule compact(const Schedule& s, const RunResult& r) {
  Schedule out = s;
  out.events.clear();
  for (std::size_t i = 0; i < s.events.size() && i < r.effective.size(); ++i)
    if (r.effective[i]) out.events.push_back(s.events[i]);
  return out;
}

// The kernels a property runs: the "test" kernels of trace::run, and Raft
// with one entry per message (written to a trace as kernel "test": only
// this runner replays it, see prop_support.hpp).
enum class Kernel : std::uint8_t { test, raft_one_entry };

inline const char* to_string(Kernel k) { return k == Kernel::test ? "test" : "raft-one-entry"; }

inline RunResult run(const Schedule& s, Kernel k, std::size_t max_steps) {
  if (s.protocol == "paxos") return detail::PaxosRun<paxos::DefaultConfig>(s, 1024, max_steps).run();
  if (k == Kernel::raft_one_entry) return detail::RaftRun<RaftOneEntryConfig>(s, max_steps).run();
  return detail::RaftRun<sim::RaftTestConfig>(s, max_steps).run();
}

}  // namespace synod::props
