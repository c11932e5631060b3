// input_result_test.cpp - what each Raft input reports (raft::InputResult):
// ok when processed, ignored when it had no effect at all (the node stays
// == to what it was), overflow when a capacity made the node drop something.
#include <gtest/gtest.h>

#include <cstdint>

#include <synod/raft/node.hpp>

namespace synod::test {
namespace {

using raft::InputResult;
using raft::MessageType;
using raft::Role;
using raft::Term;

// Small capacities so each one can be hit: three queued messages (one per
// peer of a 3-node cluster, plus one), two log entries.
struct TinyConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 3;
  static constexpr std::size_t max_entries_per_message = 4;
  static constexpr std::size_t log_capacity = 2;
  static constexpr std::size_t outbox_capacity = 3;
};
using Node = raft::Node<TinyConfig>;
using Msg = raft::Message<TinyConfig>;

raft::Options options(NodeId id) {
  raft::Options o;
  o.id = id;
  o.cluster_size = 3;
  o.pre_vote = false;  // Figure 2 Raft: these tests are about the paper's inputs
  o.check_quorum = false;
  return o;
}

Msg msg(MessageType type, NodeId from, NodeId to, Term term) {
  Msg m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

// An AppendEntries from leader `from` of `term` with entries of that term
// after index 0, payloads 1, 2, ...
Msg append(NodeId from, NodeId to, Term term, std::size_t entries) {
  Msg m = msg(MessageType::append_entries, from, to, term);
  for (std::size_t k = 0; k < entries; ++k) m.entries.push_back({term, k + 1});
  return m;
}

// Node 1 of 3, leader of term 1 with its vote durable and its outbox holding
// the two AppendEntries that announce it.
Node leader() {
  Node n(options(1));
  EXPECT_EQ(n.campaign(), InputResult::ok);
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);  // releases the RequestVotes
  n.clear_messages();
  Msg vote = msg(MessageType::request_vote_response, 2, 1, 1);
  vote.success = true;
  EXPECT_EQ(n.step(vote), InputResult::ok);
  EXPECT_EQ(n.role(), Role::leader);
  EXPECT_EQ(n.messages().size(), 2u);
  return n;
}

// Node `id` of 3, a follower that has seen term `term` (its new term durable).
Node follower(NodeId id, Term term) {
  Node n(options(id));
  EXPECT_EQ(n.step(msg(MessageType::append_entries, id == 2 ? 3 : 2, id, term)), InputResult::ok);
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);  // releases the acknowledgement
  n.clear_messages();
  EXPECT_EQ(n.term(), term);
  return n;
}

// Steps `m` into n, expects it ignored, and that n did not change at all.
void expect_ignored(Node& n, const Msg& m) {
  const Node before = n;
  EXPECT_EQ(n.step(m), InputResult::ignored) << raft::to_string(m.type);
  EXPECT_TRUE(n == before) << raft::to_string(m.type) << " changed the node";
}

TEST(RaftInputResult, NormalAppendIsOk) {
  Node n(options(2));
  EXPECT_EQ(n.step(append(1, 2, 1, 1)), InputResult::ok);
  EXPECT_EQ(n.log().last_index(), 1u);
  EXPECT_EQ(n.held_messages(), 1u);  // the acknowledgement waits for the entry to be durable
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);
  ASSERT_EQ(n.messages().size(), 1u);
  EXPECT_TRUE(n.messages()[0].success);
  EXPECT_EQ(n.messages()[0].log_index, 1u);
}

TEST(RaftInputResult, StaleTermResponsesAreIgnored) {
  Node n = follower(1, 3);
  Msg vote = msg(MessageType::request_vote_response, 2, 1, 2);
  vote.success = true;
  expect_ignored(n, vote);
  Msg ack = msg(MessageType::append_entries_response, 2, 1, 1);
  ack.success = true;
  expect_ignored(n, ack);
}

// §5.1: a stale request is answered with our term so the sender steps down:
// processed, not ignored.
TEST(RaftInputResult, StaleTermRequestsAreAnswered) {
  Node n = follower(1, 3);
  EXPECT_EQ(n.step(msg(MessageType::request_vote, 2, 1, 2)), InputResult::ok);
  EXPECT_EQ(n.step(append(2, 1, 1, 1)), InputResult::ok);
  ASSERT_EQ(n.messages().size(), 2u);
  for (const auto& m : n.messages()) {
    EXPECT_FALSE(m.success);
    EXPECT_EQ(m.term, 3u);
  }
  EXPECT_EQ(n.log().last_index(), 0u);
}

TEST(RaftInputResult, MalformedAndMisaddressedMessagesAreIgnored) {
  Node n = follower(1, 1);
  expect_ignored(n, msg(MessageType::none, 2, 1, 1));
  expect_ignored(n, msg(static_cast<MessageType>(200), 2, 1, 1));  // no such type
  expect_ignored(n, msg(MessageType::request_vote, 2, 3, 2));    // for another node
  expect_ignored(n, msg(MessageType::request_vote, 1, 1, 2));    // from itself
  expect_ignored(n, msg(MessageType::request_vote, 0, 1, 2));    // from nobody
  expect_ignored(n, msg(MessageType::request_vote, 4, 1, 2));    // from outside the cluster
  Msg with_entries = msg(MessageType::request_vote, 2, 1, 2);
  with_entries.entries.push_back({2, 7});
  expect_ignored(n, with_entries);
}

TEST(RaftInputResult, InputsAnotherRoleTakesAreIgnored) {
  Node f = follower(1, 1);
  Msg vote = msg(MessageType::request_vote_response, 2, 1, 1);
  vote.success = true;
  expect_ignored(f, vote);  // not a candidate
  Msg ack = msg(MessageType::append_entries_response, 2, 1, 1);
  ack.success = true;
  expect_ignored(f, ack);  // not a leader
  Node before = f;
  EXPECT_EQ(f.broadcast_heartbeat(), InputResult::ignored);
  EXPECT_TRUE(f == before);

  Node l = leader();
  before = l;
  EXPECT_EQ(l.campaign(), InputResult::ignored);
  EXPECT_TRUE(l == before);
  ack.log_index = 5;  // past the leader's log: it never had that entry
  expect_ignored(l, ack);
}

TEST(RaftInputResult, PersistedAndAppliedAreIgnoredWhenNothingIsNew) {
  Node n(options(2));
  EXPECT_EQ(n.step(append(1, 2, 1, 1)), InputResult::ok);
  const raft::PersistRequest request = n.persist_request();
  EXPECT_EQ(n.persisted(request), InputResult::ok);
  Node before = n;
  EXPECT_EQ(n.persisted(request), InputResult::ignored);  // already durable, nothing held
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ignored);
  EXPECT_TRUE(n == before);

  EXPECT_EQ(n.applied(1), InputResult::ignored);  // nothing committed yet
  Msg commit = append(1, 2, 1, 1);
  commit.commit = 1;
  EXPECT_EQ(n.step(commit), InputResult::ok);
  EXPECT_EQ(n.commit_index(), 1u);
  EXPECT_EQ(n.applied(1), InputResult::ok);
  EXPECT_EQ(n.applied_index(), 1u);
  before = n;
  EXPECT_EQ(n.applied(1), InputResult::ignored);
  EXPECT_EQ(n.applied(5), InputResult::ignored);  // nothing more is committed
  EXPECT_TRUE(n == before);
}

// Broadcasts leave whole or not at all: the full outbox loses the whole
// heartbeat and the result says so. Once drained, the next one fits.
TEST(RaftInputResult, BroadcastIntoFullOutboxOverflows) {
  Node n = leader();
  EXPECT_EQ(n.broadcast_heartbeat(), InputResult::overflow);  // 1 free slot, 2 peers
  EXPECT_EQ(n.messages().size(), 2u);
  n.clear_messages();
  EXPECT_EQ(n.broadcast_heartbeat(), InputResult::ok);
  EXPECT_EQ(n.messages().size(), 2u);
  // tick() reports the heartbeat it fires.
  for (std::uint32_t t = 1; t < n.options().heartbeat_interval; ++t)
    EXPECT_EQ(n.tick(), InputResult::ok);
  EXPECT_EQ(n.tick(), InputResult::overflow);
  EXPECT_EQ(n.messages().size(), 2u);
}

TEST(RaftInputResult, ReplyIntoFullOutboxOverflows) {
  Node n = follower(1, 3);
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(n.step(msg(MessageType::request_vote, 2, 1, 2)), InputResult::ok);
  EXPECT_EQ(n.messages().size(), 3u);
  EXPECT_EQ(n.step(msg(MessageType::request_vote, 2, 1, 2)), InputResult::overflow);
  EXPECT_EQ(n.messages().size(), 3u);
  // The next input starts afresh.
  n.clear_messages();
  EXPECT_EQ(n.step(msg(MessageType::request_vote, 2, 1, 2)), InputResult::ok);
}

// Held messages leave together or are all lost when the outbox cannot take
// them: persisted() reports the loss.
TEST(RaftInputResult, HeldMessagesThatDoNotFitOverflow) {
  Node n = follower(1, 3);
  EXPECT_EQ(n.step(append(2, 1, 3, 1)), InputResult::ok);
  EXPECT_EQ(n.held_messages(), 1u);
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(n.step(msg(MessageType::request_vote, 3, 1, 2)), InputResult::ok);
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::overflow);
  EXPECT_EQ(n.held_messages(), 0u);
  EXPECT_EQ(n.durable_index(), 1u);
}

// The log window holds two entries: an append of three is acknowledged as
// far as it fitted, and reported.
TEST(RaftInputResult, AppendPastFullLogOverflows) {
  Node n(options(2));
  EXPECT_EQ(n.step(append(1, 2, 1, 3)), InputResult::overflow);
  EXPECT_EQ(n.log().last_index(), 2u);
  EXPECT_EQ(n.persisted(n.persist_request()), InputResult::ok);
  ASSERT_EQ(n.messages().size(), 1u);
  EXPECT_TRUE(n.messages()[0].success);
  EXPECT_EQ(n.messages()[0].log_index, 2u);
}

// A forged term the node could not increment (2^64 - 1) is refused: the
// node's term neither wraps nor moves. At kMaxTerm, the highest term it
// takes, it no longer campaigns (its next term would wrap), and its timers
// still advance.
TEST(RaftInputResult, TermsThatCannotBeIncrementedAreRefused) {
  for (const MessageType type : {MessageType::request_vote, MessageType::append_entries,
                                 MessageType::request_vote_response, MessageType::append_entries_response}) {
    Node n(options(2));
    const Node before = n;
    EXPECT_EQ(n.step(msg(type, 1, 2, ~Term{0})), InputResult::ignored) << raft::to_string(type);
    EXPECT_TRUE(n == before);
    EXPECT_TRUE(n.messages().empty());
  }
  Node n(options(2));
  EXPECT_EQ(n.step(msg(MessageType::request_vote, 3, 2, raft::kMaxTerm)), InputResult::ok);
  EXPECT_EQ(n.term(), raft::kMaxTerm);
  EXPECT_EQ(n.campaign(), InputResult::ignored);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(n.tick(), InputResult::ok);
  EXPECT_EQ(n.term(), raft::kMaxTerm);
  EXPECT_EQ(n.role(), Role::follower);
}

TEST(RaftInputResult, ToStringNamesEachResult) {
  EXPECT_STREQ(raft::to_string(InputResult::ok), "ok");
  EXPECT_STREQ(raft::to_string(InputResult::ignored), "ignored");
  EXPECT_STREQ(raft::to_string(InputResult::overflow), "overflow");
}

TEST(RaftWireEnums, IsValidAcceptsExactlyTheNamedValues) {
  for (unsigned v = 0; v <= 255; ++v) {
    const auto t = static_cast<MessageType>(v);
    EXPECT_EQ(raft::is_valid(t), v >= 1 && v <= 11) << v;
    EXPECT_EQ(raft::is_valid(static_cast<Role>(v)), v <= 3) << v;
  }
}

}  // namespace
}  // namespace synod::test
