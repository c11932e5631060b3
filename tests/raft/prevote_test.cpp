// prevote_test.cpp - Options::pre_vote (thesis §9.6), node by node: who
// grants a pre-vote, what never changes (term, vote, nothing to persist), and
// when a pre-candidate starts the real election.
#include <gtest/gtest.h>

#include <cstdint>

#include <synod/raft/node.hpp>

namespace synod::test {
namespace {

using raft::InputResult;
using raft::MessageType;
using raft::Role;
using raft::Term;

struct Config {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 5;
  static constexpr std::size_t max_entries_per_message = 4;
  static constexpr std::size_t log_capacity = 8;
  static constexpr std::size_t outbox_capacity = 8;
};
using Node = raft::Node<Config>;
using Msg = raft::Message<Config>;

raft::Options options(NodeId id, std::uint8_t n = 3) {
  raft::Options o;
  o.id = id;
  o.cluster_size = n;
  o.pre_vote = true;
  o.check_quorum = false;  // pre-votes alone; stickiness has its own tests
  return o;
}

Msg pre_vote(NodeId from, NodeId to, Term term, raft::Index last, Term last_term) {
  Msg m;
  m.type = MessageType::pre_vote;
  m.from = from;
  m.to = to;
  m.term = term;
  m.log_index = last;
  m.log_term = last_term;
  return m;
}

Msg response(NodeId from, NodeId to, Term term, bool granted) {
  Msg m;
  m.type = MessageType::pre_vote_response;
  m.from = from;
  m.to = to;
  m.term = term;
  m.success = granted;
  return m;
}

// A node of term `term` (durable) with one entry of that term.
Node follower_at(NodeId id, Term term) {
  Node n = Node::restart(options(id), raft::HardState{term, kNoNode}, {});
  Msg append;
  append.type = MessageType::append_entries;
  append.from = id == 1 ? 2 : 1;
  append.to = id;
  append.term = term;
  append.entries.push_back({term, 7});
  EXPECT_EQ(n.step(append), InputResult::ok);
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);
  n.clear_messages();
  return n;
}

TEST(RaftPreVote, TimeoutAsksForTermPlusOneWithoutChangingTermOrVote) {
  Node n = follower_at(1, 3);
  EXPECT_EQ(n.campaign(), InputResult::ok);
  EXPECT_EQ(n.role(), Role::pre_candidate);
  EXPECT_EQ(n.term(), 3u);
  EXPECT_EQ(n.voted_for(), kNoNode);
  EXPECT_TRUE(n.persist_request().empty());  // nothing to make durable: the requests leave at once
  ASSERT_EQ(n.messages().size(), 2u);
  for (const Msg& m : n.messages()) {
    EXPECT_EQ(m.type, MessageType::pre_vote);
    EXPECT_EQ(m.term, 4u);
    EXPECT_EQ(m.log_index, 1u);
    EXPECT_EQ(m.log_term, 3u);
  }
}

TEST(RaftPreVote, GrantedOnlyForAHigherTermAndAnUpToDateLog) {
  struct Case {
    Term term;
    raft::Index last;
    Term last_term;
    bool granted;
  };
  for (const Case c : {Case{4, 1, 3, true}, Case{4, 5, 3, true}, Case{4, 1, 4, true}, Case{4, 0, 0, false},
                       Case{4, 1, 2, false}, Case{3, 1, 3, false}, Case{2, 9, 9, false}}) {
    Node n = follower_at(2, 3);
    const Node before = n;
    EXPECT_EQ(n.step(pre_vote(1, 2, c.term, c.last, c.last_term)), InputResult::ok);
    // The voter's own state never changes (no term, no vote, no timer
    // reset): only its answer is queued.
    EXPECT_EQ(n.hard_state(), before.hard_state());
    EXPECT_EQ(n.election_elapsed(), before.election_elapsed());
    EXPECT_EQ(n.term(), 3u);
    EXPECT_EQ(n.voted_for(), kNoNode);
    EXPECT_EQ(n.role(), Role::follower);
    EXPECT_TRUE(n.persist_request().empty());
    ASSERT_EQ(n.messages().size(), 1u);
    const Msg& r = n.messages()[0];
    EXPECT_EQ(r.type, MessageType::pre_vote_response);
    EXPECT_EQ(r.success, c.granted) << c.term << " " << c.last << "@" << c.last_term;
    EXPECT_EQ(r.term, c.granted ? c.term : 3u);  // a grant carries the asked term, a refusal ours
  }
}

TEST(RaftPreVote, AMajorityOfGrantsStartsTheRealElection) {
  Node n = follower_at(1, 3);
  EXPECT_EQ(n.campaign(), InputResult::ok);
  n.clear_messages();
  // A grant for another term, or a refusal of a lower one, is not this round's.
  EXPECT_EQ(n.step(response(2, 1, 5, true)), InputResult::ignored);
  EXPECT_EQ(n.step(response(2, 1, 2, false)), InputResult::ignored);
  EXPECT_EQ(n.role(), Role::pre_candidate);
  EXPECT_EQ(n.step(response(2, 1, 4, true)), InputResult::ok);
  EXPECT_EQ(n.role(), Role::candidate);
  EXPECT_EQ(n.term(), 4u);
  EXPECT_EQ(n.voted_for(), 1u);
  EXPECT_TRUE(n.persist_request().hard_state_changed);  // the real vote is durable before it leaves
}

TEST(RaftPreVote, ARefusalOfAHigherTermMakesThePreCandidateFollowIt) {
  Node n = follower_at(1, 3);
  EXPECT_EQ(n.campaign(), InputResult::ok);
  EXPECT_EQ(n.step(response(2, 1, 6, false)), InputResult::ok);
  EXPECT_EQ(n.role(), Role::follower);
  EXPECT_EQ(n.term(), 6u);
}

TEST(RaftPreVote, RefusalsOfOurTermCountAgainst) {
  Node n = follower_at(1, 3);
  EXPECT_EQ(n.campaign(), InputResult::ok);
  EXPECT_EQ(n.step(response(2, 1, 3, false)), InputResult::ok);
  EXPECT_EQ(n.step(response(3, 1, 3, false)), InputResult::ok);
  EXPECT_EQ(n.role(), Role::pre_candidate);  // lost this round; the next timeout asks again
  EXPECT_EQ(n.term(), 3u);
}

TEST(RaftPreVote, ASingleNodeElectsItselfAtOnce) {
  raft::Options o = options(1, 1);
  Node n(o);
  EXPECT_EQ(n.campaign(), InputResult::ok);
  EXPECT_EQ(n.role(), Role::leader);
  EXPECT_EQ(n.term(), 1u);
}

TEST(RaftPreVote, APreCandidateFollowsALeaderOfItsTerm) {
  Node n = follower_at(1, 3);
  EXPECT_EQ(n.campaign(), InputResult::ok);
  Msg heartbeat;
  heartbeat.type = MessageType::append_entries;
  heartbeat.from = 2;
  heartbeat.to = 1;
  heartbeat.term = 3;
  heartbeat.log_index = 1;
  heartbeat.log_term = 3;
  EXPECT_EQ(n.step(heartbeat), InputResult::ok);
  EXPECT_EQ(n.role(), Role::follower);
  EXPECT_EQ(n.leader_id(), 2u);
}

}  // namespace
}  // namespace synod::test
