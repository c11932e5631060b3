// cluster.hpp - the Raft scenario tests' cluster: the simulation core
// (synod/sim/cluster.hpp) with Raft's adapter, plus the Raft inputs and
// observers the scenarios use. Every input runs the ghost checks of
// raft_invariants.hpp; a test asserts c.ok() (or that a seeded fault made
// it fail with a given Violation).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <gtest/gtest.h>
#include <synod/sim/raft.hpp>

namespace synod::test {

using sim::RaftTestConfig;

template <class Config = RaftTestConfig>
class RaftCluster : public sim::Cluster<sim::RaftProtocol<Config>> {
  using Core = sim::Cluster<sim::RaftProtocol<Config>>;

 public:
  using Node = typename Core::Node;
  using Message = typename Core::Message;
  using Log = typename Node::LogT;
  using Entry = raft::Entry<typename Config::Payload>;
  using Core::input;
  using Core::node;
  using Core::size;
  using Core::up;

  explicit RaftCluster(std::size_t n, std::uint64_t seed = 1, raft::Options base = {})
      : Core(options(base, n, seed)), base_(base) {}
  // Every scenario's ghost checks must have held to its end, unless the
  // test made a failure on purpose and said so (expect_failure()).
  ~RaftCluster() {
    if (!failure_expected_) {
      EXPECT_TRUE(this->ok()) << this->detail();
    }
  }
  RaftCluster(const RaftCluster&) = delete;
  RaftCluster& operator=(const RaftCluster&) = delete;
  void expect_failure() { failure_expected_ = true; }

  void tick(NodeId id) { input(id, [](Node& n) { (void)n.tick(); }); }
  void campaign(NodeId id) { input(id, [](Node& n) { (void)n.campaign(); }); }
  void heartbeat(NodeId id) { input(id, [](Node& n) { (void)n.broadcast_heartbeat(); }); }
  raft::ProposeResult propose(NodeId id, typename Config::Payload p) {
    return input(id, [&](Node& n) { return n.propose(p); });
  }
  // The application snapshots at its applied index and compacts (Raft §7);
  // false when the node refused.
  bool compact(NodeId id, std::uint32_t chunks = 2) {
    bool took = false;
    input(id, [&](Node& n) {
      took = sim::RaftProtocol<Config>::compact(n, this->disk(id), n.applied_index(), chunks);
    });
    return took;
  }
  // Rebuilt from its disk, with a generator seeded from `seed`.
  void restart(NodeId id, std::uint64_t seed = 99) {
    this->set_options(id, sim::raft_options(base_, id, size(), seed + id));
    Core::restart(id);
  }
  const std::vector<Entry>& applied(NodeId id) const { return this->local(id).applied; }

  // The leader with the highest term among up nodes, if any.
  std::optional<NodeId> leader() const { return sim::leader(*this); }

  // Ticks every node and delivers everything, until pred() or max_rounds.
  bool run_until(const std::function<bool()>& pred, std::size_t max_rounds = 1000) {
    for (std::size_t i = 0; i < max_rounds; ++i) {
      if (pred()) return true;
      this->tick_all();
      this->deliver_all();
    }
    return pred();
  }
  std::optional<NodeId> elect(std::size_t max_rounds = 1000) {
    run_until([&] { return leader().has_value(); }, max_rounds);
    return leader();
  }

  // Every node's applied sequence is a prefix of every other's.
  bool committed_prefixes_agree() const {
    for (NodeId a = 1; a <= size(); ++a)
      for (NodeId b = a + 1; b <= size(); ++b) {
        const auto& x = applied(a);
        const auto& y = applied(b);
        const std::size_t k = std::min(x.size(), y.size());
        if (!std::equal(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(k), y.begin())) return false;
      }
    return true;
  }

 private:
  static std::vector<raft::Options> options(raft::Options base, std::size_t n, std::uint64_t seed) {
    std::vector<raft::Options> o;
    for (NodeId id = 1; id <= n; ++id) o.push_back(sim::raft_options(base, id, n, seed));
    return o;
  }
  raft::Options base_;
  bool failure_expected_ = false;
};

}  // namespace synod::test
