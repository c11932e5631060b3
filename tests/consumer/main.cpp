// A user's program: a one-node Raft cluster commits a command.
#include <synod/raft/node.hpp>

#include <cstdio>

int main() {
  synod::raft::Node<synod::raft::DefaultConfig> node(synod::raft::Options{.id = 1, .cluster_size = 1});
  if (node.campaign() != synod::raft::InputResult::ok) return 4;
  if (node.persisted(node.persist_request()) != synod::raft::InputResult::ok) return 5;
  if (node.role() != synod::raft::Role::leader) return 1;
  if (node.propose(42).status != synod::raft::ProposeStatus::ok) return 2;
  if (node.persisted(node.persist_request()) != synod::raft::InputResult::ok) return 6;
  if (node.commit_index() != 1 || node.log().at(1).payload != 42) return 3;
  std::puts("consumer: committed 1 entry");
  return 0;
}
