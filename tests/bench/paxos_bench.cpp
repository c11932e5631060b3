// paxos_bench.cpp - Basic Paxos kernel, full rounds per second, in memory.
//
//   BM_PaxosRound/N   a fresh cluster of N nodes (each proposer, acceptor and
//                     learner); node 1 proposes; messages are delivered in
//                     FIFO order and every persist request is made "durable"
//                     at once, until every node learned the value: prepare ->
//                     promise -> accept -> accepted -> chosen. One iteration is
//                     one full round, including resetting the N nodes.
//   BM_PaxosNodeHash  canonical hash_append of one node of a 5-node cluster
//                     after a round (what the model checker pays per node
//                     per state), with the identity and with a renaming
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <optional>

#include <boost/container/static_vector.hpp>
#include <synod/paxos/node.hpp>

namespace {

using namespace synod;
using Config = paxos::DefaultConfig;
using Node = paxos::Node<Config>;
using Message = paxos::Message<Config>;

class Cluster {
 public:
  explicit Cluster(std::uint8_t n) : n_(n) {
    for (NodeId id = 1; id <= n; ++id) {
      paxos::Options o;
      o.id = id;
      o.cluster_size = n;
      o.seed = id;
      fresh_[id].emplace(o);
    }
  }

  // One full round; returns the messages delivered.
  std::size_t round(std::uint64_t value) {
    for (NodeId id = 1; id <= n_; ++id) nodes_[id] = fresh_[id];
    queue_.clear();
    (void)nodes_[1]->propose(value);
    drain(1);
    std::size_t head = 0;
    while (head < queue_.size()) {
      const Message m = queue_[head++];
      (void)nodes_[m.to]->step(m);
      drain(m.to);
    }
    return head;
  }

  const Node& node(NodeId id) const { return *nodes_[id]; }

  bool all_learned(std::uint64_t value) const {
    for (NodeId id = 1; id <= n_; ++id)
      if (nodes_[id]->learned() != std::optional<std::uint64_t>{value}) return false;
    return true;
  }

 private:
  void drain(NodeId id) {
    Node& node = *nodes_[id];
    for (;;) {
      for (const Message& m : node.messages()) queue_.push_back(m);
      node.clear_messages();
      const auto request = node.persist_request();
      if (request.empty()) return;
      (void)node.persisted(request);
    }
  }

  std::uint8_t n_;
  std::array<std::optional<Node>, 8> fresh_{};
  std::array<std::optional<Node>, 8> nodes_{};
  boost::container::static_vector<Message, 256> queue_;
};

void BM_PaxosRound(benchmark::State& state) {
  const auto n = static_cast<std::uint8_t>(state.range(0));
  Cluster cluster(n);
  std::uint64_t value = 0;
  std::size_t messages = 0;
  for (auto _ : state) {
    messages = cluster.round(++value);
    benchmark::DoNotOptimize(messages);
  }
  if (!cluster.all_learned(value)) state.SkipWithError("the round did not choose the value");
  state.SetItemsProcessed(state.iterations());  // items = rounds
  state.counters["messages_per_round"] = static_cast<double>(messages);
}
BENCHMARK(BM_PaxosRound)->Arg(3)->Arg(5);

void BM_PaxosNodeHash(benchmark::State& state) {
  Cluster cluster(5);
  (void)cluster.round(7);
  const Node& node = cluster.node(2);
  Renaming swap;
  if (state.range(0) != 0) {
    swap.set(1, 2);
    swap.set(2, 1);
  }
  for (auto _ : state) {
    Hasher h;
    node.hash_append(h, swap);
    benchmark::DoNotOptimize(h.value());
  }
}
BENCHMARK(BM_PaxosNodeHash)->Arg(0)->Arg(1);

}  // namespace
