// The three Paxos roles alone, as tables of the rules in Paxos Made Simple.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>

#include "synod/paxos/acceptor.hpp"
#include "synod/paxos/ballot.hpp"
#include "synod/paxos/learner.hpp"
#include "synod/paxos/proposer.hpp"

namespace synod::paxos {
namespace {

using Config = DefaultConfig;
using V = Config::Value;

constexpr Ballot B(Round r, NodeId n) { return Ballot{r, n}; }

std::uint64_t hash_of(const auto& x, const Renaming& r = kIdentity) {
  Hasher h;
  x.hash_append(h, r);
  return h.value();
}

// §2.2: proposal numbers are totally ordered; rounds first, ids break ties.
TEST(PaxosBallot, TotalOrderRoundThenNode) {
  EXPECT_LT(B(1, 3), B(2, 1));
  EXPECT_LT(B(2, 1), B(2, 2));
  EXPECT_EQ(B(2, 2), B(2, 2));
  EXPECT_LT(kNullBallot, B(1, 1));
  EXPECT_TRUE(kNullBallot.is_null());
  EXPECT_FALSE(B(1, 1).is_null());
}

TEST(PaxosBallot, HashRenamesTheProposer) {
  Renaming swap;
  swap.set(1, 2);
  swap.set(2, 1);
  EXPECT_EQ(hash_of(B(3, 1), swap), hash_of(B(3, 2)));
  EXPECT_NE(hash_of(B(3, 1)), hash_of(B(3, 2)));
}

// ---------------------------------------------------------------- acceptor

// §2.2 phase 1b, as a table: (promised before, prepare ballot) -> decision.
TEST(PaxosAcceptor, PromisesOnlyBallotsAboveItsPromise) {
  struct Row {
    Ballot promised, prepare;
    AcceptorDecision decision;
    Ballot promised_after;
  };
  const Row rows[] = {
      {kNullBallot, B(1, 1), AcceptorDecision::promise, B(1, 1)},
      {B(1, 1), B(1, 2), AcceptorDecision::promise, B(1, 2)},
      {B(1, 2), B(2, 1), AcceptorDecision::promise, B(2, 1)},
      {B(2, 1), B(2, 1), AcceptorDecision::ignore, B(2, 1)},   // duplicate
      {B(2, 1), B(1, 2), AcceptorDecision::reject, B(2, 1)},   // lower round
      {B(2, 2), B(2, 1), AcceptorDecision::reject, B(2, 2)},   // same round, lower id
  };
  for (const Row& row : rows) {
    Acceptor<Config> a(row.promised, kNullBallot, std::nullopt);
    EXPECT_EQ(a.on_prepare(row.prepare), row.decision);
    EXPECT_EQ(a.promised(), row.promised_after);
    EXPECT_TRUE(a.accepted_ballot().is_null());
  }
}

// §2.2 phase 2b: accept unless promised a higher ballot; accepting promises too.
TEST(PaxosAcceptor, AcceptsBallotsAtOrAboveItsPromise) {
  Acceptor<Config> a;
  EXPECT_EQ(a.on_prepare(B(2, 1)), AcceptorDecision::promise);
  EXPECT_EQ(a.on_accept(B(1, 3), 7), AcceptorDecision::reject);
  EXPECT_TRUE(a.accepted_ballot().is_null());
  EXPECT_EQ(a.on_accept(B(2, 1), 7), AcceptorDecision::accept);
  EXPECT_EQ(a.accepted_ballot(), B(2, 1));
  EXPECT_EQ(a.accepted_value(), std::optional<V>{7});
  // Above the promise (no prepare seen for it): accepted, and promised too.
  EXPECT_EQ(a.on_accept(B(3, 2), 8), AcceptorDecision::accept);
  EXPECT_EQ(a.promised(), B(3, 2));
  EXPECT_EQ(a.accepted_value(), std::optional<V>{8});
  // Now a prepare at the old ballot is rejected.
  EXPECT_EQ(a.on_prepare(B(3, 1)), AcceptorDecision::reject);
}

TEST(PaxosAcceptor, DuplicateOrBogusAcceptAtTheSameBallotChangesNothing) {
  Acceptor<Config> a;
  ASSERT_EQ(a.on_accept(B(1, 1), 5), AcceptorDecision::accept);
  const Acceptor<Config> before = a;
  EXPECT_EQ(a.on_accept(B(1, 1), 5), AcceptorDecision::ignore);
  EXPECT_EQ(a.on_accept(B(1, 1), 6), AcceptorDecision::ignore);  // one value per ballot
  EXPECT_EQ(a, before);
}

TEST(PaxosAcceptor, RestartNormalisesAnImpossibleRecord) {
  // Accepted above promised cannot be written by this kernel: promise raised.
  Acceptor<Config> a(B(1, 1), B(2, 1), std::optional<V>{4});
  EXPECT_EQ(a.promised(), B(2, 1));
  // An acceptance without a value is no acceptance.
  Acceptor<Config> b(B(3, 1), B(2, 1), std::nullopt);
  EXPECT_TRUE(b.accepted_ballot().is_null());
  EXPECT_EQ(b.promised(), B(3, 1));
}

// ---------------------------------------------------------------- proposer

Options proposer_options(std::uint32_t lo = 10, std::uint32_t hi = 20) {
  Options o;
  o.id = 2;
  o.cluster_size = 5;
  o.retry_timeout_min = lo;
  o.retry_timeout_max = hi;
  return o;
}

const NodeSet kFive = NodeSet::first(5);

TEST(PaxosProposer, BallotsRiseAndNeverRepeatAcrossARestart) {
  Proposer<Config> p(2, 0, proposer_options());
  EXPECT_FALSE(p.can_begin_round());  // no value yet
  EXPECT_TRUE(p.begin_round().is_null());
  ASSERT_EQ(p.set_value(42), ProposeStatus::ok);
  EXPECT_EQ(p.set_value(43), ProposeStatus::busy);
  EXPECT_EQ(p.begin_round(), B(1, 2));
  EXPECT_EQ(p.begin_round(), B(2, 2));
  // After a crash the persisted round is the floor.
  Proposer<Config> q(2, 2, proposer_options());
  ASSERT_EQ(q.set_value(42), ProposeStatus::ok);
  EXPECT_EQ(q.begin_round(), B(3, 2));
}

TEST(PaxosProposer, DuplicatePromisesCountOnce) {
  Proposer<Config> p(2, 0, proposer_options());
  ASSERT_EQ(p.set_value(100), ProposeStatus::ok);
  const Ballot b = p.begin_round();
  EXPECT_FALSE(p.on_promise(1, b, kNullBallot, std::nullopt, kFive));
  EXPECT_FALSE(p.on_promise(3, b, kNullBallot, std::nullopt, kFive));
  EXPECT_FALSE(p.on_promise(3, b, kNullBallot, std::nullopt, kFive));
  EXPECT_FALSE(p.on_promise(1, b, kNullBallot, std::nullopt, kFive));
  EXPECT_EQ(p.promises().size(), 2u);
  EXPECT_EQ(p.phase(), Phase::preparing);
  EXPECT_TRUE(p.on_promise(4, b, kNullBallot, std::nullopt, kFive));  // the third of five
}

// P2c: the value of the highest-numbered acceptance among a majority's promises.
TEST(PaxosProposer, MajorityOfPromisesStartsPhaseTwo) {
  struct Row {
    const char* name;
    Ballot acc1, acc3, acc4;
    std::optional<V> v1, v3, v4;
    V expected;
  };
  const Row rows[] = {
      {"none accepted: own value", kNullBallot, kNullBallot, kNullBallot, {}, {}, {}, 100},
      {"one accepted: adopt it", kNullBallot, B(1, 3), kNullBallot, {}, 7, {}, 7},
      {"highest ballot wins", B(1, 5), B(1, 3), kNullBallot, 8, 7, {}, 8},
      {"round beats id", B(1, 5), B(2, 1), kNullBallot, 8, 9, {}, 9},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Proposer<Config> p(2, 2, proposer_options());
    ASSERT_EQ(p.set_value(100), ProposeStatus::ok);
    const Ballot b = p.begin_round();
    ASSERT_EQ(b, B(3, 2));
    EXPECT_FALSE(p.on_promise(1, b, row.acc1, row.v1, kFive));
    EXPECT_FALSE(p.on_promise(3, b, row.acc3, row.v3, kFive));
    EXPECT_EQ(p.phase(), Phase::preparing);
    EXPECT_FALSE(p.value().has_value());
    EXPECT_TRUE(p.on_promise(4, b, row.acc4, row.v4, kFive));
    EXPECT_EQ(p.phase(), Phase::accepting);
    EXPECT_EQ(p.value(), std::optional<V>{row.expected});
    // Late promises change nothing.
    const Proposer<Config> before = p;
    EXPECT_FALSE(p.on_promise(5, b, B(2, 5), 99, kFive));
    EXPECT_EQ(p, before);
  }
}

TEST(PaxosProposer, IgnoresPromisesForOtherBallotsOrFromNonAcceptors) {
  Proposer<Config> p(2, 0, proposer_options());
  ASSERT_EQ(p.set_value(1), ProposeStatus::ok);
  const Ballot b = p.begin_round();
  const Proposer<Config> before = p;
  EXPECT_FALSE(p.on_promise(1, B(9, 9), kNullBallot, std::nullopt, kFive));  // other ballot
  EXPECT_FALSE(p.on_promise(6, b, kNullBallot, std::nullopt, kFive));        // not an acceptor
  EXPECT_FALSE(p.on_accepted(1, b, kFive));                                  // not accepting yet
  EXPECT_EQ(p, before);
}

TEST(PaxosProposer, MajorityOfAcceptancesMeansChosen) {
  Proposer<Config> p(2, 0, proposer_options());
  ASSERT_EQ(p.set_value(5), ProposeStatus::ok);
  const Ballot b = p.begin_round();
  for (NodeId a : std::initializer_list<NodeId>{1, 2}) EXPECT_FALSE(p.on_promise(a, b, kNullBallot, std::nullopt, kFive));
  ASSERT_TRUE(p.on_promise(3, b, kNullBallot, std::nullopt, kFive));
  EXPECT_FALSE(p.on_accepted(4, b, kFive));
  EXPECT_FALSE(p.on_accepted(4, b, kFive));  // duplicate
  EXPECT_FALSE(p.on_accepted(5, b, kFive));
  EXPECT_TRUE(p.on_accepted(1, b, kFive));
  EXPECT_EQ(p.phase(), Phase::chosen);
  EXPECT_FALSE(p.can_begin_round());
  EXPECT_EQ(p.set_value(6), ProposeStatus::already_chosen);
}

// A nack names the higher promise: abandon, back off, then skip past it.
TEST(PaxosProposer, NackAbandonsTheRoundAndTheNextSkipsAhead) {
  Proposer<Config> p(2, 0, proposer_options());
  ASSERT_EQ(p.set_value(5), ProposeStatus::ok);
  const Ballot b = p.begin_round();
  EXPECT_FALSE(p.on_nack(1, B(7, 7), B(9, 1), kFive));  // not our ballot
  EXPECT_FALSE(p.on_nack(1, b, B(1, 1), kFive));        // not above ours: bogus
  EXPECT_EQ(p.phase(), Phase::preparing);
  EXPECT_TRUE(p.on_nack(1, b, B(9, 1), kFive));
  EXPECT_EQ(p.phase(), Phase::backoff);
  EXPECT_EQ(p.highest_round_seen(), 9u);
  EXPECT_EQ(p.failures(), 1u);
  EXPECT_EQ(p.begin_round(), B(10, 2));
}

TEST(PaxosProposer, RetryTimerFiresWithinTheRandomizedWindowAndBacksOff) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    Options o = proposer_options(10, 20);
    o.seed = seed;
    Proposer<Config> p(2, 0, o);
    EXPECT_FALSE(p.tick());  // idle: no timer
    ASSERT_EQ(p.set_value(5), ProposeStatus::ok);
    (void)p.begin_round();
    std::uint32_t first = 0;
    for (std::uint32_t t = 1; t <= 20 && first == 0; ++t)
      if (p.tick()) first = t;
    EXPECT_GE(first, 10u);
    EXPECT_LE(first, 20u);
    // Three failed rounds: the window is now [10, 20 << 3].
    (void)p.begin_round();
    (void)p.begin_round();
    (void)p.begin_round();
    EXPECT_EQ(p.failures(), 3u);
    EXPECT_GE(p.timeout(), 10u);
    EXPECT_LE(p.timeout(), 160u);
  }
}

TEST(PaxosProposer, BackoffWindowsDiffer) {
  // Two proposers with different seeds rarely draw the same timeouts: what
  // separates dueling proposers.
  int same = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    Options a = proposer_options(10, 40), b = a;
    a.seed = seed;
    b.seed = seed + 1000;
    Proposer<Config> p(1, 0, a), q(2, 0, b);
    (void)p.set_value(1);
    (void)q.set_value(2);
    (void)p.begin_round();
    (void)q.begin_round();
    same += p.timeout() == q.timeout() ? 1 : 0;
  }
  EXPECT_LT(same, 15);
}

TEST(PaxosProposer, HashAndProtocolEqualIgnoreTheTimer) {
  Proposer<Config> p(2, 0, proposer_options());
  ASSERT_EQ(p.set_value(5), ProposeStatus::ok);
  (void)p.begin_round();
  Proposer<Config> q = p;
  EXPECT_FALSE(q.tick());
  EXPECT_NE(p, q);
  EXPECT_TRUE(p.protocol_equal(q));
  EXPECT_EQ(hash_of(p), hash_of(q));
}

// ---------------------------------------------------------------- learner

TEST(PaxosLearner, LearnsOnAMajorityAtOneBallotAndOnlyOnce) {
  Learner<Config> l;
  const NodeSet three = NodeSet::first(3);
  EXPECT_FALSE(l.on_accepted(1, B(1, 1), 5, three));
  EXPECT_FALSE(l.on_accepted(1, B(1, 1), 5, three));  // duplicate: still one
  EXPECT_FALSE(l.learned().has_value());
  EXPECT_FALSE(l.on_accepted(4, B(1, 1), 5, three));  // not an acceptor
  EXPECT_TRUE(l.on_accepted(2, B(1, 1), 5, three));
  EXPECT_EQ(l.learned(), std::optional<V>{5});
  EXPECT_FALSE(l.on_accepted(3, B(1, 1), 5, three));  // reported once
  EXPECT_FALSE(l.on_accepted(3, B(2, 2), 5, three));
  EXPECT_EQ(l.learned(), std::optional<V>{5});
}

TEST(PaxosLearner, AcceptancesAtDifferentBallotsDoNotAddUp) {
  Learner<Config> l;
  const NodeSet three = NodeSet::first(3);
  EXPECT_FALSE(l.on_accepted(1, B(1, 1), 5, three));
  EXPECT_FALSE(l.on_accepted(2, B(2, 2), 5, three));
  EXPECT_FALSE(l.learned().has_value());
  // Acceptor 1 moves up to (2,2): now two at one ballot.
  EXPECT_FALSE(l.on_accepted(1, B(1, 1), 5, three));  // stale
  EXPECT_TRUE(l.on_accepted(1, B(2, 2), 5, three));
  EXPECT_EQ(l.heard_ballot(1), B(2, 2));
}

TEST(PaxosLearner, HashFollowsRenamedAcceptors) {
  const NodeSet three = NodeSet::first(3);
  Learner<Config> a, b;
  (void)a.on_accepted(1, B(1, 1), 5, three);
  (void)b.on_accepted(2, B(1, 1), 5, three);
  Renaming swap;
  swap.set(1, 2);
  swap.set(2, 1);
  EXPECT_NE(hash_of(a), hash_of(b));
  // Acceptor 1 renamed to 2 and proposer 1 renamed to 2: b with renamed proposer.
  Learner<Config> c;
  (void)c.on_accepted(2, B(1, 2), 5, three);
  EXPECT_EQ(hash_of(a, swap), hash_of(c));
}

}  // namespace
}  // namespace synod::paxos
