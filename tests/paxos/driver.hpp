// tests/paxos/driver.hpp - the Paxos scenario tests' cluster: the simulation
// core (synod/sim/cluster.hpp) with Paxos's adapter, plus the Paxos inputs
// and observers the scenarios use. Every input runs the ghost checks of
// paxos_invariants.hpp (the roles' invariants, the durability contract,
// agreement and validity over durable acceptances); a test asserts d.ok().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>
#include <synod/sim/paxos.hpp>

namespace synod::paxos::test {

using sim::Faults;

template <class Config = DefaultConfig, std::size_t NetworkCapacity = 512>
class Driver : public sim::Cluster<sim::PaxosProtocol<Config>> {
  using Core = sim::Cluster<sim::PaxosProtocol<Config>>;

 public:
  using NodeT = Node<Config>;
  using MessageT = Message<Config>;
  using Value = typename Config::Value;
  using State = PersistentState<Value>;
  using Core::input;
  using Core::node;
  using Core::size;
  using Core::up;

  // `n` nodes, ids 1..n, each with `base` options (id, cluster_size and seed
  // filled in per node).
  explicit Driver(std::uint8_t n, Options base = {}) : Core(options(n, base), NetworkCapacity) {}
  // Every scenario's ghost checks must have held to its end, unless the
  // test made a failure on purpose and said so (expect_failure()).
  ~Driver() {
    if (!failure_expected_) {
      EXPECT_TRUE(this->ok()) << this->detail();
    }
  }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  void expect_failure() { failure_expected_ = true; }

  // A client gives node `id` value v; the ghost learns of the proposal first.
  ProposeStatus propose(NodeId id, const Value& v) {
    if (!up(id)) return ProposeStatus::not_proposer;
    this->report(this->history().proposed(v), id, "proposal");
    return input(id, [&](NodeT& n) { return n.propose(v); });
  }
  InputResult start_round(NodeId id) { return input(id, [](NodeT& n) { return n.start_round(); }); }
  InputResult tick(NodeId id) { return input(id, [](NodeT& n) { return n.tick(); }); }
  InputResult inject(const MessageT& m) { return this->hand(m); }

  // The first in-flight message of type t from -> to (kNoNode: any), or
  // in_flight() when there is none.
  std::size_t find(MessageType t, NodeId from = kNoNode, NodeId to = kNoNode) const {
    for (std::size_t k = 0; k < this->in_flight(); ++k) {
      const MessageT& m = this->message(k);
      if (m.type == t && (from == kNoNode || m.from == from) && (to == kNoNode || m.to == to)) return k;
    }
    return this->in_flight();
  }
  const State& storage(NodeId id) const { return this->disk(id); }

  // Random steps until every running proposer with a value knows the
  // outcome (what the protocol guarantees under fair loss: a learner that
  // missed every acceptance of the last round may never hear again, §2.3);
  // returns the steps taken, or max_steps if that never happened.
  std::size_t run_until_decided(SplitMix64& rng, const Faults& f, std::size_t max_steps) {
    return this->run_until(rng, f, max_steps, [&] { return proposers_done(); });
  }

  bool all_learned() const { return sim::all_learned(*this); }
  bool proposers_done() const {
    for (NodeId id = 1; id <= size(); ++id) {
      if (!up(id)) continue;
      const auto& p = node(id).proposer();
      if (p.own_value() && p.phase() != Phase::chosen) return false;
    }
    return true;
  }
  // The value a majority of acceptors durably accepted at one ballot (the
  // ghost's view of "chosen", independent of any learner).
  std::optional<Value> chosen() const {
    const auto c = this->history().chosen();
    return c.empty() ? std::nullopt : std::optional<Value>(c.front());
  }

 private:
  static std::vector<Options> options(std::uint8_t n, const Options& base) {
    std::vector<Options> o;
    for (NodeId id = 1; id <= n; ++id) {
      Options x = base;
      x.id = id;
      x.cluster_size = n;
      x.seed = base.seed * 1000 + id;
      o.push_back(x);
    }
    return o;
  }
  bool failure_expected_ = false;
};

}  // namespace synod::paxos::test
