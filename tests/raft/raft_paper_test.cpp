// raft_paper_test.cpp - scenarios from the extended Raft paper, each citing
// the section or figure it checks.
#include <gtest/gtest.h>

#include <vector>

#include "cluster.hpp"

namespace synod::test {
namespace {

using raft::HardState;
using raft::Index;
using raft::MessageType;
using raft::ProposeStatus;
using raft::Role;
using raft::Term;
using Cluster = RaftCluster<>;
using Log = Cluster::Log;

// Log Matching: entries with the same index and term hold the same command,
// so the payload is derived from both.
Log log_of(const std::vector<Term>& terms) {
  Log log;
  for (std::size_t i = 0; i < terms.size(); ++i)
    EXPECT_TRUE(log.append({terms[i], terms[i] * 1000 + i + 1}));
  return log;
}

std::vector<Term> terms_of(const Log& log) {
  std::vector<Term> t;
  for (Index i = 1; i <= log.last_index(); ++i) t.push_back(log.at(i).term);
  return t;
}

// Replace node id's state by a restart from the given persisted state.
void install(Cluster& c, NodeId id, Term term, const Log& log) {
  c.crash(id);
  c.disk(id) = {HardState{term, kNoNode}, log};
  c.restart(id);
}

// §5.2: a single node that times out elects itself once its vote is durable.
TEST(RaftElection, SingleNodeElectsItselfAndCommits) {
  Cluster c(1);
  ASSERT_EQ(c.elect(), 1);
  auto r = c.propose(1, 42);
  ASSERT_EQ(r.status, ProposeStatus::ok);
  EXPECT_EQ(c.node(1).commit_index(), 1u);
  ASSERT_EQ(c.applied(1).size(), 1u);
  EXPECT_EQ(c.applied(1)[0].payload, 42u);
}

// §5.2: one leader per term; followers learn it; proposals elsewhere are refused.
TEST(RaftElection, ThreeNodesElectOneLeaderAndFollowersNameIt) {
  Cluster c(3);
  auto l = c.elect();
  ASSERT_TRUE(l);
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(c.node(id).term(), c.node(*l).term());
    if (id == *l) continue;
    EXPECT_EQ(c.node(id).role(), Role::follower);
    EXPECT_EQ(c.node(id).leader_id(), *l);
    auto r = c.propose(id, 7);
    EXPECT_EQ(r.status, ProposeStatus::not_leader);
    EXPECT_EQ(r.leader_hint, *l);
  }
}

// §5.2: split votes resolve through randomized timeouts.
TEST(RaftElection, SplitVoteResolves) {
  Cluster c(4);  // an even cluster makes a 2-2 split possible
  c.campaign(1);
  c.campaign(2);
  c.deliver_all();
  // Both candidates collected their own vote and one other at most.
  int leaders = 0;
  for (NodeId id = 1; id <= 4; ++id) leaders += c.node(id).role() == Role::leader;
  EXPECT_LE(leaders, 1);
  auto l = c.elect(2000);
  ASSERT_TRUE(l);
  for (NodeId id = 1; id <= 4; ++id) {
    if (id != *l && c.node(id).term() == c.node(*l).term()) {
      EXPECT_NE(c.node(id).role(), Role::leader);
    }
  }
}

// §5.2, §5.4.1: votes are granted once per term, only to up-to-date logs.
TEST(RaftElection, VoteOncePerTermAndOnlyForUpToDateLogs) {
  Cluster c(3);
  install(c, 1, 1, log_of({1, 1}));
  install(c, 2, 1, log_of({1}));
  install(c, 3, 1, log_of({1, 1}));
  c.campaign(2);  // term 2, log shorter than 1's and 3's
  c.deliver_all();
  EXPECT_EQ(c.node(2).role(), Role::candidate);
  EXPECT_EQ(c.node(1).voted_for(), kNoNode);
  EXPECT_EQ(c.node(3).voted_for(), kNoNode);
  c.campaign(1);  // term 3 is higher; 1's log is up to date
  c.deliver_all();
  EXPECT_EQ(c.node(1).role(), Role::leader);
  EXPECT_EQ(c.node(3).voted_for(), 1);
  // A second candidate in the same term gets nothing from 3.
  EXPECT_EQ(c.disk(3).hard_state, (HardState{c.node(1).term(), 1}));
}

// Figure 2 / DESIGN principle 4: the vote is persisted before it is granted.
TEST(RaftDurability, VoteIsHeldUntilPersisted) {
  Cluster c(3);
  c.auto_persist = false;
  c.campaign(1);
  EXPECT_TRUE(c.network().empty()) << "RequestVote left before the candidate's vote was durable";
  c.persist(1);
  ASSERT_EQ(c.network().size(), 2u);
  c.deliver(0);  // RequestVote to 2
  EXPECT_EQ(c.node(2).voted_for(), 1);
  EXPECT_EQ(c.node(2).held_messages(), 1u);
  EXPECT_EQ(c.network().size(), 1u) << "vote granted before it was durable";
  // Crash before persisting: the vote is lost, and so is the reply.
  c.crash(2);
  c.restart(2);
  EXPECT_EQ(c.node(2).voted_for(), kNoNode);
  EXPECT_EQ(c.node(2).term(), 0u);
  EXPECT_EQ(c.node(2).held_messages(), 0u);
}

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
    raft::Node<SmallOutboxConfig> n(o);
    ASSERT_EQ(n.campaign(), raft::InputResult::ok);
    ASSERT_EQ(n.held_messages(), 2u);
    EXPECT_EQ(n.campaign(), raft::InputResult::overflow);  // term 2: one slot left for two peers
    EXPECT_EQ(n.term(), 2u);
    ASSERT_EQ(n.held_messages(), 2u) << "node " << int{id} << " sent part of a broadcast";
    for (const auto& m : n.held()) EXPECT_EQ(m.term, 1u);
  }
}

// DESIGN principle 4: entries are persisted before an append is acknowledged.
TEST(RaftDurability, AppendAckIsHeldUntilEntriesPersisted) {
  Cluster c(3);
  auto l = c.elect();
  ASSERT_EQ(l, c.leader());
  c.auto_persist = false;
  const NodeId f = *l == 1 ? 2 : 1;
  ASSERT_EQ(c.propose(*l, 5).status, ProposeStatus::ok);
  c.persist(*l);
  // Deliver only the append to f.
  for (std::size_t k = 0; k < c.network().size(); ++k)
    if (c.network()[k].to == f) {
      c.deliver(k);
      break;
    }
  EXPECT_EQ(c.node(f).log().last_index(), 1u);
  EXPECT_EQ(c.node(f).held_messages(), 1u);
  c.crash(f);
  c.restart(f);
  EXPECT_EQ(c.node(f).log().last_index(), 0u) << "the entry was never made durable";
}

// Figure 7: a leader brings each of the follower logs (a)-(f) in line.
class RaftFigure7 : public ::testing::TestWithParam<std::vector<Term>> {};

TEST_P(RaftFigure7, FollowerLogConvergesToLeaders) {
  const std::vector<Term> leader_log = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  Cluster c(3);
  install(c, 1, 7, log_of(leader_log));
  install(c, 2, 7, log_of(GetParam()));
  install(c, 3, 7, log_of(leader_log));
  c.isolate(2);
  c.campaign(1);
  c.deliver_all();
  ASSERT_EQ(c.node(1).role(), Role::leader);
  ASSERT_EQ(c.node(1).term(), 8u);
  c.heal();
  ASSERT_EQ(c.propose(1, 999).status, ProposeStatus::ok);
  for (int round = 0; round < 30 && terms_of(c.node(2).log()) != terms_of(c.node(1).log()); ++round) {
    c.heartbeat(1);
    c.deliver_all();
  }
  c.heartbeat(1);  // carries the leader's commit index
  c.deliver_all();
  EXPECT_TRUE(c.node(2).log() == c.node(1).log());
  std::vector<Term> expected = leader_log;
  expected.push_back(8);
  EXPECT_EQ(terms_of(c.node(2).log()), expected);
  EXPECT_EQ(c.node(2).commit_index(), 11u);
  EXPECT_TRUE(c.committed_prefixes_agree());
}

INSTANTIATE_TEST_SUITE_P(
    Figure7, RaftFigure7,
    ::testing::Values(std::vector<Term>{1, 1, 1, 4, 4, 5, 5, 6, 6},              // (a)
                      std::vector<Term>{1, 1, 1, 4},                             // (b)
                      std::vector<Term>{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},        // (c)
                      std::vector<Term>{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},     // (d)
                      std::vector<Term>{1, 1, 1, 4, 4, 4, 4},                    // (e)
                      std::vector<Term>{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}));      // (f)

// Figure 8 (c)-(d): the leader of term 4 has its term-2 entry on a majority,
// but must not commit it by counting; S5 (last term 3) can then still win
// and overwrite it, which is safe exactly because it was never committed.
TEST(RaftFigure8, EarlierTermEntryIsNotCommittedByCounting) {
  Cluster c(5);
  install(c, 1, 3, log_of({1, 2}));
  install(c, 2, 3, log_of({1, 2}));
  install(c, 3, 3, log_of({1}));
  install(c, 4, 3, log_of({1}));
  install(c, 5, 3, log_of({1, 3}));
  c.partition({{1, 2, 3, 4}, {5}});
  c.campaign(1);
  c.deliver_all();
  ASSERT_EQ(c.node(1).role(), Role::leader);
  ASSERT_EQ(c.node(1).term(), 4u);
  c.heartbeat(1);
  c.deliver_all();
  for (NodeId id : {NodeId{2}, NodeId{3}, NodeId{4}}) ASSERT_EQ(terms_of(c.node(id).log()), (std::vector<Term>{1, 2}));
  EXPECT_EQ(c.node(1).match_index(3), 2u);
  EXPECT_EQ(c.node(1).commit_index(), 0u) << "a term-2 entry was committed by counting replicas";
  // (d): S1 crashes; S5 wins term 5 with S2, S3, S4 and overwrites index 2.
  // (Its first try, term 4, finds every vote of term 4 already given to S1.)
  c.crash(1);
  c.heal();
  c.campaign(5);
  c.deliver_all();
  EXPECT_NE(c.node(5).role(), Role::leader);
  c.campaign(5);
  c.deliver_all();
  EXPECT_EQ(c.node(5).term(), 5u);
  ASSERT_EQ(c.node(5).role(), Role::leader);
  ASSERT_EQ(c.propose(5, 77).status, ProposeStatus::ok);
  c.deliver_all();
  c.heartbeat(5);
  c.deliver_all();
  for (NodeId id : {NodeId{2}, NodeId{3}, NodeId{4}}) EXPECT_EQ(terms_of(c.node(id).log()), (std::vector<Term>{1, 3, 5}));
  EXPECT_EQ(c.node(5).commit_index(), 3u);
  EXPECT_TRUE(c.committed_prefixes_agree());
}

// Figure 8 (e): once S1 commits an entry of its own term on a majority, the
// log that would lose the term-2 entry (S5's) never wins an election.
TEST(RaftFigure8, CommittedEntryIsNeverLostToAStaleLog) {
  Cluster c(5);
  install(c, 1, 3, log_of({1, 2}));
  install(c, 2, 3, log_of({1, 2}));
  install(c, 3, 3, log_of({1}));
  install(c, 4, 3, log_of({1}));
  install(c, 5, 3, log_of({1, 3}));
  c.partition({{1, 2, 3}, {4, 5}});
  c.campaign(1);
  c.deliver_all();
  ASSERT_EQ(c.node(1).role(), Role::leader);
  ASSERT_EQ(c.propose(1, 4).status, ProposeStatus::ok);
  c.deliver_all();
  c.heartbeat(1);
  c.deliver_all();
  EXPECT_EQ(c.node(1).commit_index(), 3u);  // index 2 commits with the term-4 entry
  c.crash(1);
  c.heal();
  for (int attempt = 0; attempt < 5; ++attempt) {
    c.campaign(5);
    c.deliver_all();
    EXPECT_NE(c.node(5).role(), Role::leader) << "a log missing a committed entry won";
  }
  // A node holding the committed entries wins instead and keeps them.
  c.campaign(2);
  c.deliver_all();
  ASSERT_EQ(c.node(2).role(), Role::leader);
  c.heartbeat(2);
  c.deliver_all();
  for (NodeId id = 2; id <= 5; ++id) EXPECT_EQ(terms_of(c.node(id).log()), (std::vector<Term>{1, 2, 4}));
  EXPECT_TRUE(c.committed_prefixes_agree());
}

// §5.3: a delayed, duplicated AppendEntries must not truncate entries that
// match (they may already be acknowledged and counted toward a commit).
TEST(RaftReplication, StaleAppendDoesNotTruncateMatchingEntries) {
  Cluster c(3);
  auto l = c.elect();
  ASSERT_TRUE(l);
  const NodeId f = *l == 1 ? 2 : 1;
  ASSERT_EQ(c.propose(*l, 1).status, ProposeStatus::ok);
  // Keep a copy of the first append to f, then let everything through.
  std::optional<Cluster::Message> delayed;
  for (const auto& m : c.network())
    if (m.to == f && m.type == MessageType::append_entries) delayed = m;
  ASSERT_TRUE(delayed);
  c.deliver_all();
  ASSERT_EQ(c.propose(*l, 2).status, ProposeStatus::ok);
  ASSERT_EQ(c.propose(*l, 3).status, ProposeStatus::ok);
  c.deliver_all();
  ASSERT_EQ(c.node(f).log().last_index(), 3u);
  c.network().push_back(*delayed);
  c.deliver_all();
  EXPECT_EQ(c.node(f).log().last_index(), 3u) << "a stale AppendEntries erased matching entries";
  EXPECT_TRUE(c.node(f).log() == c.node(*l).log());
}

// §5.3: committed entries are handed out in order, exactly once, on every node.
TEST(RaftReplication, CommittedEntriesAppliedInOrderExactlyOnce) {
  Cluster c(5);
  auto l = c.elect();
  ASSERT_TRUE(l);
  for (std::uint64_t v = 1; v <= 40; ++v) {
    ASSERT_EQ(c.propose(*l, v).status, ProposeStatus::ok);
    if (v % 3 == 0) c.deliver_all();
  }
  c.run_until([&] {
    for (NodeId id = 1; id <= 5; ++id)
      if (c.applied(id).size() != 40) return false;
    return true;
  });
  for (NodeId id = 1; id <= 5; ++id) {
    ASSERT_EQ(c.applied(id).size(), 40u) << "node " << int(id);
    for (std::uint64_t v = 1; v <= 40; ++v) EXPECT_EQ(c.applied(id)[v - 1].payload, v);
  }
}

// §5.1: a partitioned leader keeps its term until it hears a higher one, and
// a leader without a majority commits nothing.
TEST(RaftPartition, MinorityLeaderCannotCommitAndStepsDownWhenHealed) {
  Cluster c(5);
  auto old = c.elect();
  ASSERT_TRUE(old);
  const NodeId buddy = *old == 1 ? 2 : 1;
  std::vector<NodeId> majority;
  for (NodeId id = 1; id <= 5; ++id)
    if (id != *old && id != buddy) majority.push_back(id);
  c.partition({{*old, buddy}, majority});
  const Index commit_before = c.node(*old).commit_index();
  ASSERT_EQ(c.propose(*old, 666).status, ProposeStatus::ok);
  for (int i = 0; i < 50; ++i) {
    c.tick_all();
    c.deliver_all();
  }
  EXPECT_EQ(c.node(*old).commit_index(), commit_before) << "a minority leader committed";
  // The majority elected its own leader in a higher term and commits.
  NodeId fresh = kNoNode;
  for (NodeId id : majority)
    if (c.node(id).role() == Role::leader) fresh = id;
  ASSERT_NE(fresh, kNoNode);
  EXPECT_GT(c.node(fresh).term(), c.node(*old).term());
  ASSERT_EQ(c.propose(fresh, 777).status, ProposeStatus::ok);
  c.deliver_all();
  c.heartbeat(fresh);
  c.deliver_all();
  c.heal();
  c.heartbeat(fresh);
  c.deliver_all();
  EXPECT_EQ(c.node(*old).role(), Role::follower);
  EXPECT_EQ(c.node(*old).term(), c.node(fresh).term());
  c.heartbeat(fresh);
  c.deliver_all();
  EXPECT_TRUE(c.node(*old).log() == c.node(fresh).log());
  for (Index i = 1; i <= c.node(*old).log().last_index(); ++i)
    EXPECT_NE(c.node(*old).log().at(i).payload, 666u) << "the uncommitted minority entry survived";
  EXPECT_TRUE(c.committed_prefixes_agree());
}

// Figure 2: currentTerm, votedFor and log[] survive a restart; nothing else.
TEST(RaftRestart, RestartedNodeKeepsTermVoteAndLog) {
  Cluster c(3);
  auto l = c.elect();
  ASSERT_TRUE(l);
  for (std::uint64_t v = 1; v <= 5; ++v) ASSERT_EQ(c.propose(*l, v).status, ProposeStatus::ok);
  c.deliver_all();
  c.heartbeat(*l);
  c.deliver_all();
  const NodeId f = *l == 3 ? 2 : 3;
  const auto before = c.node(f);
  c.crash(f);
  c.restart(f);
  EXPECT_EQ(c.node(f).hard_state(), before.hard_state());
  EXPECT_TRUE(c.node(f).log() == before.log());
  EXPECT_EQ(c.node(f).role(), Role::follower);
  EXPECT_EQ(c.node(f).commit_index(), 0u);  // volatile: relearned from the leader
  c.heartbeat(*l);
  c.deliver_all();
  EXPECT_EQ(c.node(f).commit_index(), 5u);
  EXPECT_EQ(c.applied(f).size(), 5u);
}

// §5.1: stale terms are rejected, and the sender learns the newer term.
TEST(RaftTerms, StaleLeaderStepsDownOnRejection) {
  Cluster c(3);
  install(c, 1, 1, log_of({}));
  install(c, 2, 5, log_of({}));
  install(c, 3, 1, log_of({}));
  c.partition({{1, 3}, {2}});
  c.campaign(1);
  c.deliver_all();
  ASSERT_EQ(c.node(1).role(), Role::leader);
  c.heal();
  c.heartbeat(1);
  c.deliver_all();
  EXPECT_EQ(c.node(1).role(), Role::follower);
  EXPECT_EQ(c.node(1).term(), 5u);
  EXPECT_EQ(c.node(2).term(), 5u);
  EXPECT_EQ(c.node(2).role(), Role::follower);
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

// Bad input: malformed, misaddressed and bogus messages change nothing.
TEST(RaftRobustness, MalformedMessagesAreIgnored) {
  Cluster c(3);
  auto l = c.elect();
  ASSERT_TRUE(l);
  const auto before = c.node(*l);
  Cluster::Message m;
  m.type = MessageType::append_entries_response;
  m.from = 9;  // not a member
  m.to = *l;
  m.term = c.node(*l).term();
  m.success = true;
  m.log_index = 1000;
  c.network().push_back(m);
  m.from = *l;  // from itself
  c.network().push_back(m);
  m.from = *l == 1 ? 2 : 1;  // a member claiming to match entries the leader never had
  c.network().push_back(m);
  m.type = MessageType::none;
  c.network().push_back(m);
  c.deliver_all();
  EXPECT_TRUE(c.node(*l).protocol_equal(before));
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
