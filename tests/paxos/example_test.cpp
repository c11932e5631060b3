// The example of docs/paxos.md, compiled and run: keep the two in step.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <optional>

#include <synod/paxos/node.hpp>

namespace {

using namespace synod;
using namespace synod::paxos;

TEST(PaxosExample, DocsExampleChoosesTheValue) {
  // --- from docs/paxos.md
  std::array<std::optional<Node<>>, 4> nodes;                 // ids 1..3
  std::array<PersistentState<std::uint64_t>, 4> disk{};      // stand-in for stable storage
  for (NodeId id = 1; id <= 3; ++id) nodes[id].emplace(Options{.id = id, .cluster_size = 3});

  std::deque<Message<DefaultConfig>> network;
  auto drain = [&](Node<>& n) {
    for (;;) {
      for (const auto& m : n.messages()) network.push_back(m);  // may leave now
      n.clear_messages();
      const auto request = n.persist_request();
      if (request.empty()) break;
      disk[n.id()] = request.state;  // write atomically (and fsync) first...
      (void)n.persisted(request);    // ...then release the held messages
    }
  };

  if (nodes[1]->propose(42) == ProposeStatus::ok) drain(*nodes[1]);
  while (!network.empty()) {
    const auto m = network.front();
    network.pop_front();
    (void)nodes[m.to]->step(m);
    drain(*nodes[m.to]);
  }
  for (NodeId id = 1; id <= 3; ++id) {
    if (nodes[id]->newly_learned()) {
      // apply(*nodes[id]->learned()) -- reported once per node
      nodes[id]->clear_newly_learned();
    }
  }
  // After a crash: only what was persisted comes back.
  nodes[2] = Node<>::restart(Options{.id = 2, .cluster_size = 3}, disk[2]);
  // --- end of the example

  for (NodeId id : {NodeId{1}, NodeId{3}}) EXPECT_EQ(nodes[id]->learned(), std::optional<std::uint64_t>{42});
  EXPECT_EQ(nodes[2]->acceptor().accepted_value(), std::optional<std::uint64_t>{42});
  EXPECT_FALSE(nodes[2]->learned().has_value());
}

}  // namespace
