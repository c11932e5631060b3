// A user's program: a one-node Raft cluster commits a command.
#include <synod/raft/node.hpp>

#include <cstdio>

int main() {
  synod::raft::Node<synod::raft::DefaultConfig> node(synod::raft::Options{.id = 1, .cluster_size = 1});
  node.campaign();
  node.persisted(node.persist_request());
  if (node.role() != synod::raft::Role::leader) return 1;
  if (node.propose(42).status != synod::raft::ProposeStatus::ok) return 2;
  node.persisted(node.persist_request());
  if (node.commit_index() != 1 || node.log().at(1).payload != 42) return 3;
  std::puts("consumer: committed 1 entry");
  return 0;
}
