// raft_paper_test.cpp - the Raft node checks that are not cluster scenarios:
// a kernel capacity (a broadcast that does not fit, a full log window) and
// state as a value. The scenarios from the extended Raft paper (§5.1-§5.4,
// Figures 2, 7, 8) are scenario files: testdata/*.txt, run by
// raft_datadriven_test (scenario.hpp has their commands).
#include <gtest/gtest.h>

#include "cluster.hpp"

namespace synod::test {
namespace {

using raft::ProposeStatus;
using Cluster = RaftCluster<>;

// A broadcast that does not fit the queue is lost whole: a partial one
// would always reach the lower ids, so a node and its renamed twin (the
// checker's --symmetry) would act differently. Here the outbox holds 3
// messages and a candidate that campaigns twice without persisting still
// holds its two first-term RequestVotes: the second term's go to nobody.
struct SmallOutboxConfig : RaftTestConfig {
  static constexpr std::size_t max_nodes = 3;
  static constexpr std::size_t outbox_capacity = 3;
};

TEST(RaftDurability, BroadcastThatDoesNotFitIsLostWhole) {
  for (NodeId id = 1; id <= 3; ++id) {
    raft::Options o;
    o.id = id;
    o.cluster_size = 3;
    o.pre_vote = false;  // a campaign is a RequestVote broadcast at once
    raft::Node<SmallOutboxConfig> n(o);
    ASSERT_EQ(n.campaign(), raft::InputResult::ok);
    ASSERT_EQ(n.held_messages(), 2u);
    EXPECT_EQ(n.campaign(), raft::InputResult::overflow);  // term 2: one slot left for two peers
    EXPECT_EQ(n.term(), 2u);
    ASSERT_EQ(n.held_messages(), 2u) << "node " << int{id} << " sent part of a broadcast";
    for (const auto& m : n.held()) EXPECT_EQ(m.term, 1u);
  }
}

// Capacity: a full log window refuses proposals as busy, never overflows.
struct TinyLogConfig : RaftTestConfig {
  static constexpr std::size_t log_capacity = 3;
};

TEST(RaftCapacity, FullLogRefusesAsBusy) {
  using Tiny = TinyLogConfig;
  RaftCluster<Tiny> c(1);
  ASSERT_TRUE(c.elect());
  for (std::uint64_t v = 1; v <= 3; ++v) EXPECT_EQ(c.propose(1, v).status, ProposeStatus::ok);
  auto r = c.propose(1, 4);
  EXPECT_EQ(r.status, ProposeStatus::busy);
  EXPECT_EQ(c.node(1).log().last_index(), 3u);
}

// State as a value: copies compare equal and hash alike; renaming matters.
TEST(RaftValue, CopiesCompareAndHashEqually) {
  Cluster c(3);
  auto l = c.elect();
  ASSERT_TRUE(l);
  ASSERT_EQ(c.propose(*l, 3).status, ProposeStatus::ok);
  auto copy = c.node(*l);
  EXPECT_TRUE(copy == c.node(*l));
  EXPECT_EQ(copy.hash(), c.node(*l).hash());
  const NodeId other = *l == 1 ? 2 : 1;
  Renaming swap;
  swap.set(*l, other);
  swap.set(other, *l);
  EXPECT_NE(copy.hash(swap), copy.hash());
  EXPECT_EQ(copy.tick(), raft::InputResult::ok);  // timers are not part of the protocol hash
  EXPECT_EQ(copy.hash(), c.node(*l).hash());
}

}  // namespace
}  // namespace synod::test
