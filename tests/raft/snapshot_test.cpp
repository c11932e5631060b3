// Log compaction and InstallSnapshot in chunks (Raft §7): the log's base,
// compact(), a follower that needs compacted entries getting the snapshot
// chunk by chunk, the §7 rule on the entries after it, durability before
// the acknowledgement, and restart from snapshot + log suffix.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <vector>

#include <synod/raft/node.hpp>

namespace {

using synod::NodeId;
using synod::raft::Entry;
using synod::raft::Index;
using synod::raft::InputResult;
using synod::raft::MessageType;
using synod::raft::ProposeStatus;
using synod::raft::Role;
using synod::raft::Term;

struct SnapConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 5;
  static constexpr std::size_t max_entries_per_message = 4;
  static constexpr std::size_t log_capacity = 8;
  static constexpr std::size_t outbox_capacity = 16;
};
using Node = synod::raft::Node<SnapConfig>;
using Msg = synod::raft::Message<SnapConfig>;
using Window = synod::raft::LogWindow<std::uint64_t, 8>;

// ------------------------------------------------------------------ the log

TEST(RaftLogWindow, CompactMovesTheBaseAndKeepsItsTerm) {
  Window w;
  for (Term t : {1, 1, 2, 2, 3}) ASSERT_TRUE(w.append(Entry<std::uint64_t>{t, 10 + t}));
  w.compact(3);
  EXPECT_EQ(w.first_index(), 4u);
  EXPECT_EQ(w.last_index(), 5u);
  EXPECT_EQ(w.term_at(3), 2u);  // the base's term
  EXPECT_EQ(w.term_at(2), 0u);  // below the base: unknown
  EXPECT_EQ(w.term_at(4), 2u);
  EXPECT_EQ(w.at(5).term, 3u);
  EXPECT_EQ(w.term_at(6), 0u);
  // Out of range: no change.
  const Window before = w;
  w.compact(3);
  w.compact(9);
  EXPECT_EQ(w, before);
  // truncate_after never goes below the base.
  w.truncate_after(1);
  EXPECT_EQ(w.last_index(), 3u);
  EXPECT_EQ(w.term_at(3), 2u);
  w.reset(20, 7);
  EXPECT_EQ(w.first_index(), 21u);
  EXPECT_EQ(w.last_index(), 20u);
  EXPECT_EQ(w.last_term(), 7u);
}

TEST(RaftLogWindow, TheWindowHoldsOnlyEntriesAfterTheBase) {
  Window w;
  for (Index i = 1; i <= 8; ++i) ASSERT_TRUE(w.append(Entry<std::uint64_t>{1, i}));
  EXPECT_TRUE(w.full());
  EXPECT_FALSE(w.append(Entry<std::uint64_t>{1, 9}));
  w.compact(6);
  EXPECT_FALSE(w.full());
  for (Index i = 9; i <= 14; ++i) ASSERT_TRUE(w.append(Entry<std::uint64_t>{1, i}));
  EXPECT_TRUE(w.full());
  EXPECT_EQ(w.last_index(), 14u);
  EXPECT_EQ(w.at(14).payload, 14u);
  EXPECT_EQ(w.at(7).payload, 7u);
}

TEST(RaftLogWindow, EqualityAndHashSeeTheBase) {
  Window a;
  Window b;
  ASSERT_TRUE(a.append(Entry<std::uint64_t>{1, 1}));
  ASSERT_TRUE(a.append(Entry<std::uint64_t>{1, 2}));
  a.compact(1);
  b.reset(1, 1);
  ASSERT_TRUE(b.append(Entry<std::uint64_t>{1, 2}));
  EXPECT_EQ(a, b);
  b.reset(1, 2);
  ASSERT_TRUE(b.append(Entry<std::uint64_t>{1, 2}));
  EXPECT_NE(a, b);  // same entries, another base term
  synod::Hasher ha;
  synod::Hasher hb;
  a.hash_append(ha);
  b.hash_append(hb);
  EXPECT_NE(ha.value(), hb.value());
}

// --------------------------------------------------------------- a cluster

// Nodes, a wire, and an application per node: a state machine that is the
// sequence of applied payloads, its snapshot (the sequence up to the
// snapshot's index), and the chunks of a snapshot being received. A
// snapshot of index i is sent in `chunks` pieces of the sequence.
class Cluster {
 public:
  explicit Cluster(std::size_t n, std::uint32_t chunks = 2) : chunks_(chunks), apps_(n + 1) {
    for (NodeId id = 1; id <= n; ++id) nodes_.emplace_back(options(id, n));
  }
  static synod::raft::Options options(NodeId id, std::size_t n) {
    synod::raft::Options o;
    o.id = id;
    o.cluster_size = static_cast<std::uint8_t>(n);
    o.seed = id;
    // Elections on demand in any order: no leader stickiness in the way.
    o.pre_vote = false;
    o.check_quorum = false;
    return o;
  }

  Node& node(NodeId id) { return nodes_[id - 1]; }
  std::vector<Msg>& wire() { return wire_; }
  std::vector<std::uint64_t>& state(NodeId id) { return apps_[id].sm; }
  std::vector<std::uint64_t>& snapshot(NodeId id) { return apps_[id].snap; }
  bool auto_persist = true;  // make every node's persist request durable after each input
  std::vector<bool> down = std::vector<bool>(8, false);

  // Applies what is committed, takes what may leave.
  void flush() {
    for (NodeId id = 1; id <= nodes_.size(); ++id) {
      Node& n = node(id);
      if (auto_persist) persist(id);
      App& a = apps_[id];
      for (Index i = n.applied_index() + 1; i <= n.commit_index(); ++i) a.sm.push_back(n.log().at(i).payload);
      (void)n.applied(n.commit_index());
      for (const auto& m : n.messages())
        if (!down[m.from] && !down[m.to]) wire_.push_back(m);
      n.clear_messages();
    }
  }
  void persist(NodeId id) {
    Node& n = node(id);
    const auto req = n.persist_request();
    if (req.empty() && n.held_messages() == 0) return;
    App& a = apps_[id];
    if (req.has_snapshot()) {
      // The received chunks become the snapshot and the state machine.
      a.snap = a.receiving;
      a.sm = a.receiving;
      a.receiving.clear();
    }
    (void)n.persisted(req);
  }
  // The bytes of chunk k of node `id`'s snapshot (its piece of the sequence).
  std::vector<std::uint64_t> chunk(NodeId id, std::uint64_t k, std::uint32_t chunks) const {
    const auto& s = apps_[id].snap;
    const std::size_t per = (s.size() + chunks - 1) / chunks;
    std::vector<std::uint64_t> out;
    for (std::size_t i = k * per; i < s.size() && i < (k + 1) * per; ++i) out.push_back(s[i]);
    return out;
  }
  InputResult step(const Msg& m) {
    Node& to = node(m.to);
    InputResult r = to.step(m);
    if (const auto* c = to.accepted_chunk()) {
      App& a = apps_[m.to];
      EXPECT_EQ(c->index, m.log_index);
      if (c->chunk == 0) a.receiving.clear();
      const auto piece = chunk(m.from, c->chunk, node(m.from).snapshot().chunks);
      a.receiving.insert(a.receiving.end(), piece.begin(), piece.end());
    }
    return r;
  }
  std::size_t deliver(const std::function<bool(const Msg&)>& pick = {}) {
    flush();
    std::vector<Msg> now;
    std::vector<Msg> keep;
    for (auto& m : wire_) ((!pick || pick(m)) ? now : keep).push_back(m);
    wire_ = keep;
    for (const auto& m : now) (void)step(m);
    flush();
    return now.size();
  }
  void settle(std::size_t rounds = 100) {
    for (std::size_t i = 0; i < rounds && deliver() > 0; ++i) {
    }
  }
  void elect(NodeId id) {
    (void)node(id).campaign();
    settle();
  }
  // The leader snapshots its state machine at its applied index.
  InputResult compact(NodeId id) {
    Node& n = node(id);
    apps_[id].snap = apps_[id].sm;
    return n.compact(n.applied_index(), chunks_);
  }
  std::size_t count(MessageType t) {
    flush();
    std::size_t k = 0;
    for (const auto& m : wire_) k += m.type == t;
    return k;
  }

 private:
  struct App {
    std::vector<std::uint64_t> sm;
    std::vector<std::uint64_t> snap;
    std::vector<std::uint64_t> receiving;
  };
  std::uint32_t chunks_;
  std::vector<Node> nodes_;
  std::vector<App> apps_;
  std::vector<Msg> wire_;
};

// Proposes `count` payloads from `first` at leader `id`, settling each.
void write(Cluster& c, NodeId id, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t p = first; p < first + count; ++p) {
    ASSERT_EQ(c.node(id).propose(p).status, ProposeStatus::ok) << p;
    c.settle();
  }
  (void)c.node(id).broadcast_heartbeat();  // followers learn the commit index
  c.settle();
}

// --------------------------------------------------------------- compaction

TEST(RaftCompact, ALeaderKeepsTakingWritesPastItsWindow) {
  Cluster c(3);
  c.elect(1);
  std::uint64_t next = 1;
  for (int rounds = 0; rounds < 10; ++rounds) {
    // Fill the window; the next proposal is busy until the log is compacted.
    while (c.node(1).propose(next).status == ProposeStatus::ok) ++next;
    c.settle();
    (void)c.node(1).broadcast_heartbeat();  // followers learn the commit index
    c.settle();
    ASSERT_EQ(c.node(1).commit_index(), next - 1);
    for (NodeId id = 1; id <= 3; ++id) ASSERT_EQ(c.compact(id), InputResult::ok) << id;
  }
  EXPECT_GT(next, 5 * SnapConfig::log_capacity);
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(c.state(id).size(), next - 1);
    EXPECT_EQ(c.node(id).log().first_index(), next);
    EXPECT_EQ(c.node(id).snapshot().index, next - 1);
  }
  EXPECT_EQ(c.count(MessageType::install_snapshot), 0u);  // nobody lagged
}

TEST(RaftCompact, OnlyAppliedEntriesAfterTheBase) {
  Cluster c(3);
  c.elect(1);
  write(c, 1, 1, 3);
  Node& n = c.node(1);
  ASSERT_EQ(n.applied_index(), 3u);
  EXPECT_EQ(n.compact(4), InputResult::ignored);     // not applied
  EXPECT_EQ(n.compact(0), InputResult::ignored);     // at the base
  EXPECT_EQ(n.compact(2, 0), InputResult::ignored);  // a snapshot has chunks
  EXPECT_EQ(n.log().first_index(), 1u);
  EXPECT_EQ(n.compact(2, 3), InputResult::ok);
  EXPECT_EQ(n.snapshot().index, 2u);
  EXPECT_EQ(n.snapshot().term, n.term());
  EXPECT_EQ(n.snapshot().chunks, 3u);
  EXPECT_EQ(n.compact(2), InputResult::ignored);  // at the base now
  EXPECT_EQ(n.compact(1), InputResult::ignored);  // below it
}

TEST(RaftCompact, ACompactionNeedsNoPersistRequest) {
  // The snapshot is durable before compact() is called: nothing more to write.
  Cluster c(3);
  c.elect(1);
  write(c, 1, 1, 3);
  ASSERT_TRUE(c.node(2).persist_request().empty());
  ASSERT_EQ(c.compact(2), InputResult::ok);
  EXPECT_TRUE(c.node(2).persist_request().empty());
  EXPECT_EQ(c.node(2).durable_index(), c.node(2).log().last_index());
}

// ---------------------------------------------------------- InstallSnapshot

// Node 3 misses `count` writes while down; the others compact them away.
Cluster lagging_follower(std::uint32_t chunks, std::uint64_t count) {
  Cluster c(3, chunks);
  c.elect(1);
  write(c, 1, 1, 2);
  c.down[3] = true;
  write(c, 1, 3, count);
  for (NodeId id = 1; id <= 2; ++id) EXPECT_EQ(c.compact(id), InputResult::ok);
  c.down[3] = false;
  return c;
}

TEST(RaftInstallSnapshot, ALaggingFollowerGetsTheSnapshotInChunksThenEntries) {
  Cluster c = lagging_follower(3, 6);
  const Index snap = c.node(1).snapshot().index;
  ASSERT_EQ(snap, 8u);
  ASSERT_GT(c.node(1).log().first_index(), c.node(3).log().last_index() + 1);
  write(c, 1, 100, 1);  // after the snapshot
  EXPECT_EQ(c.node(1).snapshot_in_flight(3), 0u);  // done
  EXPECT_EQ(c.node(3).log().first_index(), snap + 1);
  EXPECT_EQ(c.node(3).snapshot().index, snap);
  EXPECT_EQ(c.node(3).snapshot().chunks, 3u);
  EXPECT_EQ(c.node(3).commit_index(), 9u);
  EXPECT_EQ(c.node(1).match_index(3), 9u);
  EXPECT_EQ(c.state(3), c.state(1));  // the state machine: snapshot, then entry 9
  EXPECT_EQ(c.snapshot(3), std::vector<std::uint64_t>({1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(RaftInstallSnapshot, ChunksTravelOneAtATimeInOrder) {
  Cluster c = lagging_follower(3, 6);
  (void)c.node(1).broadcast_heartbeat();
  std::vector<std::uint64_t> sent;
  for (int i = 0; i < 20; ++i) {
    for (const auto& m : c.wire())
      if (m.type == MessageType::install_snapshot) {
        sent.push_back(m.context);
        EXPECT_EQ(m.success, m.context == 2);  // the last of three
        EXPECT_EQ(m.log_index, 8u);
        EXPECT_EQ(m.log_term, c.node(1).term());
      }
    if (c.deliver() == 0) break;
  }
  EXPECT_EQ(sent, std::vector<std::uint64_t>({0, 1, 2}));
  EXPECT_EQ(c.node(3).log().first_index(), 9u);
}

TEST(RaftInstallSnapshot, TheAcknowledgementWaitsUntilTheSnapshotIsDurable) {
  Cluster c = lagging_follower(2, 6);
  c.auto_persist = false;
  (void)c.node(1).broadcast_heartbeat();
  for (int i = 0; i < 10 && !c.node(3).snapshot_dirty(); ++i) {
    c.deliver();
    for (NodeId id = 1; id <= 2; ++id) c.persist(id);
  }
  Node& f = c.node(3);
  ASSERT_TRUE(f.snapshot_dirty());
  const auto req = f.persist_request();
  EXPECT_TRUE(req.has_snapshot());
  EXPECT_EQ(req.snapshot_index, 8u);
  EXPECT_EQ(req.snapshot_term, c.node(1).term());
  EXPECT_EQ(f.applied_index(), 8u);  // the state machine is the snapshot's now
  EXPECT_TRUE(f.messages().empty());
  EXPECT_GE(f.held_messages(), 1u);
  bool ack_held = false;
  for (const auto& m : f.held())
    ack_held |= m.type == MessageType::append_entries_response && m.success && m.log_index == 8;
  EXPECT_TRUE(ack_held);
  // Everything waits: a heartbeat's answer too.
  (void)c.node(1).broadcast_heartbeat();
  c.deliver([](const Msg& m) { return m.to == 3; });
  EXPECT_TRUE(f.messages().empty());
  c.persist(3);
  EXPECT_FALSE(f.snapshot_dirty());
  EXPECT_TRUE(f.persist_request().empty());
  EXPECT_EQ(f.held_messages(), 0u);
  c.auto_persist = true;
  c.settle();
  EXPECT_EQ(c.node(1).match_index(3), 8u);
}

TEST(RaftInstallSnapshot, ALostChunkIsSentAgainByTheHeartbeat) {
  Cluster c = lagging_follower(2, 6);
  (void)c.node(1).broadcast_heartbeat();
  c.deliver([](const Msg& m) { return m.to == 3; });  // the append to 3: rejected
  c.deliver();  // the rejection: the leader sends chunk 0
  ASSERT_EQ(c.count(MessageType::install_snapshot), 1u);
  c.wire().clear();  // lost
  (void)c.node(1).broadcast_heartbeat();
  ASSERT_EQ(c.count(MessageType::install_snapshot), 1u);
  EXPECT_EQ(c.node(1).snapshot_in_flight(3), 8u);
  c.settle();
  EXPECT_EQ(c.node(3).snapshot().index, 8u);
  EXPECT_EQ(c.state(3), c.state(1));
}

TEST(RaftInstallSnapshot, ANewerCompactionStartsTheTransferOver) {
  Cluster c = lagging_follower(2, 6);
  (void)c.node(1).broadcast_heartbeat();
  c.deliver([](const Msg& m) { return m.to == 3; });
  c.deliver();  // chunk 0 of snapshot 8 is on the wire
  c.deliver([](const Msg& m) { return m.type == MessageType::install_snapshot; });
  ASSERT_EQ(c.node(3).incoming_snapshot_index(), 8u);
  ASSERT_EQ(c.node(3).incoming_snapshot_chunk(), 1u);
  c.wire().clear();
  c.down[3] = true;
  write(c, 1, 50, 3);
  ASSERT_EQ(c.compact(1), InputResult::ok);
  c.down[3] = false;
  (void)c.node(1).broadcast_heartbeat();
  c.flush();
  std::vector<std::pair<Index, std::uint64_t>> sent;
  for (int i = 0; i < 20; ++i) {
    for (const auto& m : c.wire())
      if (m.type == MessageType::install_snapshot) sent.emplace_back(m.log_index, m.context);
    if (c.deliver() == 0) break;
  }
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.front(), std::make_pair(Index{11}, std::uint64_t{0}));
  EXPECT_EQ(c.node(3).snapshot().index, 11u);
  EXPECT_EQ(c.state(3), c.state(1));
}

// Hand-made messages to one follower.
struct Follower {
  Node n{Cluster::options(2, 3)};
  Msg from_leader(MessageType t, Term term) {
    Msg m;
    m.type = t;
    m.from = 1;
    m.to = 2;
    m.term = term;
    return m;
  }
  void persist() { (void)n.persisted(n.persist_request()); }
  // A step, then whatever it asked for made durable (accepted_chunk() stays).
  InputResult step(const Msg& m) {
    const InputResult r = n.step(m);
    persist();
    return r;
  }
  void append(Term term, Index prev, Term prev_term, std::vector<Entry<std::uint64_t>> es, Index commit) {
    Msg m = from_leader(MessageType::append_entries, term);
    m.log_index = prev;
    m.log_term = prev_term;
    m.commit = commit;
    for (const auto& e : es) m.entries.push_back(e);
    ASSERT_EQ(n.step(m), InputResult::ok);
    persist();
    n.clear_messages();
  }
  Msg chunk(Term term, Index index, Term snap_term, std::uint64_t k, bool last) {
    Msg m = from_leader(MessageType::install_snapshot, term);
    m.log_index = index;
    m.log_term = snap_term;
    m.context = k;
    m.success = last;
    return m;
  }
};

TEST(RaftInstallSnapshot, EntriesAfterAMatchingSnapshotAreKept) {
  Follower f;
  f.append(2, 0, 0, {{1, 1}, {1, 2}, {2, 3}, {2, 4}}, 1);
  ASSERT_EQ(f.n.step(f.chunk(2, 3, 2, 0, true)), InputResult::ok);
  EXPECT_EQ(f.n.log().first_index(), 4u);
  EXPECT_EQ(f.n.log().last_index(), 4u);  // entry 4 stays (§7)
  EXPECT_EQ(f.n.log().at(4).payload, 4u);
  EXPECT_EQ(f.n.commit_index(), 3u);
  EXPECT_EQ(f.n.applied_index(), 3u);
  const auto req = f.n.persist_request();
  EXPECT_EQ(req.snapshot_index, 3u);
  EXPECT_FALSE(req.has_entries());  // entry 4 was durable already
}

TEST(RaftInstallSnapshot, AConflictingLogIsReplaced) {
  Follower f;
  f.append(1, 0, 0, {{1, 1}, {1, 2}, {1, 3}, {1, 4}}, 1);
  ASSERT_EQ(f.n.step(f.chunk(2, 3, 2, 0, true)), InputResult::ok);
  EXPECT_EQ(f.n.log().first_index(), 4u);
  EXPECT_EQ(f.n.log().last_index(), 3u);
  EXPECT_EQ(f.n.log().term_at(3), 2u);
  const auto req = f.n.persist_request();
  EXPECT_TRUE(req.has_snapshot());
  EXPECT_EQ(req.first, 4u);  // storage drops every stored entry after the snapshot
}

TEST(RaftInstallSnapshot, ASnapshotAtOrBelowTheCommitIndexIsRefused) {
  Follower f;
  f.append(1, 0, 0, {{1, 1}, {1, 2}, {1, 3}}, 3);
  ASSERT_EQ(f.n.commit_index(), 3u);
  const auto before_log = f.n.log();
  ASSERT_EQ(f.step(f.chunk(1, 2, 1, 0, true)), InputResult::ok);
  EXPECT_EQ(f.n.log(), before_log);
  EXPECT_EQ(f.n.accepted_chunk(), nullptr);
  EXPECT_FALSE(f.n.persist_request().has_snapshot());
  ASSERT_EQ(f.n.messages().size(), 1u);
  const Msg& r = f.n.messages()[0];
  EXPECT_EQ(r.type, MessageType::append_entries_response);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.log_index, 3u);  // how far it matches: its commit index
}

TEST(RaftInstallSnapshot, ChunksOutOfOrderAreRefusedWithTheChunkNeeded) {
  Follower f;
  ASSERT_EQ(f.step(f.chunk(1, 5, 1, 1, false)), InputResult::ok);  // chunk 1 first
  EXPECT_EQ(f.n.accepted_chunk(), nullptr);
  ASSERT_EQ(f.n.messages().size(), 1u);
  EXPECT_EQ(f.n.messages()[0].type, MessageType::install_snapshot_response);
  EXPECT_FALSE(f.n.messages()[0].success);
  EXPECT_EQ(f.n.messages()[0].context, 0u);
  f.n.clear_messages();
  ASSERT_EQ(f.step(f.chunk(1, 5, 1, 0, false)), InputResult::ok);
  ASSERT_NE(f.n.accepted_chunk(), nullptr);
  EXPECT_EQ(f.n.accepted_chunk()->chunk, 0u);
  EXPECT_FALSE(f.n.accepted_chunk()->last);
  EXPECT_EQ(f.n.messages()[0].context, 1u);
  EXPECT_TRUE(f.n.messages()[0].success);
  f.n.clear_messages();
  // A duplicate of chunk 0 starts over; chunk 2 is not next.
  ASSERT_EQ(f.step(f.chunk(1, 5, 1, 2, true)), InputResult::ok);
  EXPECT_EQ(f.n.accepted_chunk(), nullptr);
  EXPECT_EQ(f.n.messages()[0].context, 1u);
  f.n.clear_messages();
  // Chunk 1 of another snapshot: start from 0.
  ASSERT_EQ(f.step(f.chunk(1, 6, 1, 1, true)), InputResult::ok);
  EXPECT_EQ(f.n.accepted_chunk(), nullptr);
  EXPECT_EQ(f.n.messages()[0].context, 0u);
  EXPECT_EQ(f.n.incoming_snapshot_index(), 5u);
  f.n.clear_messages();
  ASSERT_EQ(f.step(f.chunk(1, 5, 1, 1, true)), InputResult::ok);
  ASSERT_NE(f.n.accepted_chunk(), nullptr);
  EXPECT_TRUE(f.n.accepted_chunk()->last);
  EXPECT_EQ(f.n.snapshot().index, 5u);
  EXPECT_EQ(f.n.snapshot().chunks, 2u);
  EXPECT_EQ(f.n.incoming_snapshot_index(), 0u);
}

TEST(RaftInstallSnapshot, StaleAndMalformedChunksChangeNothing) {
  Follower f;
  f.append(3, 0, 0, {{3, 1}}, 1);
  const Node before = f.n;
  // Stale term: answered with ours, nothing taken.
  ASSERT_EQ(f.step(f.chunk(2, 5, 2, 0, true)), InputResult::ok);
  EXPECT_EQ(f.n.accepted_chunk(), nullptr);
  ASSERT_EQ(f.n.messages().size(), 1u);
  EXPECT_EQ(f.n.messages()[0].term, 3u);
  EXPECT_EQ(f.n.log(), before.log());
  f.n.clear_messages();
  // Malformed: index 0, entries attached, a chunk number past 32 bits.
  Msg zero = f.chunk(3, 0, 3, 0, true);
  EXPECT_EQ(f.step(zero), InputResult::ignored);
  Msg with_entries = f.chunk(3, 5, 3, 0, true);
  with_entries.entries.push_back({3, 9});
  EXPECT_EQ(f.step(with_entries), InputResult::ignored);
  Msg huge = f.chunk(3, 5, 3, std::uint64_t{1} << 40, true);
  EXPECT_EQ(f.step(huge), InputResult::ignored);
  EXPECT_EQ(f.n, before);
}

TEST(RaftInstallSnapshot, AnAppendBelowTheBaseIsCheckedFromTheBase) {
  Follower f;
  ASSERT_EQ(f.step(f.chunk(2, 4, 2, 0, true)), InputResult::ok);
  f.persist();
  f.n.clear_messages();
  // prev = 2 is below the base (4); entries 3..6: 3 and 4 are in the snapshot.
  f.append(2, 2, 1, {{1, 3}, {2, 4}, {2, 5}, {2, 6}}, 6);
  EXPECT_EQ(f.n.log().first_index(), 5u);
  EXPECT_EQ(f.n.log().last_index(), 6u);
  EXPECT_EQ(f.n.log().at(5).payload, 5u);
  EXPECT_EQ(f.n.commit_index(), 6u);
  // Wholly below the base: acknowledged as matching up to the base.
  Msg m = f.from_leader(MessageType::append_entries, 2);
  m.log_index = 1;
  m.log_term = 1;
  m.entries.push_back({1, 2});
  ASSERT_EQ(f.step(m), InputResult::ok);
  ASSERT_EQ(f.n.messages().size(), 1u);
  EXPECT_TRUE(f.n.messages()[0].success);
  EXPECT_EQ(f.n.messages()[0].log_index, 4u);
  EXPECT_EQ(f.n.log().last_index(), 6u);
}

TEST(RaftInstallSnapshot, AVoteComparesLogsAtTheBase) {
  // A node whose log is only a snapshot still has a last term.
  Follower f;
  ASSERT_EQ(f.step(f.chunk(3, 4, 3, 0, true)), InputResult::ok);
  f.persist();
  Msg rv = f.from_leader(MessageType::request_vote, 4);
  rv.from = 3;
  rv.log_index = 9;
  rv.log_term = 2;  // a longer log of an older term: not as up to date
  ASSERT_EQ(f.step(rv), InputResult::ok);
  f.persist();
  ASSERT_EQ(f.n.messages().size(), 2u);  // the chunk's ack, the vote
  EXPECT_EQ(f.n.messages()[1].type, MessageType::request_vote_response);
  EXPECT_FALSE(f.n.messages()[1].success);
}

// ------------------------------------------------------------------ restart

TEST(RaftRestart, FromASnapshotAndALogSuffix) {
  Cluster c(3);
  c.elect(1);
  write(c, 1, 1, 5);
  ASSERT_EQ(c.compact(2), InputResult::ok);
  Node& n = c.node(2);
  const Node back = Node::restart(n.options(), n.hard_state(), n.log(), 2);
  EXPECT_EQ(back.commit_index(), 5u);  // the base
  EXPECT_EQ(back.applied_index(), 5u);
  EXPECT_EQ(back.snapshot().index, 5u);
  EXPECT_EQ(back.snapshot().term, n.term());
  EXPECT_EQ(back.snapshot().chunks, 2u);
  EXPECT_EQ(back.log().first_index(), 6u);
  EXPECT_EQ(back.role(), Role::follower);
  // Without a snapshot the indexes start at 0 as before.
  const Node fresh = Node::restart(c.node(3).options(), c.node(3).hard_state(), Node::LogT{});
  EXPECT_EQ(fresh.commit_index(), 0u);
  EXPECT_EQ(fresh.snapshot().index, 0u);
}

TEST(RaftRestart, ARestartedLeaderSendsItsSnapshot) {
  Cluster c = lagging_follower(2, 6);
  Node& old = c.node(1);
  Node back = Node::restart(old.options(), old.hard_state(), old.log(), 2);
  c.node(1) = back;
  c.state(1) = c.snapshot(1);  // the application loads its snapshot
  c.elect(1);
  ASSERT_EQ(c.node(1).role(), Role::leader);
  write(c, 1, 200, 1);
  EXPECT_EQ(c.node(3).snapshot().index, 8u);
  EXPECT_EQ(c.state(3), c.state(1));
  EXPECT_EQ(c.state(3).back(), 200u);
}

}  // namespace
