// Whole clusters under random schedules: many seeds of loss, duplication,
// reordering and crashes, each checking safety at every step (the driver's
// ghost checks: agreement, validity, the durability contract, acceptor
// monotonicity) and progress. The deterministic cluster scenarios of issue 3
// are scenario files (testdata/*.txt, run by paxos_datadriven_test): these
// loops over seeds stay here, as a file of one fixed schedule cannot say
// "for each of 60 seeds".
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "driver.hpp"

namespace synod::paxos {
namespace {

using Config = DefaultConfig;
using V = Config::Value;
using Driver = test::Driver<Config>;

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

}  // namespace
}  // namespace synod::paxos
