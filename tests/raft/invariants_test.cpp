// invariants_test.cpp - the node-local checks of raft_invariants.hpp fire
// on broken nodes, steps and messages, and the simulation core reports them
// by Violation (never by message text). A check that never fires would let
// every harness pass vacuously.
#include <gtest/gtest.h>

#include <vector>

#include "cluster.hpp"

namespace synod::test {
namespace {

namespace inv = check::raft_invariants;
using raft::HardState;
using raft::MessageType;
using raft::Term;
using Cluster = RaftCluster<>;
using Node = Cluster::Node;
using Log = Cluster::Log;
using Violation = inv::Violation;

Log log_of(const std::vector<Term>& terms) {
  Log log;
  for (std::size_t i = 0; i < terms.size(); ++i) EXPECT_TRUE(log.append({terms[i], i + 1}));
  return log;
}

raft::Options options(NodeId id = 1) {
  raft::Options o;
  o.id = id;
  o.cluster_size = 3;
  o.pre_vote = false;
  o.check_quorum = false;
  return o;
}

TEST(RaftInvariants, NodeChecks) {
  EXPECT_EQ(inv::check_node(Node::restart(options(), HardState{3, kNoNode}, log_of({1, 2, 2}))), Violation::none);
  EXPECT_EQ(inv::check_node(Node::restart(options(), HardState{3, kNoNode}, log_of({1, 3, 2}))),
            Violation::log_terms_decrease);
  EXPECT_EQ(inv::check_node(Node::restart(options(), HardState{1, kNoNode}, log_of({1, 2}))),
            Violation::log_terms_decrease);
  const Node n = Node::restart(options(), HardState{2, kNoNode}, log_of({1, 2}));
  EXPECT_EQ(inv::check_disk(n, log_of({1, 2})), Violation::none);
  EXPECT_EQ(inv::check_disk(n, log_of({1})), Violation::durable_not_on_disk);
  EXPECT_EQ(inv::check_disk(n, log_of({1, 1})), Violation::durable_not_on_disk);
}

TEST(RaftInvariants, StepChecks) {
  const Node t3_vote1 = Node::restart(options(), HardState{3, 1}, Log{});
  const Node t3_vote2 = Node::restart(options(), HardState{3, 2}, Log{});
  const Node t2 = Node::restart(options(), HardState{2, kNoNode}, Log{});
  const Node t4_vote2 = Node::restart(options(), HardState{4, 2}, Log{});
  EXPECT_EQ(inv::check_step(t2, t3_vote1), Violation::none);
  EXPECT_EQ(inv::check_step(t3_vote1, t4_vote2), Violation::none);
  EXPECT_EQ(inv::check_step(t3_vote1, t2), Violation::term_decreased);
  EXPECT_EQ(inv::check_step(t3_vote1, t3_vote2), Violation::vote_changed_in_term);
}

TEST(RaftInvariants, SendChecks) {
  Cluster::Message m;
  m.type = MessageType::request_vote_response;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.success = true;
  EXPECT_EQ(inv::check_send(m, HardState{3, 2}, Log{}), Violation::none);
  EXPECT_EQ(inv::check_send(m, HardState{3, kNoNode}, Log{}), Violation::durability_contract);  // vote not durable
  EXPECT_EQ(inv::check_send(m, HardState{2, 2}, Log{}), Violation::durability_contract);        // term not durable
  EXPECT_EQ(inv::check_send(m, HardState{4, 3}, Log{}), Violation::none);  // superseded by a durable later term
  m.type = MessageType::append_entries_response;
  m.log_index = 2;
  EXPECT_EQ(inv::check_send(m, HardState{3, kNoNode}, log_of({1, 3})), Violation::none);
  EXPECT_EQ(inv::check_send(m, HardState{3, kNoNode}, log_of({1})), Violation::durability_contract);
}

// The core runs the checks in every harness: a restart from a disk whose
// log breaks the term order is reported, by Violation and node.
TEST(RaftHarness, BrokenDiskIsReportedAtRestart) {
  Cluster c(3);
  ASSERT_TRUE(c.elect());
  const NodeId f = c.leader() == 1 ? 2 : 1;
  c.crash(f);
  c.disk(f) = {HardState{1, kNoNode}, log_of({1, 5})};
  c.restart(f);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.violation(), Violation::log_terms_decrease) << c.detail();
  EXPECT_EQ(c.failure()->node, f);
  c.expect_failure();
}

// The seeded lossy disk loses terms and votes; the durability-contract
// check is off under it (the fault breaks the contract on purpose).
TEST(RaftHarness, LossyDiskTurnsTheContractCheckOff) {
  Cluster c(3);
  c.lossy_disk = true;
  ASSERT_TRUE(c.elect());
  EXPECT_TRUE(c.ok()) << c.detail();
  EXPECT_EQ(c.disk(*c.leader()).hard_state, HardState{});
}

}  // namespace
}  // namespace synod::test
