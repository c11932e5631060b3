// net.hpp - a hand-driven network of kernel nodes for the tests of one
// feature at a time (CheckQuorum, leadership transfer, ReadIndex): every
// node's disk is made durable at once, links can be cut, and delivery is
// explicit, so a test says exactly which messages arrive and when.
// (Scenario files and property tests use the simulation core instead.)
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include <synod/raft/node.hpp>

namespace synod::test {

struct NetConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 5;
  static constexpr std::size_t max_entries_per_message = 4;
  static constexpr std::size_t log_capacity = 64;
  static constexpr std::size_t outbox_capacity = 16;
  static constexpr std::size_t max_pending_reads = 4;
};

class Net {
 public:
  using Node = raft::Node<NetConfig>;
  using Msg = raft::Message<NetConfig>;

  // n nodes with the kernel's default options (pre-vote and CheckQuorum on)
  // changed by `tweak`.
  explicit Net(std::size_t n, const std::function<void(raft::Options&)>& tweak = {}) {
    for (NodeId id = 1; id <= n; ++id) {
      raft::Options o;
      o.id = id;
      o.cluster_size = static_cast<std::uint8_t>(n);
      o.seed = id;
      if (tweak) tweak(o);
      nodes_.emplace_back(o);
    }
    cut_.assign((n + 1) * (n + 1), false);
  }

  Node& node(NodeId id) { return nodes_[id - 1]; }
  std::size_t size() const { return nodes_.size(); }
  std::vector<Msg>& in_flight() { return wire_; }

  // Both directions between a and b.
  void cut(NodeId a, NodeId b) { cut_[a * (size() + 1) + b] = cut_[b * (size() + 1) + a] = true; }
  void isolate(NodeId a) {
    for (NodeId b = 1; b <= size(); ++b)
      if (b != a) cut(a, b);
  }
  void heal() { std::fill(cut_.begin(), cut_.end(), false); }

  // Makes every node's pending state durable and moves what may leave onto
  // the wire (messages over a cut link are lost).
  void flush() {
    for (auto& n : nodes_) {
      if (!n.persist_request().empty() || n.held_messages() > 0) (void)n.persisted(n.persist_request());
      for (const auto& m : n.messages())
        if (!cut_[m.from * (size() + 1) + m.to]) wire_.push_back(m);
      n.clear_messages();
    }
  }

  // Delivers the messages in flight that `pick` selects (all by default),
  // once, then flushes; returns how many were delivered.
  std::size_t deliver(const std::function<bool(const Msg&)>& pick = {}) {
    flush();
    std::vector<Msg> now;
    std::vector<Msg> keep;
    for (auto& m : wire_) ((!pick || pick(m)) ? now : keep).push_back(m);
    wire_ = keep;
    for (const auto& m : now) (void)node(m.to).step(m);
    flush();
    return now.size();
  }
  // Delivers until nothing is in flight (bounded).
  void settle(std::size_t rounds = 50) {
    for (std::size_t i = 0; i < rounds && deliver() > 0; ++i) {
    }
  }
  // Drops everything in flight.
  void drop_all() {
    flush();
    wire_.clear();
  }

  // Makes `id` leader through an election the others see (settled).
  void elect(NodeId id) {
    (void)node(id).campaign();
    settle();
  }

  std::size_t count(raft::MessageType t) {
    flush();
    return static_cast<std::size_t>(
        std::count_if(wire_.begin(), wire_.end(), [t](const Msg& m) { return m.type == t; }));
  }

 private:
  std::vector<Node> nodes_;
  std::vector<Msg> wire_;
  std::vector<bool> cut_;
};

}  // namespace synod::test
