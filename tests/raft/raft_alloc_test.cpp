// raft_alloc_test.cpp - the kernel never allocates (DESIGN.md principle 2).
//
// This executable replaces the global operator new with a counting one
// (synod_alloc_counter). The cluster driver sums allocations made *inside*
// kernel calls only; the driver's own bookkeeping may allocate.
#include <gtest/gtest.h>

#include <random>

#include "alloc_counter.hpp"
#include "cluster.hpp"

namespace synod::test {
namespace {

TEST(RaftAllocation, FiveNodeClusterWithFaultsAndCompactionNeverAllocates) {
  RaftCluster<> c(5, 7);
  c.allocation_counter = &allocation_count;
  std::mt19937_64 rng(12345);
  auto pick = [&](std::uint64_t n) { return static_cast<std::size_t>(rng() % n); };
  std::uint64_t steps = 0, proposals = 0, crashes = 0, elections_seen = 0, compactions = 0, installs = 0;
  raft::Term last_term = 0;
  raft::Index max_commit = 0;
  while (steps < 120000) {
    ++steps;
    const auto id = static_cast<NodeId>(1 + pick(5));
    const std::size_t dice = pick(100);
    if (dice < 30) {
      c.tick(id);
    } else if (dice < 75) {
      if (!c.network().empty()) {
        const std::size_t k = pick(c.network().size());
        const NodeId to = c.network()[k].to;
        const raft::Index before = c.up(to) ? c.node(to).snapshot().index : 0;
        (void)c.deliver(k);
        installs += c.up(to) && c.node(to).snapshot().index > before;
      }
    } else if (dice < 80) {
      if (!c.network().empty()) c.drop(pick(c.network().size()));
    } else if (dice < 82) {
      if (!c.network().empty() && c.network().size() < 400) (void)c.duplicate(pick(c.network().size()));
    } else if (dice < 95) {
      // The ghost history keeps 2 * log_capacity committed entries.
      if (auto l = c.leader(); l && c.node(*l).log().last_index() < 2 * RaftTestConfig::log_capacity - 64) {
        auto r = c.propose(*l, steps);
        proposals += r.status == raft::ProposeStatus::ok;
      }
    } else if (dice < 96) {
      // Now and then a compaction (the log window is 512: lagging nodes
      // then need InstallSnapshot).
      if (pick(3) == 0 && c.up(id) && c.node(id).applied_index() > c.node(id).snapshot().index + 8) {
        compactions += c.compact(id);
      } else if (c.up(id)) {
        c.crash(id);
        ++crashes;
      } else {
        c.restart(id, steps);
      }
    } else if (dice < 97) {
      c.isolate(id);
    } else if (dice < 99) {
      c.heal();
    } else {
      for (NodeId n = 1; n <= 5; ++n)
        if (!c.up(n)) c.restart(n, steps);
    }
    if (auto l = c.leader(); l && c.node(*l).term() != last_term) {
      last_term = c.node(*l).term();
      ++elections_seen;
    }
    while (c.network().size() > 500) c.drop(0);
    for (NodeId n = 1; n <= 5; ++n)
      if (c.up(n)) max_commit = std::max<raft::Index>(max_commit, c.node(n).commit_index());
    ASSERT_TRUE(c.committed_prefixes_agree()) << "at step " << steps;
    ASSERT_TRUE(c.ok()) << c.failure()->detail;
  }
  EXPECT_EQ(c.kernel_allocations, 0u) << "over " << c.kernel_calls << " kernel calls";
  EXPECT_GE(c.kernel_calls, 100000u);
  // The run exercised what it claims to.
  EXPECT_GT(elections_seen, 3u);
  EXPECT_GT(proposals, 100u);
  EXPECT_GT(crashes, 10u);
  EXPECT_GT(max_commit, 10u);
  EXPECT_GT(compactions, 10u);
  EXPECT_GT(installs, 0u);  // a node got a snapshot over the network
}

// The counter itself works: otherwise the test above could never fail.
TEST(RaftAllocation, CounterSeesAllocations) {
  AllocationScope scope;
  int* volatile p = new int(3);  // volatile: the new/delete pair may not be elided
  delete p;
  EXPECT_GE(scope.allocations(), 1u);
}

}  // namespace
}  // namespace synod::test
