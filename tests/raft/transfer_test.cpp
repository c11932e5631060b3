// Leadership transfer (thesis §3.10): the leader brings the target up to
// date, then tells it to campaign at once (TimeoutNow).
#include <gtest/gtest.h>

#include "net.hpp"

namespace {

using synod::NodeId;
using synod::raft::InputResult;
using synod::raft::MessageType;
using synod::raft::ProposeStatus;
using synod::raft::Role;
using synod::test::Net;
using Msg = Net::Msg;

TEST(RaftTransfer, AnUpToDateTargetGetsTimeoutNowAndWins) {
  Net net(3);
  net.elect(1);
  const auto term = net.node(1).term();
  EXPECT_EQ(net.node(1).transfer_leadership(2), InputResult::ok);
  EXPECT_EQ(net.node(1).transfer_target(), 2u);
  EXPECT_EQ(net.node(1).propose(7).status, ProposeStatus::busy);  // no proposals while handing over
  EXPECT_EQ(net.count(MessageType::timeout_now), 1u);
  net.settle();
  EXPECT_EQ(net.node(2).role(), Role::leader);
  EXPECT_EQ(net.node(2).term(), term + 1);
  EXPECT_EQ(net.node(1).role(), Role::follower);
  EXPECT_EQ(net.node(1).transfer_target(), synod::kNoNode);
}

TEST(RaftTransfer, ALaggingTargetIsCaughtUpBeforeTimeoutNow) {
  Net net(3, [](synod::raft::Options& o) { o.append_noop_on_election = true; });
  net.elect(1);
  net.cut(1, 3);
  ASSERT_EQ(net.node(1).propose(5).status, ProposeStatus::ok);
  ASSERT_EQ(net.node(1).propose(6).status, ProposeStatus::ok);
  net.settle();
  ASSERT_LT(net.node(1).match_index(3), net.node(1).log().last_index());
  net.heal();
  EXPECT_EQ(net.node(1).transfer_leadership(3), InputResult::ok);
  // First an AppendEntries, no TimeoutNow: the target could not win yet.
  EXPECT_EQ(net.count(MessageType::timeout_now), 0u);
  EXPECT_GE(net.count(MessageType::append_entries), 1u);
  // Every TimeoutNow that leaves names a log the target has.
  for (int round = 0; round < 20; ++round) {
    for (const auto& m : net.in_flight())
      if (m.type == MessageType::timeout_now) {
        EXPECT_EQ(m.to, 3u);
        EXPECT_GE(net.node(3).log().last_index(), m.log_index);
        EXPECT_EQ(net.node(3).log().term_at(m.log_index), m.log_term);
      }
    if (net.deliver() == 0) break;
  }
  EXPECT_EQ(net.node(3).role(), Role::leader);
  EXPECT_EQ(net.node(3).log().last_index(), net.node(1).log().last_index());
}

TEST(RaftTransfer, IsAbandonedAfterAnElectionTimeout) {
  Net net(3);
  net.elect(1);
  net.isolate(2);
  EXPECT_EQ(net.node(1).transfer_leadership(2), InputResult::ok);
  net.drop_all();
  EXPECT_EQ(net.node(1).propose(1).status, ProposeStatus::busy);
  (void)net.node(1).broadcast_heartbeat();
  net.deliver();  // node 3 answers: the leader keeps its quorum
  EXPECT_EQ(net.node(1).lease_timeout(), InputResult::ok);
  EXPECT_EQ(net.node(1).role(), Role::leader);
  EXPECT_EQ(net.node(1).transfer_target(), synod::kNoNode);
  EXPECT_EQ(net.node(1).propose(1).status, ProposeStatus::ok);
}

TEST(RaftTransfer, OnlyALeaderTransfersAndOnlyToAPeer) {
  Net net(3);
  net.elect(1);
  EXPECT_EQ(net.node(2).transfer_leadership(3), InputResult::ignored);
  EXPECT_EQ(net.node(1).transfer_leadership(1), InputResult::ignored);
  EXPECT_EQ(net.node(1).transfer_leadership(0), InputResult::ignored);
  EXPECT_EQ(net.node(1).transfer_leadership(4), InputResult::ignored);
  EXPECT_EQ(net.node(1).transfer_target(), synod::kNoNode);
}

// A TimeoutNow of an older term (the transfer long over) does nothing.
TEST(RaftTransfer, AStaleTimeoutNowIsIgnored) {
  Net net(3);
  net.elect(1);
  Msg m;
  m.type = MessageType::timeout_now;
  m.from = 1;
  m.to = 2;
  m.term = net.node(2).term() - 1;
  EXPECT_EQ(net.node(2).step(m), InputResult::ignored);
  EXPECT_EQ(net.node(2).role(), Role::follower);
}

}  // namespace

namespace {

// Bad input: a TimeoutNow from outside the cluster is ignored, and one with
// the highest term a node takes makes it follow that term but never
// campaign past it (the term would wrap).
TEST(RaftTransfer, AForgedTimeoutNowNeverMakesATermWrap) {
  Net net(3);
  net.elect(1);
  Msg m;
  m.type = MessageType::timeout_now;
  m.to = 2;
  m.from = 9;  // not a member
  m.term = net.node(2).term();
  const Net::Node before = net.node(2);
  EXPECT_EQ(net.node(2).step(m), InputResult::ignored);
  EXPECT_TRUE(net.node(2) == before);
  m.from = 3;
  m.term = ~synod::raft::Term{0};  // 2^64 - 1: refused outright
  EXPECT_EQ(net.node(2).step(m), InputResult::ignored);
  m.term = synod::raft::kMaxTerm;
  (void)net.node(2).step(m);
  EXPECT_EQ(net.node(2).term(), synod::raft::kMaxTerm);
  EXPECT_NE(net.node(2).role(), Role::candidate);
  EXPECT_EQ(net.node(2).campaign(), InputResult::ignored);
  EXPECT_EQ(net.node(2).term(), synod::raft::kMaxTerm);
}

}  // namespace
