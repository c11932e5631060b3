// Lease reads (thesis §6.4.1): with Options::lease_reads the leader answers
// reads at once for a while after a majority answered a read round.
#include <gtest/gtest.h>

#include "net.hpp"

namespace {

using synod::NodeId;
using synod::raft::InputResult;
using synod::raft::MessageType;
using synod::raft::ProposeStatus;
using synod::raft::ReadState;
using synod::raft::Role;
using synod::test::Net;
using Msg = Net::Msg;

void with_lease(synod::raft::Options& o) {
  o.append_noop_on_election = true;
  o.lease_reads = true;
}

std::size_t answered(Net::Node& n) {
  const std::size_t k = n.read_states().size();
  for (const auto& r : n.read_states()) EXPECT_TRUE(r.ok);
  n.clear_read_states();
  return k;
}

// Leader 1 of 3 with a lease from one settled read round.
Net leased() {
  Net net(3, with_lease);
  net.elect(1);
  EXPECT_EQ(net.node(1).read_index(1).status, ProposeStatus::ok);
  net.settle();
  EXPECT_EQ(answered(net.node(1)), 1u);
  EXPECT_TRUE(net.node(1).lease_valid());
  return net;
}

TEST(RaftLeaseRead, OnlyWithCheckQuorumAndADriftBelowTheElectionTimeout) {
  using N = Net::Node;
  synod::raft::Options o;
  o.cluster_size = 3;
  o.lease_reads = true;
  EXPECT_TRUE(N::valid(o));
  o.check_quorum = false;
  EXPECT_FALSE(N::valid(o));
  o.check_quorum = true;
  o.lease_drift_ticks = o.election_timeout_min;
  EXPECT_FALSE(N::valid(o));
  EXPECT_FALSE(synod::raft::Options{}.lease_reads);  // opt-in
}

TEST(RaftLeaseRead, WithinTheLeaseReadsNeedNoRound) {
  Net net = leased();
  const auto round = net.node(1).read_round();
  EXPECT_EQ(net.node(1).read_index(2).status, ProposeStatus::ok);
  EXPECT_EQ(net.count(MessageType::append_entries), 0u);  // nothing sent
  EXPECT_EQ(net.node(1).read_round(), round);
  EXPECT_EQ(answered(net.node(1)), 1u);
}

TEST(RaftLeaseRead, AFollowersReadIsAnsweredWithoutARoundToo) {
  Net net = leased();
  const auto round = net.node(1).read_round();
  EXPECT_EQ(net.node(2).read_index(9).status, ProposeStatus::ok);
  net.settle();
  EXPECT_EQ(net.node(1).read_round(), round);
  EXPECT_EQ(answered(net.node(2)), 1u);
}

TEST(RaftLeaseRead, TheLeaseEndsByTheLeadersClockBeforeTheFollowersVoteAgain) {
  Net net = leased();
  const auto& o = net.node(1).options();
  const std::uint32_t lease = o.election_timeout_min - o.lease_drift_ticks;
  for (std::uint32_t t = 0; t < lease; ++t) (void)net.node(1).tick();
  EXPECT_FALSE(net.node(1).lease_valid());
  EXPECT_EQ(net.node(1).read_index(3).status, ProposeStatus::ok);
  EXPECT_EQ(answered(net.node(1)), 0u);  // a round again
  net.settle();
  EXPECT_EQ(answered(net.node(1)), 1u);
  EXPECT_TRUE(net.node(1).lease_valid());  // and that round renewed it
}

TEST(RaftLeaseRead, ALeaseTimeoutEndsIt) {
  Net net = leased();
  EXPECT_EQ(net.node(1).lease_timeout(), InputResult::ok);
  EXPECT_FALSE(net.node(1).lease_valid());
}

// TimeoutNow makes voters ignore stickiness, so the lease cannot hold in
// the rest of the term, even after the transfer is abandoned.
TEST(RaftLeaseRead, NoLeaseAfterTimeoutNowInTheTerm) {
  Net net = leased();
  net.isolate(2);
  EXPECT_EQ(net.node(1).transfer_leadership(2), InputResult::ok);
  EXPECT_TRUE(net.node(1).sent_timeout_now());
  EXPECT_FALSE(net.node(1).lease_valid());
  net.drop_all();
  (void)net.node(1).lease_timeout();  // abandons the transfer; node 3 answered, so it still leads
  ASSERT_EQ(net.node(1).role(), Role::leader);
  ASSERT_EQ(net.node(1).transfer_target(), synod::kNoNode);
  net.heal();
  (void)net.node(1).broadcast_heartbeat();
  net.settle();
  EXPECT_EQ(net.node(1).read_index(4).status, ProposeStatus::ok);
  net.settle();
  EXPECT_EQ(answered(net.node(1)), 1u);  // ReadIndex still works
  EXPECT_FALSE(net.node(1).lease_valid());
}

TEST(RaftLeaseRead, ARestartedNodeGrantsNoVoteForAnElectionTimeout) {
  Net net = leased();
  const Net::Node& before = net.node(2);
  Net::Node again = Net::Node::restart(before.options(), before.hard_state(), before.log());
  EXPECT_TRUE(again.in_leader_lease());
  Msg vote;
  vote.type = MessageType::request_vote;
  vote.from = 3;
  vote.to = 2;
  vote.term = again.term() + 1;
  vote.log_index = 100;
  vote.log_term = 100;
  EXPECT_EQ(again.step(vote), InputResult::ignored);
  for (std::uint32_t t = 0; t < before.options().election_timeout_min; ++t) (void)again.tick();
  EXPECT_FALSE(again.in_leader_lease());
}

// The clock assumption at work, with every clock at the same rate: the
// cut-off leader's lease ends before the others can elect anyone.
TEST(RaftLeaseRead, NoOtherLeaderWhileTheLeaseHolds) {
  Net net = leased();
  net.isolate(1);
  bool other_leader = false;
  for (int t = 0; t < 400 && !other_leader; ++t) {
    for (NodeId id = 1; id <= 3; ++id) (void)net.node(id).tick();
    net.deliver();
    other_leader = net.node(2).role() == Role::leader || net.node(3).role() == Role::leader;
    if (other_leader) {
      EXPECT_FALSE(net.node(1).lease_valid()) << "tick " << t;
    }
  }
  EXPECT_TRUE(other_leader);
}

TEST(RaftLeaseRead, WithoutLeaseReadsEveryReadHasARound) {
  Net net(3, [](synod::raft::Options& o) { o.append_noop_on_election = true; });
  net.elect(1);
  for (synod::raft::ReadId id = 1; id <= 2; ++id) {
    EXPECT_EQ(net.node(1).read_index(id).status, ProposeStatus::ok);
    EXPECT_EQ(answered(net.node(1)), 0u);
    net.settle();
    EXPECT_EQ(answered(net.node(1)), 1u);
    EXPECT_FALSE(net.node(1).lease_valid());
  }
}

}  // namespace
