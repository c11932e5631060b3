// Whole clusters through the in-memory driver: the scenarios of issue 3.
// Every step runs the driver's ghost checks (agreement, validity, the
// durability contract, acceptor monotonicity); each test asserts none fired.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "driver.hpp"

namespace synod::paxos {
namespace {

using Config = DefaultConfig;
using V = Config::Value;
using Driver = test::Driver<Config>;
using Msg = Message<Config>;

void expect_all_learned(const Driver& d, V v) {
  for (NodeId id = 1; id <= d.size(); ++id) {
    if (!d.up(id)) continue;
    EXPECT_EQ(d.node(id).learned(), std::optional<V>{v}) << "node " << int{id};
  }
}

// --------------------------------------------------- one proposer, no faults

class PaxosSingleProposer : public ::testing::TestWithParam<int> {};

TEST_P(PaxosSingleProposer, ValueIsChosenAndEveryoneLearns) {
  Driver d(static_cast<std::uint8_t>(GetParam()));
  ASSERT_EQ(d.propose(1, 77), ProposeStatus::ok);
  // prepare, promise, accept, accepted: everything delivered in order.
  d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
  EXPECT_EQ(d.chosen(), std::optional<V>{77});
  expect_all_learned(d, 77);
  EXPECT_EQ(d.node(1).proposer().phase(), Phase::chosen);
  EXPECT_EQ(d.node(1).proposer().ballot(), (Ballot{1, 1}));
}

// The same with crashed nodes (clusters of at least 3).
class PaxosSingleProposerCrashes : public ::testing::TestWithParam<int> {};

TEST_P(PaxosSingleProposerCrashes, ValueIsChosenWithAMinorityCrashed) {
  const int n = GetParam();
  Driver d(static_cast<std::uint8_t>(n));
  // Crash the highest-numbered minority (never the proposer).
  const int minority = (n - 1) / 2;
  for (int k = 0; k < minority; ++k) d.crash(static_cast<NodeId>(n - k));
  ASSERT_EQ(d.propose(1, 5), ProposeStatus::ok);
  d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
  EXPECT_EQ(d.chosen(), std::optional<V>{5});
  expect_all_learned(d, 5);
  // The crashed ones come back and learn once a round reaches them: a new
  // proposer's round re-proposes the chosen value (P2c).
  for (int k = 0; k < minority; ++k) d.restart(static_cast<NodeId>(n - k));
  ASSERT_EQ(d.propose(static_cast<NodeId>(n), 6), ProposeStatus::ok);
  d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
  expect_all_learned(d, 5);
}

TEST_P(PaxosSingleProposerCrashes, NoProgressWithoutAMajorityButSafety) {
  const int n = GetParam();
  Driver d(static_cast<std::uint8_t>(n));
  for (int k = 0; k < n / 2 + 1 - 1; ++k) d.crash(static_cast<NodeId>(n - k));
  d.crash(2);  // now a majority is down
  ASSERT_EQ(d.propose(1, 5), ProposeStatus::ok);
  for (int i = 0; i < 200; ++i) {
    d.tick_all();
    d.deliver_all();
  }
  EXPECT_FALSE(d.chosen().has_value());
  EXPECT_FALSE(d.node(1).learned().has_value());
  EXPECT_GT(d.node(1).proposer().ballot().round, 1u);  // it kept retrying
  EXPECT_TRUE(d.ok()) << d.detail();
}

std::string acceptors_name(const ::testing::TestParamInfo<int>& p) { return std::to_string(p.param) + "acceptors"; }
INSTANTIATE_TEST_SUITE_P(Paxos, PaxosSingleProposer, ::testing::Values(1, 3, 5, 7), acceptors_name);
INSTANTIATE_TEST_SUITE_P(Paxos, PaxosSingleProposerCrashes, ::testing::Values(3, 5, 7), acceptors_name);

// ------------------------------------------------------------ value adoption

// Paxos Made Simple §2.2 (P2c): a value accepted by a minority at a lower
// ballot must be proposed again by a later proposer that hears of it; it is
// the one chosen.
TEST(PaxosScenario, LaterProposerAdoptsAMinorityAcceptedValue) {
  Driver d(5);
  ASSERT_EQ(d.propose(1, 111), ProposeStatus::ok);
  // Phase 1 of ballot (1,1): promises from 1 (its own acceptor), 2 and 3.
  for (NodeId a : std::initializer_list<NodeId>{2, 3}) ASSERT_EQ(d.deliver(d.find(MessageType::prepare, 1, a)), InputResult::ok);
  for (NodeId a : std::initializer_list<NodeId>{2, 3}) ASSERT_EQ(d.deliver(d.find(MessageType::promise, a, 1)), InputResult::ok);
  ASSERT_EQ(d.node(1).proposer().phase(), Phase::accepting);
  // Phase 2 reaches only acceptor 3 (and node 1's own acceptor): 2 of 5.
  ASSERT_EQ(d.deliver(d.find(MessageType::accept, 1, 3)), InputResult::ok);
  d.crash(1);
  while (d.in_flight() > 0) d.drop(0);
  ASSERT_EQ(d.node(3).acceptor().accepted_value(), std::optional<V>{111});
  ASSERT_FALSE(d.chosen().has_value());
  // Proposer 2 proposes 222 and hears from 2, 3 and 4: 3 reports (1,1)=111.
  ASSERT_EQ(d.propose(2, 222), ProposeStatus::ok);
  d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
  EXPECT_EQ(d.node(2).proposer().ballot(), (Ballot{1, 2}));
  EXPECT_EQ(d.node(2).proposer().value(), std::optional<V>{111});
  EXPECT_EQ(d.chosen(), std::optional<V>{111});
  for (NodeId id = 2; id <= 5; ++id) EXPECT_EQ(d.node(id).learned(), std::optional<V>{111});
}

// The same with a proposer-only node, so the first acceptance really is a
// minority (1 of 3 acceptors) and nothing was chosen before the adoption.
TEST(PaxosScenario, MinorityAcceptedValueIsAdoptedAndChosen) {
  // Nodes 1 and 2 are proposers only; 3, 4, 5 are acceptors and learners.
  Driver d(5);
  NodeSet acceptors, learners;
  for (NodeId id : std::initializer_list<NodeId>{3, 4, 5}) acceptors.insert(id);
  learners = acceptors;
  for (NodeId id = 1; id <= 5; ++id) {
    Options o;
    o.id = id;
    o.cluster_size = 5;
    o.roles = id <= 2 ? Roles{true, false, false} : Roles{false, true, true};
    o.acceptors = acceptors;
    o.learners = learners;
    o.seed = id;
    d.set_options(id, o);
  }
  d.reset();
  ASSERT_EQ(d.propose(1, 111), ProposeStatus::ok);
  for (NodeId a : std::initializer_list<NodeId>{3, 4}) ASSERT_EQ(d.deliver(d.find(MessageType::prepare, 1, a)), InputResult::ok);
  d.drop(d.find(MessageType::prepare, 1, 5));
  for (NodeId a : std::initializer_list<NodeId>{3, 4}) ASSERT_EQ(d.deliver(d.find(MessageType::promise, a, 1)), InputResult::ok);
  ASSERT_EQ(d.node(1).proposer().phase(), Phase::accepting);
  // Only acceptor 3 accepts (1,1)=111; the other accepts are lost.
  ASSERT_EQ(d.deliver(d.find(MessageType::accept, 1, 3)), InputResult::ok);
  while (d.find(MessageType::accept) < d.in_flight()) d.drop(d.find(MessageType::accept));
  while (d.find(MessageType::accepted) < d.in_flight()) d.drop(d.find(MessageType::accepted));
  ASSERT_FALSE(d.chosen().has_value());  // one of three: nothing chosen yet
  // Proposer 2 proposes 222; acceptors 3 and 5 promise (3 reports 111).
  ASSERT_EQ(d.propose(2, 222), ProposeStatus::ok);
  d.drop(d.find(MessageType::prepare, 2, 4));
  for (NodeId a : std::initializer_list<NodeId>{3, 5}) ASSERT_EQ(d.deliver(d.find(MessageType::prepare, 2, a)), InputResult::ok);
  const std::size_t k = d.find(MessageType::promise, 3, 2);
  ASSERT_LT(k, d.in_flight());
  EXPECT_EQ(d.message(k).accepted_ballot, (Ballot{1, 1}));
  EXPECT_EQ(d.message(k).value, std::optional<V>{111});
  d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
  EXPECT_EQ(d.node(2).proposer().value(), std::optional<V>{111});
  EXPECT_EQ(d.node(2).proposer().phase(), Phase::chosen);
  EXPECT_EQ(d.chosen(), std::optional<V>{111});
  for (NodeId id : std::initializer_list<NodeId>{3, 4, 5}) EXPECT_EQ(d.node(id).learned(), std::optional<V>{111});
}

// ------------------------------------------------------ dueling proposers

// Two proposers with different values, a lossy, duplicating, reordering
// network: exactly one value is chosen, and the randomized backoff gets a
// round through (the run ends with both proposers knowing the outcome).
TEST(PaxosScenario, DuelingProposersWithLossChooseExactlyOneValue) {
  test::Faults faults;
  faults.drop_percent = 15;
  faults.duplicate_percent = 10;
  faults.tick_percent = 10;
  int chose_first = 0, chose_second = 0;
  Round most_rounds = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE(seed);
    Options base;
    base.seed = seed;
    base.retry_timeout_min = 5;
    base.retry_timeout_max = 10;
    Driver d(5, base);
    SplitMix64 rng(seed);
    ASSERT_EQ(d.propose(1, 1000), ProposeStatus::ok);
    ASSERT_EQ(d.propose(2, 2000), ProposeStatus::ok);
    const std::size_t steps = d.run_until_decided(rng, faults, 200000);
    ASSERT_TRUE(d.ok()) << d.detail();
    ASSERT_LT(steps, 200000u) << "no progress";
    ASSERT_TRUE(d.chosen().has_value());
    const V v = *d.chosen();
    EXPECT_TRUE(v == 1000 || v == 2000);
    for (NodeId p : std::initializer_list<NodeId>{1, 2}) EXPECT_EQ(d.node(p).proposer().value(), std::optional<V>{v});
    // Learners that heard learned the same value (the driver checks every
    // step, and again while the rest of the network drains).
    d.deliver_all();
    for (NodeId id = 1; id <= 5; ++id) {
      if (d.node(id).learned()) {
        EXPECT_EQ(*d.node(id).learned(), v);
      }
    }
    (v == 1000 ? chose_first : chose_second)++;
    for (NodeId p : std::initializer_list<NodeId>{1, 2})
      most_rounds = std::max(most_rounds, d.node(p).proposer().ballot().round);
  }
  // Both outcomes happen across seeds, and proposers did have to retry.
  EXPECT_GT(chose_first, 0);
  EXPECT_GT(chose_second, 0);
  EXPECT_GT(most_rounds, 2u);
}

// Lock-step duel: each proposer fires its retry timer the moment it is
// pre-empted. Without randomization they could leapfrog forever; the drawn
// timeouts separate them.
TEST(PaxosScenario, DuelingProposersSeparateThroughBackoff) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    Options base;
    base.seed = seed;
    Driver d(3, base);
    ASSERT_EQ(d.propose(1, 1), ProposeStatus::ok);
    ASSERT_EQ(d.propose(2, 2), ProposeStatus::ok);
    int ticks = 0;
    while (!d.all_learned() && ticks < 5000) {
      d.deliver_all();
      d.tick_all();
      ++ticks;
    }
    ASSERT_TRUE(d.ok()) << d.detail();
    EXPECT_TRUE(d.all_learned()) << "after " << ticks << " ticks";
  }
}

// -------------------------------------------------------- crash and restart

TEST(PaxosScenario, RestartedAcceptorKeepsPromiseAndAcceptance) {
  Driver d(3);
  ASSERT_EQ(d.propose(1, 42), ProposeStatus::ok);
  d.deliver_all();
  ASSERT_EQ(d.chosen(), std::optional<V>{42});
  const auto before = d.node(2).acceptor();
  ASSERT_EQ(before.accepted_value(), std::optional<V>{42});
  d.crash(2);
  d.restart(2);
  EXPECT_TRUE(d.ok()) << d.detail();
  EXPECT_EQ(d.node(2).acceptor(), before);
  EXPECT_FALSE(d.node(2).learned().has_value());  // learning is volatile
  // A new round through the restarted acceptor re-proposes 42 (P2c).
  // Node 2 itself (its learner forgot) proposes 43 at (1,2); with node 1
  // down it hears from 2 and 3, both reporting (1,1)=42.
  d.crash(1);
  ASSERT_EQ(d.propose(2, 43), ProposeStatus::ok);
  d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
  EXPECT_EQ(d.node(2).proposer().value(), std::optional<V>{42});
  EXPECT_EQ(d.node(2).learned(), std::optional<V>{42});
}

TEST(PaxosScenario, RestartedAcceptorRejectsBallotsBelowItsPersistedPromise) {
  Driver d(3);
  ASSERT_EQ(d.propose(3, 1), ProposeStatus::ok);  // ballot (1,3): outranks (1,1) and (1,2)
  ASSERT_EQ(d.deliver(d.find(MessageType::prepare, 3, 2)), InputResult::ok);
  ASSERT_EQ(d.node(2).acceptor().promised(), (Ballot{1, 3}));
  d.crash(2);
  d.restart(2);
  EXPECT_EQ(d.node(2).acceptor().promised(), (Ballot{1, 3}));
  ASSERT_EQ(d.propose(1, 2), ProposeStatus::ok);  // ballot (1,1)
  ASSERT_EQ(d.deliver(d.find(MessageType::prepare, 1, 2)), InputResult::ok);
  const std::size_t k = d.find(MessageType::nack, 2, 1);
  ASSERT_LT(k, d.in_flight());
  EXPECT_EQ(d.message(k).promised, (Ballot{1, 3}));
  EXPECT_TRUE(d.ok()) << d.detail();
}

// A crash between deciding and persisting loses the decision, but nobody
// heard of it: the held promise never left.
TEST(PaxosScenario, CrashBeforePersistingLosesOnlyWhatNobodySaw) {
  Driver d(3);
  d.set_auto_persist(2, false);
  ASSERT_EQ(d.propose(1, 5), ProposeStatus::ok);
  ASSERT_EQ(d.deliver(d.find(MessageType::prepare, 1, 2)), InputResult::ok);
  EXPECT_EQ(d.node(2).acceptor().promised(), (Ballot{1, 1}));
  EXPECT_EQ(d.node(2).held_messages(), 1u);
  EXPECT_EQ(d.find(MessageType::promise, 2), d.in_flight());
  d.crash(2);
  d.restart(2);
  EXPECT_TRUE(d.node(2).acceptor().promised().is_null());
  // With persistence the same promise leaves.
  d.set_auto_persist(2, true);
  ASSERT_EQ(d.propose(3, 6), ProposeStatus::ok);
  ASSERT_EQ(d.deliver(d.find(MessageType::prepare, 3, 2)), InputResult::ok);
  EXPECT_LT(d.find(MessageType::promise, 2, 3), d.in_flight());
  EXPECT_TRUE(d.ok()) << d.detail();
}

TEST(PaxosScenario, ProposerNeverReusesABallotAfterACrash) {
  Driver d(3);
  ASSERT_EQ(d.propose(1, 5), ProposeStatus::ok);
  ASSERT_EQ(d.start_round(1), InputResult::ok);
  ASSERT_EQ(d.node(1).proposer().ballot(), (Ballot{2, 1}));
  d.crash(1);
  d.restart(1);
  ASSERT_EQ(d.propose(1, 6), ProposeStatus::ok);
  EXPECT_EQ(d.node(1).proposer().ballot(), (Ballot{3, 1}));
  d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
}

// Random schedules with crashes of up to a minority, loss, duplication:
// safety throughout, and progress.
TEST(PaxosScenario, RandomFaultsKeepSafetyAndMakeProgress) {
  test::Faults faults;
  faults.drop_percent = 10;
  faults.duplicate_percent = 10;
  faults.crash_percent = 3;
  faults.max_crashed = 1;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    Options base;
    base.seed = seed;
    base.retry_timeout_min = 5;
    base.retry_timeout_max = 10;
    Driver d(3, base);
    SplitMix64 rng(seed * 7919);
    ASSERT_EQ(d.propose(1, 10), ProposeStatus::ok);
    ASSERT_EQ(d.propose(3, 30), ProposeStatus::ok);
    // A crashed proposer forgets its value (it is volatile): whenever no
    // running node drives a proposal, a client asks a running one again.
    std::size_t steps = 0;
    V next = 100;
    while (steps < 300000 && !(d.chosen() && d.proposers_done() && d.crashed() == 0)) {
      d.random_step(rng, faults);
      ++steps;
      bool driving = false;
      for (NodeId id = 1; id <= 3; ++id)
        driving = driving || (d.up(id) && d.node(id).proposer().own_value().has_value());
      if (!driving) {
        for (NodeId id = 1; id <= 3; ++id)
          if (d.up(id) && !d.node(id).learned()) {
            (void)d.propose(id, next++);
            break;
          }
      }
      ASSERT_TRUE(d.ok()) << d.detail();
    }
    EXPECT_LT(steps, 300000u) << "no progress";
    EXPECT_TRUE(d.chosen().has_value());
  }
}

// ---------------------------------------------- stale and duplicate messages

// After a value is chosen, every message of the run delivered again (stale
// ballots, duplicates) to its recipient changes no node's state.
TEST(PaxosScenario, StaleAndDuplicateMessagesChangeNothing) {
  Driver d(5);
  std::vector<Msg> history;
  ASSERT_EQ(d.propose(1, 1), ProposeStatus::ok);
  // A first round that is pre-empted, then a second that wins: the history
  // holds several ballots.
  ASSERT_EQ(d.propose(2, 2), ProposeStatus::ok);
  for (int i = 0; i < 10000 && !d.all_learned(); ++i) {
    while (d.in_flight() > 0) {
      history.push_back(d.message(0));
      (void)d.deliver(0);
    }
    d.tick_all();
  }
  ASSERT_TRUE(d.all_learned());
  ASSERT_GT(history.size(), 20u);
  std::vector<Node<Config>> before;
  for (NodeId id = 1; id <= 5; ++id) before.push_back(d.node(id));
  for (const Msg& m : history) (void)d.inject(m);
  // Replies to stale requests (nacks) may go out; they too change nothing.
  for (int round = 0; round < 3; ++round) {
    std::size_t n = d.in_flight();
    for (std::size_t k = 0; k < n; ++k) (void)d.deliver(0);
  }
  for (NodeId id = 1; id <= 5; ++id) {
    SCOPED_TRACE(int{id});
    EXPECT_TRUE(d.node(id).protocol_equal(before[id - 1u]));
  }
  EXPECT_TRUE(d.ok()) << d.detail();
}

}  // namespace
}  // namespace synod::paxos
