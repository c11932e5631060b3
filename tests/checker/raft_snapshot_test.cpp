// Snapshots in the shared checks and the simulation core: the compaction
// a harness drives (RaftProtocol::compact), the snapshot the disk stores,
// a follower that installs one and restarts from it, the trace's compact
// event, and each snapshot check failing on a hand-made breach.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <synod/check/raft_invariants.hpp>
#include <synod/sim/cluster.hpp>
#include <synod/sim/raft.hpp>
#include <synod/trace/run.hpp>
#include <synod/trace/trace.hpp>

namespace {

using namespace synod;
using Violation = check::raft_invariants::Violation;
using P = sim::RaftProtocol<sim::RaftTestConfig>;
using Cluster = sim::Cluster<P>;
using Node = P::Node;
using Log = Node::LogT;
using Entry = P::Entry;

std::vector<raft::Options> options(std::size_t n) {
  std::vector<raft::Options> o;
  for (NodeId id = 1; id <= n; ++id) {
    raft::Options x;
    x.pre_vote = false;
    x.check_quorum = false;
    x.append_noop_on_election = true;
    o.push_back(sim::raft_options(x, id, n, 1));
  }
  return o;
}

// n1 leads a 3-node cluster with n3 cut off; `count` proposals commit on
// n1 and n2, and n1 compacts at its applied index (in `chunks` chunks).
Cluster leader_compacted(int count, std::uint32_t chunks) {
  Cluster c(options(3));
  c.partition({{1, 2}, {3}});
  (void)c.input(1, [](Node& n) { return n.campaign(); });
  c.deliver_all();
  for (int k = 0; k < count; ++k) (void)c.input(1, [&](Node& n) { return n.propose(100 + k).status; });
  c.deliver_all();
  (void)c.input(1, [](Node& n) { return n.broadcast_heartbeat(); });
  c.deliver_all();
  const bool took = c.input(1, [&](Node& n) { return P::compact(n, c.disk(1), n.applied_index(), chunks); });
  EXPECT_TRUE(took);
  return c;
}

TEST(SimRaftSnapshot, CompactionMovesTheDiskBaseAndTheGhostKeepsTheContent) {
  Cluster c = leader_compacted(2, 1);
  ASSERT_TRUE(c.ok()) << c.detail();
  const Node& n = c.node(1);
  EXPECT_EQ(n.snapshot().index, 3u);  // the no-op and two proposals
  EXPECT_EQ(check::raft_invariants::base_of(c.disk(1).log), 3u);
  EXPECT_EQ(c.disk(1).snapshot.index, 3u);
  const auto* content = c.history().snapshot_content(n.snapshot().index, n.snapshot().term);
  ASSERT_NE(content, nullptr);
  ASSERT_EQ(content->size(), 3u);
  EXPECT_EQ((*content)[1].payload, 100u);
  EXPECT_EQ((*content)[2].payload, 101u);
  // Past the applied index, the kernel refuses.
  const bool past = c.input(1, [&](Node& x) { return P::compact(x, c.disk(1), x.log().last_index() + 1, 1); });
  EXPECT_FALSE(past);
}

// A follower cut off while the leader compacted gets the snapshot in
// chunks, installs it, applies its content, appends after it, and restarts
// from snapshot + log with the same state machine.
TEST(SimRaftSnapshot, FollowerInstallsInChunksAppendsAndRestarts) {
  Cluster c = leader_compacted(2, 3);
  ASSERT_TRUE(c.ok()) << c.detail();
  c.heal();
  for (int round = 0; round < 6; ++round) {
    (void)c.input(1, [](Node& n) { return n.broadcast_heartbeat(); });
    c.deliver_all();
  }
  (void)c.input(1, [](Node& n) { return n.propose(200).status; });
  c.deliver_all();
  (void)c.input(1, [](Node& n) { return n.broadcast_heartbeat(); });
  c.deliver_all();
  ASSERT_TRUE(c.ok()) << c.detail();
  EXPECT_EQ(c.node(3).snapshot().index, 3u);
  EXPECT_EQ(c.node(3).snapshot().chunks, 3u);
  EXPECT_EQ(c.node(3).commit_index(), 4u);
  ASSERT_EQ(c.local(3).applied.size(), 4u);
  EXPECT_EQ(c.local(3).applied[1].payload, 100u);
  EXPECT_EQ(c.local(3).applied[3].payload, 200u);
  EXPECT_TRUE(c.history().snapshot_append_seen());
  c.crash(3);
  c.restart(3);
  ASSERT_TRUE(c.ok()) << c.detail();
  EXPECT_EQ(c.node(3).snapshot().chunks, 3u);
  EXPECT_EQ(c.local(3).applied.size(), 3u);  // the snapshot, until the commit index is learned again
  (void)c.input(1, [](Node& n) { return n.broadcast_heartbeat(); });
  c.deliver_all();
  EXPECT_EQ(c.local(3).applied.size(), 4u);
  EXPECT_TRUE(c.ok()) << c.detail();
}

// Each snapshot check fails on a breach made by hand.
TEST(RaftInvariantsSnapshot, ChecksFailOnBreaches) {
  Cluster c = leader_compacted(1, 1);
  ASSERT_TRUE(c.ok()) << c.detail();
  const Node& n = c.node(1);
  // The disk must hold the node's snapshot at its base.
  P::Disk d = c.disk(1);
  EXPECT_EQ(P::check_node(n, d), Violation::none);
  d.log.reset(1, n.snapshot().term);
  EXPECT_EQ(P::check_node(n, d), Violation::durable_not_on_disk);
  // An InstallSnapshot must name the snapshot its sender stores.
  P::Message m;
  m.type = raft::MessageType::install_snapshot;
  m.from = 1;
  m.to = 3;
  m.term = n.term();
  m.log_index = n.snapshot().index;
  m.log_term = n.snapshot().term;
  EXPECT_EQ(check::raft_invariants::check_send(m, c.disk(1).hard_state, c.disk(1).log), Violation::none);
  m.log_index = 1;
  EXPECT_EQ(check::raft_invariants::check_send(m, c.disk(1).hard_state, c.disk(1).log),
            Violation::snapshot_not_stored);
  // A state machine that applied something else than was committed.
  std::vector<Entry> applied(c.local(2).applied);
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(c.history().check_applied(applied), Violation::none);
  applied.back().payload += 1;
  EXPECT_EQ(c.history().check_applied(applied), Violation::state_machine_safety);
  // Two snapshots at one (index, term) with different content, and a
  // node whose snapshot nobody took.
  P::History h = c.history();
  Node other = c.node(2);
  Node compacted = other;
  ASSERT_EQ(compacted.applied_index(), compacted.commit_index());
  (void)compacted.compact(compacted.applied_index(), 1);
  EXPECT_EQ(h.record(&other, compacted), Violation::none);  // the same content as n1's
  P::History forged = c.history();
  Node restored = Node::restart(c.options(2), other.hard_state(), [&] {
    Log log;
    log.reset(1, n.term());  // (1, term): a snapshot nobody took (n1 took (2, term))
    return log;
  }());
  EXPECT_EQ(forged.record(static_cast<const Node*>(nullptr), restored), Violation::snapshot_content);
}

// Log Matching with bases: only the entries both logs hold are compared.
TEST(RaftInvariantsSnapshot, LogMatchingComparesWhatBothHold) {
  Log a, b;
  for (std::uint64_t v = 1; v <= 4; ++v) {
    (void)a.append(Entry{1, v});
    (void)b.append(Entry{1, v});
  }
  a.compact(3);
  EXPECT_TRUE(check::raft_invariants::logs_match(a, b));
  b.truncate_after(3);
  (void)b.append(Entry{1, 9});  // same index and term as a's entry 4, another payload
  EXPECT_FALSE(check::raft_invariants::logs_match(a, b));
  Log c;
  c.reset(6, 2);  // a base past b's end: nothing both hold
  EXPECT_TRUE(check::raft_invariants::logs_match(c, b));
}

TEST(TraceFormatSnapshot, CompactRoundTripsAndRuns) {
  trace::Schedule s;
  s.protocol = "raft";
  s.nodes = 3;
  s.noop_on_election = true;
  s.snapshot_chunks = 2;
  // Persist every node and deliver the oldest messages, a few rounds.
  const auto settle = [&s] {
    for (int r = 0; r < 4; ++r) {
      for (std::uint8_t id = 1; id <= 3; ++id) s.events.push_back(trace::Event{trace::Op::persist, id, 0, {}});
      for (int k = 0; k < 6; ++k) s.events.push_back(trace::Event{trace::Op::deliver, 1, 0, {}});
    }
  };
  s.events = {trace::Event{trace::Op::campaign, 1, 0, {}}};
  settle();
  s.events.push_back(trace::Event{trace::Op::propose, 0, 7, {}});
  settle();
  s.events.push_back(trace::Event{trace::Op::heartbeat, 1, 0, {}});
  settle();
  s.events.push_back(trace::Event{trace::Op::compact, 1, 0, {}});
  s.events.push_back(trace::Event{trace::Op::compact, 2, 9, {}});  // past applied: refused
  const nlohmann::json j = trace::to_json(s);
  EXPECT_EQ(j["cluster"]["snapshot_chunks"], 2);
  EXPECT_FALSE(j["steps"][s.events.size() - 2]["action"].contains("upto"));
  EXPECT_EQ(j["steps"][s.events.size() - 1]["action"]["upto"], 9);
  EXPECT_EQ(trace::describe(s.events.back()), "compact n2 at 9");
  const trace::Schedule back = trace::from_json(nlohmann::json::parse(trace::to_text(s)));
  EXPECT_EQ(back.events, s.events);
  EXPECT_EQ(back.snapshot_chunks, 2u);
  const trace::Outcome o = trace::run(s);
  EXPECT_TRUE(o.ok) << o.detail;
  EXPECT_EQ(o.committed, 2u);
  // compact is a Raft action.
  const nlohmann::json paxos = {{"format", trace::kFormat},
                                {"protocol", "paxos"},
                                {"cluster", {{"kernel", "test"}, {"nodes", 3}}},
                                {"steps", {{{"step", 1}, {"action", {{"type", "compact"}, {"node", 1}}}}}},
                                {"expect", {{"result", "ok"}}}};
  EXPECT_THROW((void)trace::from_json(paxos), trace::BadTrace);
}

}  // namespace
