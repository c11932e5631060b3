// Compiles synod/paxos/node.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/node.hpp>
template class synod::paxos::Node<synod::paxos::DefaultConfig>;
