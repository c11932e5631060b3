// invariants_test.cpp - the node-local checks of paxos_invariants.hpp fire
// on broken nodes, steps and messages, and the simulation core reports them
// by Violation (never by message text). A check that never fires would let
// every harness pass vacuously.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

#include "driver.hpp"

namespace synod::paxos {
namespace {

namespace inv = check::paxos_invariants;
using Config = DefaultConfig;
using V = Config::Value;
using NodeT = Node<Config>;
using Msg = Message<Config>;
using Durable = PersistentState<V>;
using Violation = inv::Violation;

constexpr Ballot B(Round r, NodeId n) { return Ballot{r, n}; }

Options acceptor_options(NodeId id = 1) {
  Options o;
  o.id = id;
  o.cluster_size = 3;
  return o;
}

NodeT restarted(const Durable& d) { return NodeT::restart(acceptor_options(), d); }

TEST(PaxosInvariants, HealthyNodesPass) {
  const NodeT fresh(acceptor_options());
  EXPECT_EQ(inv::check_node(fresh), Violation::none);
  const NodeT promised = restarted(Durable{B(2, 1), kNullBallot, std::nullopt, 0});
  const NodeT accepted = restarted(Durable{B(2, 1), B(2, 1), V{5}, 0});
  EXPECT_EQ(inv::check_node(accepted), Violation::none);
  EXPECT_EQ(inv::check_step(fresh, promised), Violation::none);
  EXPECT_EQ(inv::check_step(promised, accepted), Violation::none);
}

// The kernel cannot be driven into these states through its API (a restart
// repairs them), so the predicate is tried on a stand-in node that exposes
// what check_node reads: a seeded acceptor bug would produce such states.
struct FakeAcceptor {
  Ballot promised_{}, accepted_{};
  std::optional<V> value_{};
  Ballot promised() const { return promised_; }
  Ballot accepted_ballot() const { return accepted_; }
  const std::optional<V>& accepted_value() const { return value_; }
};
struct FakeNode {
  FakeAcceptor acceptor_{};
  Proposer<Config> proposer_{1, 0, Options{}};
  Durable durable_{};
  std::size_t held_ = 0;
  const FakeAcceptor& acceptor() const { return acceptor_; }
  const Proposer<Config>& proposer() const { return proposer_; }
  Durable persistent_state() const { return Durable{acceptor_.promised_, acceptor_.accepted_, acceptor_.value_, 0}; }
  const Durable& durable_state() const { return durable_; }
  std::size_t held_messages() const { return held_; }
};

TEST(PaxosInvariants, NodeStateChecksFire) {
  FakeNode n;
  EXPECT_EQ(inv::check_node(n), Violation::none);
  n.acceptor_ = FakeAcceptor{B(1, 1), B(2, 1), V{5}};  // accepted above the promise
  EXPECT_EQ(inv::check_node(n), Violation::acceptor_state);
  n.acceptor_ = FakeAcceptor{B(2, 1), B(2, 1), std::nullopt};  // an acceptance without its value
  EXPECT_EQ(inv::check_node(n), Violation::acceptor_state);
  n.acceptor_ = FakeAcceptor{B(2, 1), kNullBallot, std::nullopt};
  n.durable_ = Durable{B(3, 1), kNullBallot, std::nullopt, 0};  // durable ahead of the state
  EXPECT_EQ(inv::check_node(n), Violation::durable_ahead);
  n.durable_ = n.persistent_state();
  n.held_ = 1;  // held although everything is durable
  EXPECT_EQ(inv::check_node(n), Violation::held_needlessly);
}

TEST(PaxosInvariants, StepChecksFire) {
  const NodeT fresh(acceptor_options());
  const NodeT promised = restarted(Durable{B(2, 1), kNullBallot, std::nullopt, 0});
  const NodeT accepted = restarted(Durable{B(2, 1), B(2, 1), V{5}, 0});
  const NodeT other_value = restarted(Durable{B(2, 1), B(2, 1), V{6}, 0});
  EXPECT_EQ(inv::check_step(promised, fresh), Violation::promise_never_falls);
  EXPECT_EQ(inv::check_step(accepted, promised), Violation::promise_never_falls);
  EXPECT_EQ(inv::check_step(accepted, other_value), Violation::value_changed);
  const NodeT round2 = restarted(Durable{kNullBallot, kNullBallot, std::nullopt, 2});
  const NodeT round1 = restarted(Durable{kNullBallot, kNullBallot, std::nullopt, 1});
  EXPECT_EQ(inv::check_step(round1, round2), Violation::none);
  EXPECT_EQ(inv::check_step(round2, round1), Violation::round_fell);
}

TEST(PaxosInvariants, SendChecksFire) {
  Msg promise;
  promise.type = MessageType::promise;
  promise.from = 1;
  promise.to = 2;
  promise.ballot = B(3, 2);
  EXPECT_EQ(inv::check_send(1, promise, Durable{B(3, 2), kNullBallot, std::nullopt, 0}), Violation::none);
  EXPECT_EQ(inv::check_send(1, promise, Durable{B(2, 2), kNullBallot, std::nullopt, 0}),
            Violation::durability_contract);
  EXPECT_EQ(inv::check_send(3, promise, Durable{B(3, 2), kNullBallot, std::nullopt, 0}), Violation::bad_address);
  Msg prepare = promise;
  prepare.type = MessageType::prepare;
  EXPECT_EQ(inv::check_send(1, prepare, Durable{kNullBallot, kNullBallot, std::nullopt, 2}),
            Violation::durability_contract);
}

// The core runs the checks in every harness: a disk that lost a promise the
// acceptor had made durable is caught at the restart.
TEST(PaxosHarness, RestartFromATamperedDiskIsReported) {
  test::Driver<Config> d(3);
  ASSERT_EQ(d.propose(1, 7), ProposeStatus::ok);
  (void)d.deliver_all();
  ASSERT_TRUE(d.ok()) << d.detail();
  ASSERT_EQ(d.chosen(), std::optional<V>{7});
  d.crash(2);
  d.disk(2) = Durable{};  // the disk forgets the promise and the acceptance
  d.restart(2);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.violation(), Violation::restart_keeps_durable_state) << d.detail();
  EXPECT_EQ(d.failure()->node, 2);
  d.expect_failure();
}

// The seeded lossy disk loses promises; the durability-contract check is
// off under it (the fault breaks the contract on purpose), and the harness
// still runs.
TEST(PaxosHarness, LossyDiskTurnsTheContractCheckOff) {
  test::Driver<Config> d(3);
  d.lossy_disk = true;
  ASSERT_EQ(d.propose(1, 7), ProposeStatus::ok);
  (void)d.deliver_all();
  EXPECT_TRUE(d.ok()) << d.detail();
  EXPECT_EQ(d.storage(2).promised, kNullBallot);
  EXPECT_EQ(d.storage(2).accepted_ballot, d.node(2).acceptor().accepted_ballot());
}

}  // namespace
}  // namespace synod::paxos
