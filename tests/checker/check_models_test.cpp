// The Raft and Paxos models over the real kernels: search modes agree, the
// seeded storage fault is found with a concrete shortest counterexample, and
// the JSON trace replays step by step against a fresh model (fresh kernel
// nodes, fresh intern pools).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <synod/check/checker.hpp>

#include "paxos_model.hpp"
#include "raft_model.hpp"
#include "run.hpp"

namespace {

using synod::check::Checker;
using synod::check::Search;
using synod::check::Verdict;
using synod::check::models::PaxosBounds;
using synod::check::models::PaxosModel;
using synod::check::models::RaftBounds;
using synod::check::models::RaftModel;

RaftBounds small_raft() {
  RaftBounds b;
  b.max_msgs = 2;
  b.crashes = 0;
  return b;
}

// Every fault once: a drop, a duplicate and a crash.
RaftBounds faulty_raft(std::size_t max_msgs) {
  RaftBounds b;
  b.max_msgs = max_msgs;
  b.drops = 1;
  b.dups = 1;
  b.crashes = 1;
  return b;
}

RaftBounds lossy_raft() {
  RaftBounds b;
  b.max_term = 1;
  b.max_msgs = 3;
  b.drops = 1;
  b.proposals = 0;
  b.lossy_disk = true;
  return b;
}

template <class M>
void expect_same_run(const synod::check::Report<M>& a, const synod::check::Report<M>& b) {
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.property, b.property);
  EXPECT_EQ(a.distinct_states, b.distinct_states);
  EXPECT_EQ(a.states_generated, b.states_generated);
  EXPECT_EQ(a.max_depth, b.max_depth);
  ASSERT_EQ(a.trace.size(), b.trace.size());
  for (std::size_t i = 0; i < a.trace.size(); ++i) EXPECT_EQ(a.trace[i].action_index, b.trace[i].action_index) << i;
}

// The soundness condition of --symmetry: states with equal canonical
// fingerprints (renamings of each other) have renamings of each other as
// successors, i.e. the same canonical fingerprints. Explores concrete states
// breadth-first up to `cap`, then compares each state's canonical successors
// with those of the first state of its canonical class.
template <class M>
void expect_renamed_states_have_renamed_successors(const M& model, std::size_t cap) {
  using State = typename M::State;
  using Action = typename M::Action;
  constexpr auto kSeed = synod::check::kPrimarySeed;
  std::vector<State> states;
  std::set<std::uint64_t> seen;
  model.init_states([&](const State& s) {
    states.push_back(s);
    seen.insert(model.fingerprint(s, kSeed));
  });
  for (std::size_t k = 0; k < states.size() && states.size() < cap; ++k) {
    const State s = states[k];
    model.actions(s, [&](const Action& a) {
      auto t = model.next_state(s, a);
      if (t && model.within_boundary(*t) && seen.insert(model.fingerprint(*t, kSeed)).second) states.push_back(*t);
    });
  }
  auto successors = [&](const State& s) {
    std::set<std::uint64_t> out;
    model.actions(s, [&](const Action& a) {
      if (auto t = model.next_state(s, a); t && model.within_boundary(*t))
        out.insert(model.canonical_fingerprint(*t, kSeed));
    });
    return out;
  };
  std::map<std::uint64_t, std::size_t> first;
  std::size_t compared = 0;
  for (std::size_t k = 0; k < states.size(); ++k) {
    const auto [it, fresh] = first.emplace(model.canonical_fingerprint(states[k], kSeed), k);
    if (fresh) continue;
    ++compared;
    ASSERT_EQ(successors(states[it->second]), successors(states[k]))
        << "renamed states with different successors:\n"
        << model.format_state(states[it->second]) << "and\n"
        << model.format_state(states[k]);
  }
  EXPECT_GT(compared, 10000u);
}

// Replays the trace synod-check writes (synod-trace/2, with the checker's
// extras) against `model`: each recorded action must be enabled (matched by
// its trace encoding, at the recorded index) and lead to the recorded state
// summary. Returns the final state.
template <class M>
typename M::State replay(const M& model, const nlohmann::json& trace) {
  std::optional<typename M::State> s;
  model.init_states([&](const typename M::State& init) { s = init; });
  EXPECT_EQ(trace.at("format"), "synod-trace/2");
  EXPECT_EQ(model.state_json(*s), trace.at("initial_state"));
  const auto& steps = trace.at("steps");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::optional<typename M::Action> chosen;
    std::uint32_t index = 0, chosen_index = 0;
    model.actions(*s, [&](const typename M::Action& a) {
      if (!chosen && model.trace_action(*s, a) == steps[i].at("action")) {
        chosen = a;
        chosen_index = index;
      }
      ++index;
    });
    EXPECT_TRUE(chosen) << "step " << i + 1 << " is not enabled: " << steps[i].dump();
    if (!chosen) return *s;
    EXPECT_EQ(chosen_index, steps[i].at("action_index").get<std::uint32_t>());
    s = model.next_state(*s, *chosen);
    EXPECT_TRUE(s.has_value());
    EXPECT_EQ(model.state_json(*s), steps[i].at("state")) << "step " << i + 1;
  }
  return *s;
}

template <class M>
bool property_holds(const M& model, const std::string& name, const typename M::State& s) {
  for (const auto& p : model.properties())
    if (p.name == name) return p.holds(model, s);
  ADD_FAILURE() << "no property " << name;
  return true;
}

// Leases, transfers and reads (CheckQuorum and pre-votes on): the search
// modes agree, symmetry included (a transfer names its target), and no
// invariant fails, and every goal is reached (2 nodes, one message in
// flight: 100,233 states).
TEST(CheckRaftModel, SearchModesAgreeWithLeasesTransfersAndReads) {
  RaftBounds b = small_raft();
  b.nodes = 2;
  b.max_msgs = 1;
  b.proposals = 0;
  b.noop_on_election = true;
  b.pre_vote = true;
  b.check_quorum = true;
  b.transfers = 1;
  b.reads = 1;
  const RaftModel<3> model(b);
  const auto bfs = Checker(model).run();
  EXPECT_EQ(bfs.verdict, Verdict::ok);
  EXPECT_EQ(bfs.not_applicable, (std::vector<std::string>{"a node restarts and catches up",
                                                          "a follower installs a snapshot and appends after it"}));
  EXPECT_EQ(bfs.distinct_states, 100233u);
  expect_same_run(bfs, Checker(model).threads(2).run());
  EXPECT_EQ(Checker(model).search(Search::dfs).run().distinct_states, bfs.distinct_states);
  const auto sym = Checker(model).symmetry().run();
  EXPECT_EQ(sym.verdict, bfs.verdict);
  EXPECT_LT(sym.distinct_states, bfs.distinct_states);
}

TEST(CheckRaftModel, SearchModesAgree) {
  const RaftModel<3> model(small_raft());
  const auto bfs = Checker(model).run();
  // No crash budget: nobody restarts, and the goal is not applicable (the
  // run is judged on the rest); nor is the pre-vote goal without pre-votes,
  // nor those of reads, CheckQuorum and transfers without them.
  EXPECT_EQ(bfs.verdict, Verdict::ok);
  EXPECT_EQ(bfs.not_applicable, (std::vector<std::string>{"a node restarts and catches up",
                                                          "a pre-candidate campaigns beside a leader of its term",
                                                          "a follower's forwarded read completes",
                                                          "a leader steps down for lack of a quorum",
                                                          "a transfer elects its target",
                                                          "a follower installs a snapshot and appends after it"}));
  EXPECT_EQ(bfs.distinct_states, 48993u);    // pinned: a semantic change of kernel or model shows here
  expect_same_run(bfs, Checker(model).threads(2).run());
  EXPECT_EQ(Checker(model).search(Search::dfs).run().distinct_states, bfs.distinct_states);
  EXPECT_EQ(Checker(model).fp128().run().distinct_states, bfs.distinct_states);
  const auto sym = Checker(model).symmetry().run();
  EXPECT_EQ(sym.verdict, bfs.verdict);
  EXPECT_LT(sym.distinct_states, bfs.distinct_states);
  EXPECT_GT(sym.distinct_states * 6, bfs.distinct_states);  // at most 3! = 6 times fewer
  expect_same_run(sym, Checker(model).symmetry().threads(2).run());
}

// Log Matching through interned log references (and the pair table) gives
// raft_invariants::logs_match's answer, mismatches included: reachable
// states of a correct kernel never show one, so they are built here.
TEST(CheckRaftModel, InternedLogMatchingFindsMismatches) {
  const RaftModel<3> model(small_raft());
  using Log = RaftModel<3>::Log;
  using Entry = RaftModel<3>::EntryT;
  auto log = [](std::initializer_list<Entry> entries) {
    Log l;
    for (const Entry& e : entries) EXPECT_TRUE(l.append(e));
    return l;
  };
  const std::vector<Log> logs{log({}),
                              log({{1, 1}}),
                              log({{1, 2}}),               // same index and term as {1, 1}, other payload
                              log({{1, 1}, {2, 1}}),
                              log({{1, 2}, {2, 1}}),       // matches {1,1},{2,1} at index 2, not at 1
                              log({{2, 1}}),
                              log({{1, 1}, {1, 2}, {2, 3}})};
  std::size_t mismatches = 0;
  for (const Log& a : logs) {
    for (const Log& b : logs) {
      const bool expected = synod::check::raft_invariants::logs_match(a, b);
      EXPECT_EQ(model.interned_logs_match(a, b), expected);  // computed, or from the pair table
      EXPECT_EQ(model.interned_logs_match(a, b), expected);  // from the pair table
      if (!expected) ++mismatches;
    }
  }
  EXPECT_GE(mismatches, 4u);
}

// The search fingerprints with a fast path that reads the pools' dense hash
// tables; it must equal the general renaming hash at the identity, which
// --symmetry minimises over (else symmetric runs would merge other states).
// The incremental verbs (successor, canonical_successor) must predict what
// the built successor's fingerprints are.
TEST(CheckRaftModel, FastFingerprintEqualsGeneralHash) {
  const RaftModel<3> model(faulty_raft(3));
  std::vector<RaftModel<3>::State> frontier;
  model.init_states([&](const RaftModel<3>::State& s) { frontier.push_back(s); });
  std::size_t checked = 0;
  std::size_t successors = 0;
  std::size_t restarted = 0;  // states a node has restarted in (their renamings move restart bits)
  std::set<int> kinds;
  for (int depth = 0; depth < 9 && !frontier.empty(); ++depth) {
    std::vector<RaftModel<3>::State> next;
    for (const auto& s : frontier) {
      ASSERT_TRUE(model.primary_hash_agrees(s));
      ASSERT_TRUE(model.cluster_checks_agree(s));
      ++checked;
      const std::uint64_t base = model.fingerprint_base(s);
      ASSERT_EQ(model.fingerprint_from_base(base), model.fingerprint(s, synod::check::kPrimarySeed));
      const auto canonical_base = model.canonical_base(s);
      ASSERT_EQ(model.canonical_from_base(canonical_base), model.canonical_fingerprint(s, synod::check::kPrimarySeed));
      if (s.restarted != 0) ++restarted;
      model.actions(s, [&](const RaftModel<3>::Action& a) {
        // The incremental successor fingerprints (plain and canonical) must
        // predict the built state's.
        const auto t = model.next_state(s, a);
        const auto predicted = model.successor(s, base, a);
        const auto canonical = model.canonical_successor(s, canonical_base, a);
        ASSERT_EQ(t.has_value(), predicted.has_value());
        ASSERT_EQ(t.has_value(), canonical.has_value());
        if (!t) return;
        ++successors;
        kinds.insert(static_cast<int>(a.kind));
        ASSERT_EQ(predicted->fingerprint, model.fingerprint(*t, synod::check::kPrimarySeed))
            << RaftModel<3>::kind_name(a.kind);
        ASSERT_EQ(predicted->within_boundary, model.within_boundary(*t));
        ASSERT_EQ(canonical->fingerprint, model.canonical_fingerprint(*t, synod::check::kPrimarySeed))
            << RaftModel<3>::kind_name(a.kind);
        ASSERT_EQ(canonical->within_boundary, model.within_boundary(*t));
        if (next.size() < 4000) next.push_back(*t);
      });
    }
    frontier = std::move(next);
  }
  EXPECT_GT(checked, 10000u);
  EXPECT_GT(successors, 50000u);
  EXPECT_EQ(kinds.size(), 9u);  // every kind of action was compared
  EXPECT_GT(restarted, 100u);
}

// Symmetry's soundness condition for Raft. Any kernel behaviour that
// depends on ids beyond their renaming shows up here as two renamed states
// whose successors differ: a broadcast that fit the outbox only partly once
// always reached the lower ids (now it goes out whole or not at all).
TEST(CheckRaftModel, RenamedStatesHaveRenamedSuccessors) {
  expect_renamed_states_have_renamed_successors(RaftModel<3>(faulty_raft(2)), 60000);
}

TEST(CheckRaftModel, LossyDiskBreaksElectionSafetyWithAReplayableTrace) {
  const RaftModel<3> model(lossy_raft());
  const auto one = Checker(model).run();
  ASSERT_EQ(one.verdict, Verdict::violation);
  EXPECT_EQ(one.property, "ElectionSafety");
  EXPECT_EQ(one.trace.size() - 1, 17u);  // the shortest counterexample
  expect_same_run(one, Checker(model).threads(2).run());
  const auto sym = Checker(model).symmetry().run();
  EXPECT_EQ(sym.verdict, Verdict::violation);
  EXPECT_EQ(sym.trace.size(), one.trace.size());  // symmetry keeps the shortest length

  // The symmetric run's trace is concrete: replay it on a fresh model.
  for (const auto* report : {&one, &sym}) {
    synod::check::cli::Bounds bounds{{"lossy_disk", 1}};
    const nlohmann::json trace = synod::check::cli::trace_json(model, bounds, *report);
    const RaftModel<3> fresh(lossy_raft());
    const auto last = replay(fresh, trace);
    EXPECT_FALSE(property_holds(fresh, "ElectionSafety", last));
    EXPECT_EQ(fresh.state_json(last), model.state_json(report->trace.back().state));
  }
  // Without the fault the same bounds are safe.
  RaftBounds sound = lossy_raft();
  sound.lossy_disk = false;
  const RaftModel<3> ok_model(sound);
  const auto ok = Checker(ok_model).run();
  EXPECT_NE(ok.verdict, Verdict::violation) << ok.property;
}

TEST(CheckRaftModel, RandomWalksFindTheLossyDiskViolation) {
  const RaftModel<3> model(lossy_raft());
  const auto walk = Checker(model).random_walks(200000, 40, 3).run();
  ASSERT_EQ(walk.verdict, Verdict::violation);
  EXPECT_EQ(walk.property, "ElectionSafety");
  const RaftModel<3> fresh(lossy_raft());
  const auto last = replay(fresh, synod::check::cli::trace_json(model, {}, walk));
  EXPECT_FALSE(property_holds(fresh, "ElectionSafety", last));
}

TEST(CheckPaxosModel, SearchModesAgree) {
  PaxosBounds b;
  b.max_msgs = 3;
  b.max_round = 1;
  b.crashes = 0;
  const PaxosModel model(b);
  const auto bfs = Checker(model).run();
  EXPECT_EQ(bfs.verdict, Verdict::ok);
  EXPECT_EQ(bfs.not_applicable, std::vector<std::string>{"a crashed acceptor restarts"});
  EXPECT_EQ(bfs.distinct_states, 15908u);
  expect_same_run(bfs, Checker(model).threads(2).run());
  EXPECT_EQ(Checker(model).search(Search::dfs).run().distinct_states, bfs.distinct_states);
  const auto sym = Checker(model).symmetry().run();
  EXPECT_EQ(sym.verdict, bfs.verdict);
  EXPECT_LT(sym.distinct_states, bfs.distinct_states);
  expect_same_run(sym, Checker(model).symmetry().threads(2).run());
  // DFS fingerprints built states with canonical_fingerprint; the BFS above
  // predicted them with canonical_successor.
  EXPECT_EQ(Checker(model).symmetry().search(Search::dfs).run().distinct_states, sym.distinct_states);
  // 4 acceptors have 24 renamings, more than the pools cache: the BFS
  // builds every successor instead, and the runs still agree.
  PaxosBounds four = b;
  four.acceptors = 4;
  four.proposers = 1;
  four.max_msgs = 4;  // a prepare to each acceptor
  const PaxosModel wide(four);
  EXPECT_FALSE(wide.canonical_incremental());
  EXPECT_TRUE(model.canonical_incremental());
  const auto wide_sym = Checker(wide).symmetry().run();
  EXPECT_EQ(Checker(wide).symmetry().search(Search::dfs).run().distinct_states, wide_sym.distinct_states);
  expect_same_run(wide_sym, Checker(wide).symmetry().threads(2).run());
  EXPECT_LT(wide_sym.distinct_states, Checker(wide).run().distinct_states);
}

// As for Raft: the fast fingerprint equals the general one recomputed from
// the components, and successor() and canonical_successor() predict every
// built successor's fingerprints and boundary check, for every kind of
// action (drops and duplicates included), through violation-free states.
TEST(CheckPaxosModel, FastFingerprintEqualsGeneralHash) {
  PaxosBounds b;
  b.max_msgs = 3;
  b.max_round = 2;
  b.drops = 1;
  b.dups = 1;
  b.crashes = 2;
  const PaxosModel model(b);
  using State = PaxosModel::State;
  std::vector<State> frontier;
  model.init_states([&](const State& s) { frontier.push_back(s); });
  std::size_t checked = 0, successors = 0, outside = 0, restarted = 0;
  std::set<int> kinds;
  for (int depth = 0; depth < 12 && !frontier.empty(); ++depth) {
    std::vector<State> next;
    for (const auto& s : frontier) {
      ASSERT_TRUE(model.primary_hash_agrees(s));
      ++checked;
      const std::uint64_t base = model.fingerprint_base(s);
      ASSERT_EQ(model.fingerprint_from_base(base), model.fingerprint(s, synod::check::kPrimarySeed));
      const auto canonical_base = model.canonical_base(s);
      ASSERT_EQ(model.canonical_from_base(canonical_base), model.canonical_fingerprint(s, synod::check::kPrimarySeed));
      if (s.restarted != 0) ++restarted;
      model.actions(s, [&](const PaxosModel::Action& a) {
        const auto t = model.next_state(s, a);
        const auto predicted = model.successor(s, base, a);
        const auto canonical = model.canonical_successor(s, canonical_base, a);
        ASSERT_EQ(t.has_value(), predicted.has_value());
        ASSERT_EQ(t.has_value(), canonical.has_value());
        if (!t) return;
        ASSERT_EQ(canonical->fingerprint, model.canonical_fingerprint(*t, synod::check::kPrimarySeed))
            << PaxosModel::kind_name(a.kind);
        ASSERT_EQ(canonical->within_boundary, model.within_boundary(*t));
        ++successors;
        kinds.insert(static_cast<int>(a.kind));
        ASSERT_EQ(predicted->fingerprint, model.fingerprint(*t, synod::check::kPrimarySeed))
            << PaxosModel::kind_name(a.kind);
        ASSERT_EQ(predicted->within_boundary, model.within_boundary(*t)) << PaxosModel::kind_name(a.kind);
        if (!predicted->within_boundary) ++outside;
        if (predicted->within_boundary && t->violation == PaxosModel::Violation::none && next.size() < 4000)
          next.push_back(*t);
      });
    }
    frontier = std::move(next);
  }
  EXPECT_GT(checked, 10000u);
  EXPECT_GT(successors, 50000u);
  EXPECT_GT(outside, 0u);      // the boundary check was compared both ways
  EXPECT_EQ(kinds.size(), 8u);  // every kind of action was compared
  EXPECT_GT(restarted, 100u);   // states whose renamings move restart flags
}

// Symmetry's soundness condition for Paxos (renamings of the acceptors).
// It caught the Paxos kernel hashing its outbox and held queue in queue
// order (a proposer's held prepares to acceptors 1, 2, 3 told acceptor 1
// down from acceptor 2 down); they are multisets now, as in Raft.
TEST(CheckPaxosModel, RenamedStatesHaveRenamedSuccessors) {
  PaxosBounds b;
  b.max_msgs = 3;
  b.max_round = 1;
  b.drops = 1;
  b.crashes = 1;
  expect_renamed_states_have_renamed_successors(PaxosModel(b), 200000);
}

TEST(CheckPaxosModel, QuickBoundsReachEveryGoal) {
  PaxosBounds b;
  b.max_msgs = 3;
  b.max_round = 1;
  const PaxosModel model(b);
  const auto sym = Checker(model).symmetry().run();
  EXPECT_EQ(sym.verdict, Verdict::ok) << sym.property;
  EXPECT_TRUE(sym.unreached.empty());
}

}  // namespace
