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

#include <cstddef>
#include <optional>
#include <vector>

#include <synod/sim/paxos.hpp>

namespace {

using namespace synod;
using Config = paxos::DefaultConfig;
using Node = paxos::Node<Config>;

// The simulation core with its ghost checks off: what is timed is the
// kernel and the core's delivery loop.
class Cluster {
 public:
  explicit Cluster(std::uint8_t n) : core_(options(n)) { core_.observe_steps = false; }

  // One full round; returns the messages delivered.
  std::size_t round(std::uint64_t value) {
    core_.reset();
    (void)core_.input(1, [&](Node& x) { return x.propose(value); });
    return core_.deliver_all();
  }

  const Node& node(NodeId id) const { return core_.node(id); }

  bool all_learned(std::uint64_t value) const {
    for (NodeId id = 1; id <= core_.size(); ++id)
      if (core_.node(id).learned() != std::optional<std::uint64_t>{value}) return false;
    return true;
  }

 private:
  static std::vector<paxos::Options> options(std::uint8_t n) {
    std::vector<paxos::Options> all;
    for (NodeId id = 1; id <= n; ++id) {
      paxos::Options o;
      o.id = id;
      o.cluster_size = n;
      o.seed = id;
      all.push_back(o);
    }
    return all;
  }

  sim::Cluster<sim::PaxosProtocol<Config>> core_;
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
