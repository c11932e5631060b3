// ReadIndex (thesis §6.4): a read is answered with the leader's commit index
// once the leader has committed an entry of its term and a majority has
// answered a heartbeat round sent after the read arrived.
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

void with_noop(synod::raft::Options& o) { o.append_noop_on_election = true; }

std::vector<ReadState> take_reads(Net::Node& n) {
  std::vector<ReadState> out(n.read_states().begin(), n.read_states().end());
  n.clear_read_states();
  return out;
}

TEST(RaftReadIndex, TheLeaderAnswersAfterAQuorumRound) {
  Net net(3, with_noop);
  net.elect(1);
  ASSERT_EQ(net.node(1).role(), Role::leader);
  const auto commit = net.node(1).commit_index();
  ASSERT_GE(commit, 1u);  // the no-op of its term
  EXPECT_EQ(net.node(1).read_index(42).status, ProposeStatus::ok);
  EXPECT_TRUE(net.node(1).read_states().empty());  // not before the round
  EXPECT_EQ(net.count(MessageType::append_entries), 2u);  // the round starts at once
  // One answer of the round makes a majority with the leader.
  bool one = false;
  net.deliver([](const Msg& m) { return m.type == MessageType::append_entries; });
  net.deliver([&](const Msg& m) {
    if (one || m.type != MessageType::append_entries_response) return false;
    return one = true;
  });
  const auto reads = take_reads(net.node(1));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].id, 42u);
  EXPECT_TRUE(reads[0].ok);
  EXPECT_EQ(reads[0].index, commit);
}

TEST(RaftReadIndex, AnswersToAppendsSentBeforeTheReadDoNotConfirmIt) {
  Net net(3, with_noop);
  net.elect(1);
  (void)net.node(1).broadcast_heartbeat();
  net.deliver([](const Msg& m) { return m.type == MessageType::append_entries; });
  // The answers to that heartbeat are in flight when the read arrives.
  EXPECT_EQ(net.node(1).read_index(1).status, ProposeStatus::ok);
  net.deliver([](const Msg& m) { return m.type == MessageType::append_entries_response; });
  EXPECT_TRUE(net.node(1).read_states().empty());
  net.settle();  // the read's own round
  EXPECT_EQ(take_reads(net.node(1)).size(), 1u);
}

TEST(RaftReadIndex, ReadsWaitForAnEntryOfTheLeadersTerm) {
  Net net(3);  // no no-op: nothing of the new term commits by itself
  net.elect(1);
  EXPECT_EQ(net.node(1).read_index(7).status, ProposeStatus::ok);
  net.settle();
  EXPECT_TRUE(net.node(1).read_states().empty());
  ASSERT_EQ(net.node(1).propose(9).status, ProposeStatus::ok);
  net.settle();
  const auto reads = take_reads(net.node(1));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_TRUE(reads[0].ok);
  EXPECT_EQ(reads[0].index, net.node(1).log().last_index());
}

TEST(RaftReadIndex, ReadsThatArriveDuringARoundShareTheNext) {
  Net net(3, with_noop);
  net.elect(1);
  EXPECT_EQ(net.node(1).read_index(1).status, ProposeStatus::ok);
  const auto first_round = net.node(1).read_round();
  EXPECT_EQ(net.node(1).read_index(2).status, ProposeStatus::ok);
  EXPECT_EQ(net.node(1).read_index(3).status, ProposeStatus::ok);
  EXPECT_EQ(net.node(1).read_round(), first_round);  // 2 and 3 wait for one more round
  net.settle();
  EXPECT_EQ(net.node(1).read_round(), first_round + 1);
  const auto reads = take_reads(net.node(1));
  ASSERT_EQ(reads.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(reads[k].id, k + 1);
    EXPECT_TRUE(reads[k].ok);
  }
}

TEST(RaftReadIndex, AFollowerGetsTheIndexFromTheLeader) {
  Net net(3, with_noop);
  net.elect(1);
  ASSERT_EQ(net.node(1).propose(5).status, ProposeStatus::ok);
  net.settle();
  const auto r = net.node(2).read_index(11);
  EXPECT_EQ(r.status, ProposeStatus::ok);
  EXPECT_EQ(r.leader_hint, 1u);
  EXPECT_EQ(net.count(MessageType::read_index), 1u);
  net.settle();
  const auto reads = take_reads(net.node(2));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].id, 11u);
  EXPECT_TRUE(reads[0].ok);
  EXPECT_EQ(reads[0].index, net.node(1).commit_index());
  EXPECT_TRUE(net.node(1).read_states().empty());  // the leader keeps nothing of it
}

TEST(RaftReadIndex, WithoutALeaderThereIsNobodyToAsk) {
  Net net(3);
  const auto r = net.node(2).read_index(1);
  EXPECT_EQ(r.status, ProposeStatus::not_leader);
  EXPECT_EQ(r.leader_hint, synod::kNoNode);
}

TEST(RaftReadIndex, PendingReadsAreBounded) {
  Net net(3, with_noop);
  net.elect(1);
  net.isolate(1);  // no round completes
  for (synod::raft::ReadId id = 1; id <= synod::test::NetConfig::max_pending_reads; ++id)
    EXPECT_EQ(net.node(1).read_index(id).status, ProposeStatus::ok);
  EXPECT_EQ(net.node(1).pending_reads(), synod::test::NetConfig::max_pending_reads);
  EXPECT_EQ(net.node(1).read_index(99).status, ProposeStatus::busy);
}

TEST(RaftReadIndex, ALeaderThatStepsDownFailsItsPendingReads) {
  Net net(3, with_noop);
  net.elect(1);
  net.isolate(1);
  EXPECT_EQ(net.node(1).read_index(5).status, ProposeStatus::ok);
  (void)net.node(1).lease_timeout();
  (void)net.node(1).lease_timeout();  // no answers: steps down
  ASSERT_EQ(net.node(1).role(), Role::follower);
  const auto reads = take_reads(net.node(1));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].id, 5u);
  EXPECT_FALSE(reads[0].ok);
  EXPECT_EQ(net.node(1).pending_reads(), 0u);
}

// Linearizability: a leader that was deposed without knowing it must not
// answer a read that misses a write the new leader committed.
TEST(RaftReadIndex, ADeposedLeaderNeverAnswersAStaleRead) {
  Net net(3, [](synod::raft::Options& o) {
    o.append_noop_on_election = true;
    o.check_quorum = false;  // so the old leader does not step down by itself
  });
  net.elect(1);
  net.isolate(1);
  (void)net.node(2).campaign();
  net.settle();
  ASSERT_EQ(net.node(2).role(), Role::leader);
  ASSERT_EQ(net.node(2).propose(77).status, ProposeStatus::ok);
  net.settle();
  const auto committed = net.node(2).commit_index();
  ASSERT_EQ(net.node(1).role(), Role::leader);  // still believes it leads
  EXPECT_EQ(net.node(1).read_index(3).status, ProposeStatus::ok);
  net.heal();
  net.settle();  // its round meets the higher term
  for (const auto& r : take_reads(net.node(1))) {
    if (r.ok) {
      EXPECT_GE(r.index, committed);
    }
  }
  EXPECT_NE(net.node(1).role(), Role::leader);
}

TEST(RaftReadIndex, ASingleNodeAnswersAtOnce) {
  Net net(1, with_noop);
  (void)net.node(1).campaign();
  net.flush();
  ASSERT_EQ(net.node(1).role(), Role::leader);
  ASSERT_GE(net.node(1).commit_index(), 1u);
  EXPECT_EQ(net.node(1).read_index(8).status, ProposeStatus::ok);
  const auto reads = take_reads(net.node(1));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_TRUE(reads[0].ok);
}

TEST(RaftReadIndex, AReadRequestOfAStaleTermIsRefused) {
  Net net(3, with_noop);
  net.elect(1);
  Msg m;
  m.type = MessageType::read_index;
  m.from = 2;
  m.to = 1;
  m.term = net.node(1).term() - 1;
  m.context = 4;
  EXPECT_EQ(net.node(1).step(m), InputResult::ok);
  net.flush();
  ASSERT_FALSE(net.in_flight().empty());
  const Msg& answer = net.in_flight().back();
  EXPECT_EQ(answer.type, MessageType::read_index_response);
  EXPECT_FALSE(answer.success);
  EXPECT_EQ(answer.context, 4u);
  EXPECT_EQ(answer.term, net.node(1).term());
}

}  // namespace
