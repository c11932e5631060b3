// raft_bench.cpp - Raft kernel steps per second, in memory.
//
//   BM_RaftLeaderAppendResponse   a 3-node leader handling successful
//                                 AppendEntries responses (match/commit advance)
//   BM_RaftFollowerAppend/N       a follower appending N entries per message,
//                                 making them durable and acknowledging
//   BM_RaftLeaderPropose          a 3-node leader accepting a proposal and
//                                 sending it to both followers
//   BM_RaftCommitLoop/K           a 3-node cluster in memory committing and
//                                 applying one entry per iteration; every node
//                                 compacts its log every K applied entries
//                                 (K = 0: never; the cluster starts over when
//                                 the window is full, outside the timing)
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include <synod/raft/node.hpp>

namespace {

using namespace synod;

struct BenchConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 7;
  static constexpr std::size_t max_entries_per_message = 64;
  static constexpr std::size_t log_capacity = 1 << 14;
  static constexpr std::size_t outbox_capacity = 64;
};
using Node = raft::Node<BenchConfig>;
using Message = raft::Message<BenchConfig>;

void settle(Node& n) {
  (void)n.persisted(n.persist_request());
  n.clear_messages();
}

// A leader of term 1 in a 3-node cluster, with `entries` entries proposed.
Node make_leader(std::size_t entries) {
  // A plain election (no pre-vote round): the one vote below makes it leader.
  Node n(raft::Options{.id = 1, .cluster_size = 3, .pre_vote = false});
  (void)n.campaign();
  settle(n);
  Message vote;
  vote.type = raft::MessageType::request_vote_response;
  vote.from = 2;
  vote.to = 1;
  vote.term = n.term();
  vote.success = true;
  (void)n.step(vote);
  settle(n);
  SYNOD_ASSERT(n.role() == raft::Role::leader);
  for (std::size_t i = 0; i < entries; ++i) {
    (void)n.propose(i);
    settle(n);
  }
  return n;
}

void BM_RaftLeaderAppendResponse(benchmark::State& state) {
  const std::size_t entries = BenchConfig::log_capacity - 1;
  const Node start = make_leader(entries);
  Node n = start;
  Message ack;
  ack.type = raft::MessageType::append_entries_response;
  ack.to = 1;
  ack.term = start.term();
  ack.success = true;
  raft::Index match = 0;
  for (auto _ : state) {
    if (match == entries) {
      state.PauseTiming();
      n = start;
      match = 0;
      state.ResumeTiming();
    }
    ++match;
    ack.from = 2;
    ack.log_index = match;
    (void)n.step(ack);
    ack.from = 3;
    (void)n.step(ack);
    n.clear_messages();
    benchmark::DoNotOptimize(n.commit_index());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2,
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RaftLeaderAppendResponse);

void BM_RaftFollowerAppend(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const Node start(raft::Options{.id = 2, .cluster_size = 3});
  Node n = start;
  Message m;
  m.type = raft::MessageType::append_entries;
  m.from = 1;
  m.to = 2;
  m.term = 1;
  for (std::size_t i = 0; i < batch; ++i) m.entries.push_back({1, i});
  for (auto _ : state) {
    if (n.log().last_index() + batch > BenchConfig::log_capacity) {
      state.PauseTiming();
      n = start;
      state.ResumeTiming();
    }
    m.log_index = n.log().last_index();
    m.log_term = m.log_index == 0 ? 0 : 1;
    m.commit = m.log_index;
    (void)n.step(m);
    (void)n.persisted(n.persist_request());
    n.clear_messages();
    (void)n.applied(n.commit_index());
    benchmark::DoNotOptimize(n.log().last_index());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RaftFollowerAppend)->Arg(1)->Arg(16);

void BM_RaftLeaderPropose(benchmark::State& state) {
  const Node start = make_leader(0);
  Node n = start;
  std::uint64_t v = 0;
  for (auto _ : state) {
    if (n.log().full()) {
      state.PauseTiming();
      n = start;
      state.ResumeTiming();
    }
    auto r = n.propose(++v);
    benchmark::DoNotOptimize(r);
    (void)n.persisted(n.persist_request());
    n.clear_messages();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RaftLeaderPropose);

// Three nodes, the leader's messages delivered at once, every disk durable
// at once.
struct Loop {
  std::array<Node, 3> nodes{Node(raft::Options{.id = 1, .cluster_size = 3}),
                            Node(raft::Options{.id = 2, .cluster_size = 3}),
                            Node(raft::Options{.id = 3, .cluster_size = 3})};
  std::vector<Message> wire;
  Loop() {
    (void)nodes[0].campaign();
    run();
  }
  void run() {
    for (int round = 0; round < 8; ++round) {
      for (auto& n : nodes) {
        (void)n.persisted(n.persist_request());
        for (const auto& m : n.messages()) wire.push_back(m);
        n.clear_messages();
        (void)n.applied(n.commit_index());
      }
      if (wire.empty()) return;
      std::vector<Message> now;
      now.swap(wire);
      for (const auto& m : now) (void)nodes[m.to - 1].step(m);
    }
  }
};

void BM_RaftCommitLoop(benchmark::State& state) {
  const auto every = static_cast<raft::Index>(state.range(0));
  Loop loop;
  std::uint64_t v = 0;
  for (auto _ : state) {
    Node& leader = loop.nodes[0];
    if (every == 0 && leader.log().full()) {
      state.PauseTiming();
      loop = Loop();
      state.ResumeTiming();
    }
    if (leader.propose(++v).status != raft::ProposeStatus::ok) {
      state.SkipWithError("proposal refused");
      break;
    }
    loop.run();
    if (every != 0)
      for (auto& n : loop.nodes)
        if (n.applied_index() - n.snapshot().index >= every) (void)n.compact(n.applied_index());
    benchmark::DoNotOptimize(leader.commit_index());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RaftCommitLoop)->Arg(0)->Arg(1024)->Arg(8192);

}  // namespace
