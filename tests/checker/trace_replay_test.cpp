// trace_replay_test.cpp - what the checker explores, the one runner replays.
//
// Random walks through the Raft and Paxos models (every action the models
// have: deliveries, drops, duplicates, crashes, restarts, persists, timers,
// proposals, with and without the seeded lossy disk) are written as traces
// with the very functions synod-check's --trace uses (trace_cluster,
// trace_action), read back by synod::trace::from_json, and run on the
// simulation core. Every walk must replay without diverging (each message
// the model delivers, drops or copies is in flight in the replay too) and
// end in the same verdict at the same step: the model's first violation, or
// none. Each fault kind of both protocols must occur in the walks, so a
// counterexample that uses it replays. With the seeded lossy disk, the
// violations the walks and the search find replay at the same step. And
// what run() adds for the property tests: the step limit of the liveness
// phase, the one-entry kernel, the coverage figures.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <synod/trace/run.hpp>
#include <synod/trace/trace.hpp>

#include <synod/check/checker.hpp>

#include "paxos_model.hpp"
#include "raft_model.hpp"

namespace {

using namespace synod;

const char* name_of(check::raft_invariants::Violation v) { return check::raft_invariants::to_string(v); }
const char* name_of(check::paxos_invariants::Violation v) { return check::paxos_invariants::to_string(v); }

// One walk: its trace, and the model's verdict (the first violation and the
// step that showed it).
struct Walk {
  nlohmann::json trace;
  std::string property;  // empty: none
  std::size_t step = 0;
};

template <class Model>
Walk random_walk(const Model& m, std::mt19937_64& rng, std::size_t depth, std::map<std::string, int>& kinds) {
  typename Model::State s;
  m.init_states([&](const typename Model::State& x) { s = x; });
  Walk w;
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t d = 0; d < depth; ++d) {
    std::vector<typename Model::Action> actions;
    m.actions(s, [&](const typename Model::Action& a) { actions.push_back(a); });
    std::optional<typename Model::State> next;
    typename Model::Action taken{};
    while (!actions.empty() && !next) {
      const std::size_t k = rng() % actions.size();
      taken = actions[k];
      next = m.next_state(s, taken);
      if (!next || !m.within_boundary(*next)) {
        next.reset();
        actions.erase(actions.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    if (!next) break;
    nlohmann::json a = m.trace_action(s, taken);
    ++kinds[a.at("type").template get<std::string>()];
    steps.push_back({{"step", d + 1}, {"action", a}});
    s = *next;
    if (s.violation != Model::Violation::none) {
      w.property = name_of(s.violation);
      w.step = d + 1;
      break;
    }
  }
  w.trace = {{"format", trace::kFormat},
             {"protocol", m.name()},
             {"cluster", m.trace_cluster()},
             {"expect", w.property.empty() ? nlohmann::json{{"result", "ok"}}
                                           : nlohmann::json{{"result", "violation"}, {"property", w.property}}},
             {"steps", steps}};
  return w;
}

template <class Model>
void replay_walks(const Model& m, int walks, std::size_t depth, std::uint64_t seed, std::map<std::string, int>& kinds,
                  int& violations) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < walks; ++i) {
    const Walk w = random_walk(m, rng, depth, kinds);
    const trace::Schedule s = trace::from_json(w.trace);
    const trace::Outcome o = trace::run(s);
    ASSERT_NE(o.property, trace::kDiverged) << "walk " << i << ": " << o.detail << "\n" << w.trace.dump();
    if (w.property.empty()) {
      ASSERT_TRUE(o.ok) << "walk " << i << ": the model saw no violation, the replay " << o.property << " at step "
                        << o.step << ": " << o.detail << "\n"
                        << w.trace.dump();
    } else {
      ++violations;
      ASSERT_FALSE(o.ok) << "walk " << i << ": the model saw " << w.property << " at step " << w.step << "\n"
                         << w.trace.dump();
      EXPECT_EQ(o.property, w.property) << "walk " << i;
      EXPECT_EQ(o.step, w.step) << "walk " << i;
    }
  }
}

// The checker's own shortest counterexample, written as synod-check writes
// it, replays to the same violation at the same step.
template <class Model>
void replay_counterexample(const Model& m) {
  const auto report = check::Checker(m).run();
  ASSERT_EQ(report.verdict, check::Verdict::violation);
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 1; i < report.trace.size(); ++i)
    steps.push_back({{"step", i}, {"action", m.trace_action(report.trace[i - 1].state, *report.trace[i].action)}});
  const nlohmann::json j = {{"format", trace::kFormat},
                            {"protocol", m.name()},
                            {"cluster", m.trace_cluster()},
                            {"expect", {{"result", "violation"}, {"property", report.property}}},
                            {"steps", steps}};
  const trace::Outcome o = trace::run(trace::from_json(j));
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.property, report.property) << o.detail << "\n" << j.dump();
  EXPECT_EQ(o.step, report.trace.size() - 1);
}

TEST(TraceReplay, RaftWalksWithEveryFaultReplay) {
  check::models::RaftBounds b;
  b.nodes = 3;
  b.max_term = 3;
  b.max_log = 3;
  b.max_msgs = 6;
  b.drops = 3;
  b.dups = 3;
  b.crashes = 3;
  b.proposals = 3;
  std::map<std::string, int> kinds;
  int violations = 0;
  replay_walks(check::models::RaftModel<3>(b), 300, 60, 7, kinds, violations);
  b.noop_on_election = true;
  replay_walks(check::models::RaftModel<3>(b), 100, 60, 8, kinds, violations);
  b.nodes = 5;
  b.noop_on_election = false;
  replay_walks(check::models::RaftModel<5>(b), 100, 60, 9, kinds, violations);
  EXPECT_EQ(violations, 0) << "the kernel is correct and the disk keeps its writes";
  for (const char* k : {"deliver", "drop", "duplicate", "crash", "restart", "persist", "campaign", "heartbeat", "propose"})
    EXPECT_GT(kinds[k], 0) << k << " never occurred in a walk";
}

// The thesis's extensions: walks with CheckQuorum and pre-votes, leases
// lapsing, leadership transfers and client reads (at leaders and
// followers) replay with the same verdict; the kernel breaks none of
// LinearizableRead, TransferTargetUpToDate, LeaseRespected.
TEST(TraceReplay, RaftWalksWithLeasesTransfersAndReadsReplay) {
  check::models::RaftBounds b;
  b.nodes = 3;
  b.max_term = 3;
  b.max_log = 2;
  b.max_msgs = 6;
  b.drops = 2;
  b.dups = 2;
  b.crashes = 2;
  b.proposals = 2;
  b.noop_on_election = true;
  b.pre_vote = true;
  b.check_quorum = true;
  b.transfers = 2;
  b.reads = 3;
  std::map<std::string, int> kinds;
  int violations = 0;
  replay_walks(check::models::RaftModel<3>(b), 300, 80, 21, kinds, violations);
  b.pre_vote = false;
  b.check_quorum = false;
  replay_walks(check::models::RaftModel<3>(b), 100, 80, 22, kinds, violations);
  EXPECT_EQ(violations, 0);
  for (const char* k : {"lease", "transfer", "read"}) EXPECT_GT(kinds[k], 0) << k << " never occurred in a walk";
}

TEST(TraceReplay, RaftLossyDiskViolationsReplayAtTheSameStep) {
  check::models::RaftBounds b;
  b.max_term = 3;
  b.max_msgs = 4;
  b.drops = 1;
  b.crashes = 2;
  b.proposals = 1;
  b.lossy_disk = true;
  std::map<std::string, int> kinds;
  int violations = 0;
  replay_walks(check::models::RaftModel<3>(b), 400, 80, 11, kinds, violations);
  // Random walks rarely break Election Safety (it takes a precise 17-step
  // schedule); the search's counterexample does, as raft-lossy-disk's.
  b.max_term = 1;
  b.max_msgs = 3;
  b.crashes = 1;
  b.proposals = 0;
  replay_counterexample(check::models::RaftModel<3>(b));
}

TEST(TraceReplay, PaxosWalksWithEveryFaultReplay) {
  check::models::PaxosBounds b;
  b.acceptors = 3;
  b.proposers = 2;
  b.values = 2;
  b.max_round = 3;
  b.max_msgs = 8;
  b.drops = 3;
  b.dups = 3;
  b.crashes = 3;
  std::map<std::string, int> kinds;
  int violations = 0;
  replay_walks(check::models::PaxosModel(b), 300, 60, 7, kinds, violations);
  EXPECT_EQ(violations, 0);
  for (const char* k : {"deliver", "drop", "duplicate", "crash", "restart", "persist", "start_round", "propose"})
    EXPECT_GT(kinds[k], 0) << k << " never occurred in a walk";
}

TEST(TraceReplay, PaxosLossyDiskViolationsReplayAtTheSameStep) {
  check::models::PaxosBounds b;
  b.max_round = 2;
  b.max_msgs = 5;
  b.crashes = 2;
  b.lossy_disk = true;
  std::map<std::string, int> kinds;
  int violations = 0;
  replay_walks(check::models::PaxosModel(b), 400, 60, 11, kinds, violations);
  EXPECT_GT(violations, 0) << "no walk broke a property on the lossy disk: the comparison was vacuous";
  replay_counterexample(check::models::PaxosModel(b));
}

// The step limit: a liveness run that has not converged within the
// schedule's step_limit fails as kStepLimit at the liveness phase (here
// with a limit too small for any election), on both test kernels; its
// trace keeps the limit and replays to the same violation; with a limit
// large enough, or none, the same schedule passes.
TEST(TraceRun, StepLimitEndsALivenessPhaseThatDoesNotConverge) {
  trace::Schedule s;
  s.protocol = "raft";
  s.nodes = 5;
  s.seed = 7;
  s.liveness = true;
  s.events = {trace::Event{trace::Op::tick, 1, 0, {}}, trace::Event{trace::Op::crash, 2, 0, {}}};
  for (const char* kernel : {"test", "test-1"}) {
    s.kernel = kernel;
    s.step_limit = 50;
    const trace::Outcome stuck = trace::run(s);
    EXPECT_FALSE(stuck.ok) << kernel;
    EXPECT_EQ(stuck.property, trace::kStepLimit) << kernel << ": " << stuck.detail;
    EXPECT_EQ(stuck.step, s.events.size() + 1) << kernel;
    // A round's deliveries stop at the limit; its ticks (one per node) may
    // go past it.
    EXPECT_GT(stuck.liveness_steps, 50u) << kernel;
    EXPECT_LE(stuck.liveness_steps, 50u + 2 * s.nodes) << kernel;

    const trace::Schedule replayed = trace::from_json(trace::to_json(trace::expecting(s, stuck)));
    EXPECT_EQ(replayed.step_limit, 50u);
    const trace::Outcome again = trace::run(replayed);
    std::string why;
    EXPECT_TRUE(trace::as_expected(replayed, again, why)) << kernel << ": " << why;

    for (const std::uint64_t limit : {std::uint64_t{50'000}, std::uint64_t{0}}) {
      s.step_limit = limit;
      const trace::Outcome fine = trace::run(s);
      EXPECT_TRUE(fine.ok) << kernel << ", limit " << limit << ": " << fine.property << ": " << fine.detail;
      EXPECT_GT(fine.liveness_steps, 50u) << kernel;
      EXPECT_GE(fine.steps, fine.liveness_steps) << kernel;
    }
  }
}

// The "test-1" kernel carries one entry per AppendEntries: the liveness
// phase's three proposals reach the followers in appends that carry part
// of what the leader has, which run() counts.
TEST(TraceRun, OneEntryKernelCountsPartialAppends) {
  trace::Schedule s;
  s.protocol = "raft";
  s.kernel = "test-1";
  s.nodes = 3;
  s.liveness = true;
  const trace::Outcome o = trace::run(s);
  ASSERT_TRUE(o.ok) << o.property << ": " << o.detail;
  EXPECT_GT(o.partial_appends, 0u);
  EXPECT_EQ(o.overwrites, 0u) << "one leader, no faults: nothing to overwrite";
  EXPECT_GE(o.committed, trace::kRaftLivenessProposals);
}

// Outcome::effective marks the events that did something; compact() keeps
// those, and the compacted schedule runs the same way.
TEST(TraceRun, CompactKeepsTheEventsThatDidSomething) {
  using trace::Event;
  using trace::Op;
  trace::Schedule s;
  s.protocol = "raft";
  s.nodes = 3;
  s.events = {Event{Op::deliver, 1, 0, {}},   // nothing in flight
              Event{Op::campaign, 1, 0, {}},  // n1 asks for votes
              Event{Op::restart, 2, 0, {}},   // n2 is up
              Event{Op::heal, 1, 0, {}},      // links change outside the core: kept
              Event{Op::crash, 3, 0, {}},     // n3 goes down
              Event{Op::tick, 3, 0, {}}};     // n3 is down
  const trace::Outcome o = trace::run(s);
  ASSERT_TRUE(o.ok) << o.property << ": " << o.detail;
  EXPECT_EQ(o.effective, (std::vector<bool>{false, true, false, true, true, false}));
  const trace::Schedule c = trace::compact(s, o);
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0].op, Op::campaign);
  EXPECT_EQ(c.events[1].op, Op::heal);
  EXPECT_EQ(c.events[2].op, Op::crash);
  const trace::Outcome again = trace::run(c);
  EXPECT_TRUE(again.ok);
  EXPECT_EQ(again.steps, o.steps);
  EXPECT_EQ(again.in_flight_max, o.in_flight_max);
}

}  // namespace
