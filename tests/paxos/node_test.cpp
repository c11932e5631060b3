// One Paxos node through its public API: roles, durability, capacities,
// bad input, hashing.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "synod/paxos/node.hpp"

namespace synod::paxos {
namespace {

using Config = DefaultConfig;
using V = Config::Value;
using NodeT = Node<Config>;
using Msg = Message<Config>;

constexpr Ballot B(Round r, NodeId n) { return Ballot{r, n}; }

Options options(NodeId id, std::uint8_t n) {
  Options o;
  o.id = id;
  o.cluster_size = n;
  return o;
}

NodeSet set_of(std::initializer_list<NodeId> ids) {
  NodeSet s;
  for (NodeId id : ids) s.insert(id);
  return s;
}

// Node `id` of `n` with the given roles; acceptors and learners are the
// given sets (this node's membership must match its roles).
Options options(NodeId id, std::uint8_t n, Roles roles, NodeSet acceptors, NodeSet learners) {
  Options o = options(id, n);
  o.roles = roles;
  o.acceptors = acceptors;
  o.learners = learners;
  return o;
}

// Persist whatever the node asks for, until it asks for nothing more;
// returns every message that left, in order. It never spins: a node that
// ignores the report of what it asked for, or still asks after
// kMaxPersists reports, fails the test with what it asks and what had left.
constexpr int kMaxPersists = 16;

template <class N, class R>
std::string describe(const N& node, const R& r, std::size_t left) {
  return "node " + std::to_string(node.id()) + " asks to persist promised round " +
         std::to_string(r.state.promised.round) + ", accepted round " + std::to_string(r.state.accepted_ballot.round) +
         ", proposer round " + std::to_string(r.state.proposer_round) + "; " + std::to_string(left) +
         " messages left, " + std::to_string(node.held_messages()) + " held";
}

template <class N>
std::vector<typename N::MessageT> pump(N& node, int* persists = nullptr) {
  std::vector<typename N::MessageT> out;
  for (int round = 0;; ++round) {
    for (const auto& m : node.messages()) out.push_back(m);
    node.clear_messages();
    const auto r = node.persist_request();
    if (r.empty()) break;
    if (round == kMaxPersists) {
      ADD_FAILURE() << "pump: still asked after " << kMaxPersists << " reports: " << describe(node, r, out.size());
      break;
    }
    if (persists) ++*persists;
    if (node.persisted(r) == InputResult::ignored) {
      ADD_FAILURE() << "pump: the report was ignored: " << describe(node, r, out.size());
      break;
    }
  }
  return out;
}

// pump() cannot spin: a node that ignores the report of what it asked for,
// or keeps asking, fails the test, naming what it still asks for.
template <InputResult Answer>
struct StuckNode {
  using MessageT = Msg;
  std::vector<Msg> outbox{Msg::prepare(1, 2, B(1, 1))};
  int reports = 0;
  std::span<const Msg> messages() const { return {outbox.data(), outbox.size()}; }
  void clear_messages() { outbox.clear(); }
  PersistRequest<V> persist_request() const {
    return PersistRequest<V>{true, PersistentState<V>{B(3, 1), {}, {}, static_cast<Round>(3 + reports)}};
  }
  InputResult persisted(const PersistRequest<V>&) {
    ++reports;
    return Answer;
  }
  NodeId id() const { return 1; }
  std::size_t held_messages() const { return 2; }
};

TEST(PaxosPump, StopsWhenTheNodeIgnoresTheReportOrKeepsAsking) {
  StuckNode<InputResult::ignored> ignores;
  std::vector<Msg> out;
  EXPECT_NONFATAL_FAILURE(out = pump(ignores), "the report was ignored: node 1 asks to persist promised round 3");
  EXPECT_EQ(ignores.reports, 1);
  EXPECT_EQ(out.size(), 1u);
  StuckNode<InputResult::ok> asks;
  EXPECT_NONFATAL_FAILURE(out = pump(asks), "still asked after 16 reports: node 1 asks to persist promised round 3, "
                                            "accepted round 0, proposer round 19; 1 messages left, 2 held");
  EXPECT_EQ(asks.reports, kMaxPersists);
}

std::uint64_t hash_of(const NodeT& n, const Renaming& r = kIdentity) {
  Hasher h;
  n.hash_append(h, r);
  return h.value();
}

TEST(PaxosOptions, ValidationNamesTheProblem) {
  struct Row {
    Options o;
    OptionsError e;
  };
  Options ok = options(2, 3);
  Options zero_cluster = ok;
  zero_cluster.cluster_size = 0;
  Options big_cluster = ok;
  big_cluster.cluster_size = 8;
  Options id0 = ok;
  id0.id = 0;
  Options id4 = ok;
  id4.id = 4;
  Options no_role = ok;
  no_role.roles = Roles{false, false, false};
  Options bad_acc = ok;
  bad_acc.acceptors.insert(4);
  Options bad_learn = ok;
  bad_learn.learners.insert(9);
  Options acceptor_not_member = options(2, 3, Roles{true, true, true}, set_of({1, 3}), NodeSet{});
  Options member_not_learner = options(2, 3, Roles{true, true, false}, NodeSet{}, NodeSet{});
  Options bad_time = ok;
  bad_time.retry_timeout_min = 0;
  Options inverted = ok;
  inverted.retry_timeout_min = 30;
  const Row rows[] = {
      {ok, OptionsError::ok},
      {zero_cluster, OptionsError::bad_cluster_size},
      {big_cluster, OptionsError::bad_cluster_size},
      {id0, OptionsError::bad_id},
      {id4, OptionsError::bad_id},
      {no_role, OptionsError::no_role},
      {bad_acc, OptionsError::bad_acceptors},
      {bad_learn, OptionsError::bad_learners},
      {acceptor_not_member, OptionsError::bad_acceptors},
      {member_not_learner, OptionsError::bad_learners},
      {bad_time, OptionsError::bad_timeouts},
      {inverted, OptionsError::bad_timeouts},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(NodeT::check(row.o), row.e) << to_string(row.e);
    EXPECT_EQ(NodeT::valid(row.o), row.e == OptionsError::ok);
  }
  EXPECT_EQ(ok.acceptor_set(), NodeSet::first(3));
}

// A cluster of one: every message is to itself and stays inside the node,
// but still waits for durability at each step.
TEST(PaxosNode, SingleNodeClusterChoosesItsValueThroughPersistence) {
  NodeT n(options(1, 1));
  ASSERT_EQ(n.propose(9), ProposeStatus::ok);
  EXPECT_TRUE(n.messages().empty());
  EXPECT_FALSE(n.learned().has_value());  // nothing durable yet: nothing learned
  EXPECT_EQ(n.held_messages(), 1u);       // prepare to itself
  int persists = 0;
  EXPECT_TRUE(pump(n, &persists).empty());
  EXPECT_EQ(persists, 3);  // round; promise; acceptance
  ASSERT_EQ(n.learned(), std::optional<V>{9});
  EXPECT_TRUE(n.newly_learned());
  n.clear_newly_learned();
  EXPECT_FALSE(n.newly_learned());
  EXPECT_EQ(n.proposer().phase(), Phase::chosen);
  EXPECT_EQ(n.durable_state().accepted_value, std::optional<V>{9});
  EXPECT_EQ(n.propose(10), ProposeStatus::already_chosen);
  EXPECT_EQ(n.start_round(), InputResult::ignored);
}

// DESIGN principle 4: nothing that reveals a new round, promise or
// acceptance leaves before it is durable.
TEST(PaxosNode, PrepareIsHeldUntilTheRoundIsDurable) {
  NodeT n(options(1, 3));
  ASSERT_EQ(n.propose(5), ProposeStatus::ok);
  EXPECT_TRUE(n.messages().empty());
  EXPECT_EQ(n.held_messages(), 3u);
  const auto r = n.persist_request();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.state.proposer_round, 1u);
  EXPECT_TRUE(r.state.promised.is_null());  // own acceptor has not seen it yet
  EXPECT_EQ(n.persisted(r), InputResult::ok);
  ASSERT_EQ(n.messages().size(), 2u);
  EXPECT_EQ(n.messages()[0], Msg::prepare(1, 2, B(1, 1)));
  EXPECT_EQ(n.messages()[1], Msg::prepare(1, 3, B(1, 1)));
  // Its own acceptor took the prepare on release; its promise waits in turn.
  EXPECT_EQ(n.acceptor().promised(), B(1, 1));
  EXPECT_EQ(n.held_messages(), 1u);
  EXPECT_EQ(n.persist_request().state.promised, B(1, 1));
}

TEST(PaxosNode, AcceptorReplyIsHeldAndBogusPersistReportsAreIgnored) {
  NodeT n(options(2, 3));
  EXPECT_EQ(n.step(Msg::prepare(1, 2, B(1, 1))), InputResult::ok);
  EXPECT_TRUE(n.messages().empty());
  ASSERT_EQ(n.held_messages(), 1u);
  EXPECT_EQ(n.held_message(0), Msg::promise(2, 1, B(1, 1), kNullBallot, std::nullopt));
  auto r = n.persist_request();
  // A report of a state the node never had (ahead of it) is ignored.
  auto ahead = r;
  ahead.state.promised = B(5, 1);
  EXPECT_EQ(n.persisted(ahead), InputResult::ignored);
  auto inconsistent = r;
  inconsistent.state.accepted_value = 3;  // a value without an acceptance
  EXPECT_EQ(n.persisted(inconsistent), InputResult::ignored);
  EXPECT_EQ(n.persisted(PersistRequest<V>{}), InputResult::ignored);
  EXPECT_EQ(n.held_messages(), 1u);
  // A report older than the current state releases only what it covers.
  EXPECT_EQ(n.step(Msg::prepare(3, 2, B(1, 3))), InputResult::ok);
  EXPECT_EQ(n.held_messages(), 2u);
  EXPECT_EQ(n.persisted(r), InputResult::ok);
  ASSERT_EQ(n.messages().size(), 1u);  // the first promise, now durable
  EXPECT_EQ(n.messages()[0].to, 1u);
  EXPECT_EQ(n.held_messages(), 1u);    // the second waits for (1,3)
  n.clear_messages();
  EXPECT_EQ(n.persisted(r), InputResult::ignored);  // already durable: nothing new
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);
  ASSERT_EQ(n.messages().size(), 1u);
  EXPECT_EQ(n.messages()[0], Msg::promise(2, 3, B(1, 3), kNullBallot, std::nullopt));
  EXPECT_EQ(n.persisted(r), InputResult::ignored);  // stale: older than what is durable
  EXPECT_TRUE(n.persist_request().empty());
}

TEST(PaxosNode, AcceptorTellsLearnersAndTheBallotsProposer) {
  // Node 3 is an acceptor; learners are 1 and 2; the proposer is 4 (not a learner).
  NodeT n(options(3, 4, Roles{false, true, false}, set_of({1, 2, 3}), set_of({1, 2})));
  EXPECT_EQ(n.step(Msg::accept(4, 3, B(1, 4), 7)), InputResult::ok);
  const auto out = pump(n);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], Msg::accepted(3, 1, B(1, 4), 7));
  EXPECT_EQ(out[1], Msg::accepted(3, 2, B(1, 4), 7));
  EXPECT_EQ(out[2], Msg::accepted(3, 4, B(1, 4), 7));
  // A lower ballot is answered with a nack naming the promise.
  EXPECT_EQ(n.step(Msg::prepare(1, 3, B(1, 1))), InputResult::ok);
  const auto nack = pump(n);
  ASSERT_EQ(nack.size(), 1u);
  EXPECT_EQ(nack[0], Msg::nack(3, 1, B(1, 1), B(1, 4)));
}

// An acceptance overtaken by a higher one before it became durable was never
// durable: its announcements are dropped, so "accepted" always means
// "durably accepted" (what learners and the checker's ghost count).
TEST(PaxosNode, AcceptanceSupersededBeforeDurableIsNotAnnounced) {
  NodeT n(options(3, 3, Roles{false, true, false}, set_of({1, 2, 3}), set_of({1})));
  EXPECT_EQ(n.step(Msg::accept(1, 3, B(1, 1), 10)), InputResult::ok);
  EXPECT_EQ(n.step(Msg::accept(2, 3, B(1, 2), 10)), InputResult::ok);
  EXPECT_EQ(n.held_messages(), 3u);  // accepted(1,1) to 1; accepted(1,2) to 1 and 2
  const auto out = pump(n);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], Msg::accepted(3, 1, B(1, 2), 10));
  EXPECT_EQ(out[1], Msg::accepted(3, 2, B(1, 2), 10));
}

TEST(PaxosNode, MessagesForMissingRolesAreIgnored) {
  NodeT acceptor_only(options(1, 3, Roles{false, true, false}, set_of({1, 3}), set_of({2})));
  NodeT learner_only(options(2, 3, Roles{false, false, true}, set_of({1, 3}), set_of({2})));
  const NodeT a0 = acceptor_only, l0 = learner_only;
  EXPECT_EQ(acceptor_only.propose(1), ProposeStatus::not_proposer);
  EXPECT_EQ(acceptor_only.start_round(), InputResult::ignored);
  EXPECT_EQ(acceptor_only.tick(), InputResult::ignored);
  EXPECT_EQ(acceptor_only.step(Msg::promise(2, 1, B(1, 1), kNullBallot, std::nullopt)), InputResult::ignored);
  EXPECT_EQ(acceptor_only.step(Msg::accepted(2, 1, B(1, 1), 4)), InputResult::ignored);
  EXPECT_EQ(acceptor_only.step(Msg::nack(2, 1, B(1, 1), B(2, 2))), InputResult::ignored);
  EXPECT_EQ(learner_only.step(Msg::prepare(1, 2, B(1, 1))), InputResult::ignored);
  EXPECT_EQ(learner_only.step(Msg::accept(1, 2, B(1, 1), 4)), InputResult::ignored);
  EXPECT_EQ(acceptor_only, a0);
  EXPECT_EQ(learner_only, l0);
  // A learner-only node learns from a majority of acceptors.
  EXPECT_EQ(learner_only.step(Msg::accepted(1, 2, B(1, 3), 4)), InputResult::ok);
  EXPECT_EQ(learner_only.step(Msg::accepted(3, 2, B(1, 3), 4)), InputResult::ok);
  EXPECT_EQ(learner_only.learned(), std::optional<V>{4});
  EXPECT_TRUE(learner_only.newly_learned());
}

TEST(PaxosNode, ProposerOnlyNodeKnowsWhenItsValueIsChosen) {
  NodeT p(options(1, 3, Roles{true, false, false}, set_of({2, 3}), set_of({2, 3})));
  ASSERT_EQ(p.propose(8), ProposeStatus::ok);
  auto out = pump(p);
  ASSERT_EQ(out.size(), 2u);  // prepare to acceptors 2 and 3
  for (NodeId a : std::initializer_list<NodeId>{2, 3}) EXPECT_EQ(p.step(Msg::promise(a, 1, B(1, 1), kNullBallot, std::nullopt)), InputResult::ok);
  out = pump(p);
  ASSERT_EQ(p.proposer().phase(), Phase::accepting);
  for (NodeId a : std::initializer_list<NodeId>{2, 3}) EXPECT_EQ(p.step(Msg::accepted(a, 1, B(1, 1), 8)), InputResult::ok);
  EXPECT_EQ(p.proposer().phase(), Phase::chosen);
  EXPECT_EQ(p.proposer().value(), std::optional<V>{8});
  EXPECT_FALSE(p.learned().has_value());  // not a learner
}

TEST(PaxosNode, MalformedAndMisaddressedMessagesChangeNothing) {
  NodeT n(options(2, 3));
  ASSERT_EQ(n.step(Msg::prepare(1, 2, B(2, 1))), InputResult::ok);
  (void)pump(n);
  const NodeT before = n;
  Msg wrong_to = Msg::prepare(1, 3, B(3, 1));
  Msg unknown_sender = Msg::prepare(9, 2, B(3, 9));
  Msg no_sender = Msg::prepare(0, 2, B(3, 0));
  Msg ballot_not_senders = Msg::prepare(1, 2, B(3, 3));
  Msg null_ballot = Msg::prepare(1, 2, kNullBallot);
  Msg huge_round = Msg::prepare(1, 2, B(kMaxRound + 1, 1));
  Msg accept_without_value = Msg::accept(1, 2, B(3, 1), 1);
  accept_without_value.value.reset();
  Msg none;
  none.from = 1;
  none.to = 2;
  none.ballot = B(3, 1);
  Msg promise_reporting_later_acceptance = Msg::promise(1, 2, B(1, 2), B(2, 1), 4);
  Msg nack_not_higher = Msg::nack(1, 2, B(2, 2), B(1, 1));
  Msg accepted_without_value = Msg::accepted(1, 2, B(1, 1), 3);
  accepted_without_value.value.reset();
  for (const Msg& m : {wrong_to, unknown_sender, no_sender, ballot_not_senders, null_ballot, huge_round,
                       accept_without_value, none, promise_reporting_later_acceptance, nack_not_higher,
                       accepted_without_value}) {
    EXPECT_EQ(n.step(m), InputResult::ignored) << to_string(m.type);
    EXPECT_EQ(n, before) << to_string(m.type);
  }
}

// Capacities: a broadcast that does not fit is cut to what fits, and says so.
struct TinyConfig {
  using Value = std::uint64_t;
  static constexpr std::size_t max_nodes = 5;
  static constexpr std::size_t outbox_capacity = 2;
  static constexpr std::size_t held_capacity = 3;
};

TEST(PaxosNode, FullOutboxOrHeldListTruncatesAndReportsOverflow) {
  Node<TinyConfig> n(options(1, 5));
  ASSERT_EQ(n.propose(3), ProposeStatus::ok);  // prepare to 5 acceptors, 3 held slots
  EXPECT_EQ(n.held_messages(), 3u);
  // The held prepares (to 1, 2, 3) are released; 2 and 3 fit the outbox.
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);
  EXPECT_EQ(n.messages().size(), 2u);
  // The node keeps working: it can still be pushed over the outbox.
  EXPECT_EQ(n.step(Message<TinyConfig>::promise(2, 1, B(1, 1), kNullBallot, std::nullopt)), InputResult::ok);
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);  // own promise
  // Now promised by 1 and 2; 3 makes the majority: accept to 5 acceptors,
  // held (own acceptance pending), only 3 fit the held list.
  EXPECT_EQ(n.step(Message<TinyConfig>::promise(3, 1, B(1, 1), kNullBallot, std::nullopt)), InputResult::overflow);
  EXPECT_EQ(n.proposer().phase(), Phase::accepting);
}

TEST(PaxosNode, RestartKeepsOnlyThePersistentState) {
  NodeT n(options(1, 3));
  ASSERT_EQ(n.propose(6), ProposeStatus::ok);
  (void)pump(n);
  EXPECT_EQ(n.step(Msg::promise(2, 1, B(1, 1), kNullBallot, std::nullopt)), InputResult::ok);
  (void)pump(n);
  ASSERT_EQ(n.acceptor().accepted_ballot(), B(1, 1));
  const auto durable = n.durable_state();
  EXPECT_EQ(durable.proposer_round, 1u);
  EXPECT_EQ(durable.accepted_value, std::optional<V>{6});
  NodeT r = NodeT::restart(n.options(), durable);
  EXPECT_EQ(r.acceptor(), n.acceptor());
  EXPECT_EQ(r.proposer().phase(), Phase::idle);
  EXPECT_FALSE(r.proposer().own_value().has_value());
  EXPECT_TRUE(r.persist_request().empty());
  // Its next ballot is above the one it used before the crash.
  ASSERT_EQ(r.propose(7), ProposeStatus::ok);
  EXPECT_EQ(r.proposer().ballot(), B(2, 1));
}

TEST(PaxosNode, HashIsCanonicalUnderRenamingAndIgnoresTimers) {
  // Two acceptor-only nodes, ids 2 and 3, that promised the same proposer.
  NodeT a(options(2, 3, Roles{false, true, false}, set_of({2, 3}), set_of({1})));
  NodeT b(options(3, 3, Roles{false, true, false}, set_of({2, 3}), set_of({1})));
  EXPECT_EQ(a.step(Msg::prepare(1, 2, B(1, 1))), InputResult::ok);
  EXPECT_EQ(b.step(Msg::prepare(1, 3, B(1, 1))), InputResult::ok);
  (void)pump(a);
  (void)pump(b);
  Renaming swap;
  swap.set(2, 3);
  swap.set(3, 2);
  EXPECT_NE(hash_of(a), hash_of(b));
  EXPECT_EQ(hash_of(a, swap), hash_of(b));
  // Timers are not protocol state.
  NodeT p(options(1, 3));
  ASSERT_EQ(p.propose(1), ProposeStatus::ok);
  NodeT q = p;
  EXPECT_EQ(q.tick(), InputResult::ok);
  EXPECT_FALSE(p == q);
  EXPECT_TRUE(p.protocol_equal(q));
  EXPECT_EQ(hash_of(p), hash_of(q));
  // Protocol state is: a different value hashes differently.
  NodeT s(options(1, 3));
  ASSERT_EQ(s.propose(2), ProposeStatus::ok);
  EXPECT_NE(hash_of(p), hash_of(s));
}

}  // namespace
}  // namespace synod::paxos
