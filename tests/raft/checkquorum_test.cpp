// CheckQuorum and leader stickiness (thesis §6.2, §9.6): a leader that
// cannot hear from a majority steps down, and nodes that hear from a live
// leader ignore (pre)votes that could only disrupt it.
#include <gtest/gtest.h>

#include "net.hpp"

namespace {

using synod::NodeId;
using synod::raft::InputResult;
using synod::raft::MessageType;
using synod::raft::Role;
using synod::test::Net;
using Msg = Net::Msg;

Msg vote_request(NodeId from, NodeId to, synod::raft::Term term, std::uint64_t context = 0) {
  Msg m;
  m.type = MessageType::request_vote;
  m.from = from;
  m.to = to;
  m.term = term;
  m.log_index = 100;  // up to date whatever the voter has
  m.log_term = 100;
  m.context = context;
  return m;
}

TEST(RaftCheckQuorum, OnByDefaultWithPreVote) {
  const synod::raft::Options o;
  EXPECT_TRUE(o.check_quorum);
  EXPECT_TRUE(o.pre_vote);
}

TEST(RaftCheckQuorum, ALeaderCutOffFromTheMajorityStepsDownWithinTwoElectionTimeouts) {
  Net net(3);
  net.elect(1);
  ASSERT_EQ(net.node(1).role(), Role::leader);
  const auto term = net.node(1).term();
  net.isolate(1);
  const auto timeout = net.node(1).options().election_timeout_min;
  for (std::uint32_t t = 0; t < 2 * timeout && net.node(1).role() == Role::leader; ++t) {
    (void)net.node(1).tick();
    net.deliver();
  }
  EXPECT_EQ(net.node(1).role(), Role::follower);
  EXPECT_EQ(net.node(1).term(), term);  // stepping down never changes the term
  EXPECT_EQ(net.node(1).leader_id(), synod::kNoNode);
}

TEST(RaftCheckQuorum, ALeaderThatHearsFromAMajorityKeepsLeading) {
  Net net(5);
  net.elect(1);
  net.cut(1, 4);
  net.cut(1, 5);  // 1, 2, 3 are a majority
  const auto term = net.node(1).term();
  for (int t = 0; t < 200; ++t) {
    (void)net.node(1).tick();
    net.deliver();
  }
  EXPECT_EQ(net.node(1).role(), Role::leader);
  EXPECT_EQ(net.node(1).term(), term);
}

TEST(RaftCheckQuorum, WithoutItALeaderAloneKeepsBelievingItLeads) {
  Net net(3, [](synod::raft::Options& o) { o.check_quorum = false; });
  net.elect(1);
  net.isolate(1);
  for (int t = 0; t < 200; ++t) {
    (void)net.node(1).tick();
    net.deliver();
  }
  EXPECT_EQ(net.node(1).role(), Role::leader);
}

TEST(RaftCheckQuorum, LeaseTimeoutStepsDownOnlyWithoutAnswers) {
  Net net(3);
  net.elect(1);
  (void)net.node(1).broadcast_heartbeat();
  net.settle();  // both answered
  EXPECT_EQ(net.node(1).lease_timeout(), InputResult::ok);  // forgets who answered
  EXPECT_EQ(net.node(1).role(), Role::leader);
  EXPECT_EQ(net.node(1).lease_timeout(), InputResult::ok);  // nobody answered since
  EXPECT_EQ(net.node(1).role(), Role::follower);
}

// `ignored` means the node is == to what it was, timers included.
TEST(RaftCheckQuorum, ALeaseTimeoutWithNothingToDoChangesNothing) {
  Net net(3, [](synod::raft::Options& o) { o.check_quorum = false; });
  net.elect(1);
  for (int t = 0; t < 2; ++t) (void)net.node(1).tick();  // the leader's timers are not at zero
  for (NodeId id = 1; id <= 3; ++id) {
    const Net::Node before = net.node(id);
    EXPECT_EQ(net.node(id).lease_timeout(), InputResult::ignored) << id;
    EXPECT_TRUE(net.node(id) == before) << id;
  }
}

TEST(RaftCheckQuorum, AFollowerThatHearsFromItsLeaderIgnoresVotesForLaterTerms) {
  Net net(3);
  net.elect(1);
  Net::Node& f = net.node(2);
  ASSERT_TRUE(f.in_leader_lease());
  const auto term = f.term();
  const Net::Node before = f;
  EXPECT_EQ(f.step(vote_request(3, 2, term + 1)), InputResult::ignored);
  EXPECT_TRUE(f == before);  // not even the term moved
  Msg pre = vote_request(3, 2, term + 1);
  pre.type = MessageType::pre_vote;
  EXPECT_EQ(f.step(pre), InputResult::ignored);
  // Once an election timeout passes without the leader, it votes again.
  EXPECT_EQ(f.lease_timeout(), InputResult::ok);
  EXPECT_FALSE(f.in_leader_lease());
  EXPECT_EQ(f.lease_timeout(), InputResult::ignored);  // nothing left to forget
  EXPECT_EQ(f.step(vote_request(3, 2, term + 1)), InputResult::ok);
  EXPECT_EQ(f.term(), term + 1);
  EXPECT_EQ(f.voted_for(), 3u);
}

TEST(RaftCheckQuorum, TheLeaderItselfIgnoresVotesForLaterTerms) {
  Net net(3);
  net.elect(1);
  const auto term = net.node(1).term();
  EXPECT_EQ(net.node(1).step(vote_request(3, 1, term + 1)), InputResult::ignored);
  EXPECT_EQ(net.node(1).role(), Role::leader);
  // Without CheckQuorum the same request deposes it (Figure 2).
  Net plain(3, [](synod::raft::Options& o) { o.check_quorum = false; });
  plain.elect(1);
  EXPECT_EQ(plain.node(1).step(vote_request(3, 1, term + 1)), InputResult::ok);
  EXPECT_EQ(plain.node(1).role(), Role::follower);
}

TEST(RaftCheckQuorum, ATransferVoteIsGrantedDuringTheLease) {
  Net net(3);
  net.elect(1);
  const auto term = net.node(2).term();
  ASSERT_TRUE(net.node(2).in_leader_lease());
  EXPECT_EQ(net.node(2).step(vote_request(3, 2, term + 1, synod::raft::kTransferVote)), InputResult::ok);
  EXPECT_EQ(net.node(2).term(), term + 1);
  EXPECT_EQ(net.node(2).voted_for(), 3u);
}

// The situation both features are for: a node cut off for a long time comes
// back and the leader, which kept its majority, keeps leading in its term.
TEST(RaftCheckQuorum, ANodeThatRejoinsDoesNotDisturbAHealthyLeader) {
  Net net(3);
  net.elect(1);
  const auto term = net.node(1).term();
  net.isolate(3);
  for (int t = 0; t < 300; ++t) {
    for (NodeId id = 1; id <= 3; ++id) (void)net.node(id).tick();
    net.deliver();
  }
  EXPECT_EQ(net.node(3).term(), term);  // pre-votes never raised it
  net.heal();
  for (int t = 0; t < 100; ++t) {
    for (NodeId id = 1; id <= 3; ++id) (void)net.node(id).tick();
    net.deliver();
  }
  EXPECT_EQ(net.node(1).role(), Role::leader);
  EXPECT_EQ(net.node(1).term(), term);
  EXPECT_EQ(net.node(3).leader_id(), 1u);
}

// After the leader dies the others' leases lapse and one of them is elected.
TEST(RaftCheckQuorum, TheOthersElectANewLeaderWhenTheLeaderDies) {
  Net net(3);
  net.elect(1);
  net.isolate(1);
  bool elected = false;
  for (int t = 0; t < 500 && !elected; ++t) {
    for (NodeId id = 2; id <= 3; ++id) (void)net.node(id).tick();
    net.deliver();
    elected = net.node(2).role() == Role::leader || net.node(3).role() == Role::leader;
  }
  EXPECT_TRUE(elected);
}

}  // namespace
