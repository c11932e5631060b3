// A user's program: a one-node Raft cluster commits a command.
#include <synod/raft/node.hpp>

#include <cstdint>
#include <cstdio>

int main() {
  synod::raft::Node<synod::raft::DefaultConfig> node(synod::raft::Options{.id = 1, .cluster_size = 1});
  if (node.campaign() != synod::raft::InputResult::ok) return 4;
  if (node.persisted(node.persist_request()) != synod::raft::InputResult::ok) return 5;
  if (node.role() != synod::raft::Role::leader) return 1;
  if (node.propose(42).status != synod::raft::ProposeStatus::ok) return 2;
  if (node.persisted(node.persist_request()) != synod::raft::InputResult::ok) return 6;
  if (node.commit_index() != 1 || node.log().at(1).payload != 42) return 3;
  // Past the log window: apply, snapshot now and then, compact.
  const std::uint64_t total = 3 * synod::raft::DefaultConfig::log_capacity;
  for (std::uint64_t p = 2; p <= total; ++p) {
    if (node.propose(p).status != synod::raft::ProposeStatus::ok) return 7;
    if (node.persisted(node.persist_request()) != synod::raft::InputResult::ok) return 8;
    (void)node.applied(node.commit_index());
    if (node.applied_index() - node.snapshot().index >= 1024 &&
        node.compact(node.applied_index()) != synod::raft::InputResult::ok)
      return 9;
  }
  if (node.commit_index() != total || node.log().last_index() != total || node.snapshot().index == 0) return 10;
  std::printf("consumer: committed %llu entries\n", static_cast<unsigned long long>(total));
  return 0;
}
