// Compiles synod/paxos/invariants.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/invariants.hpp>

template const char* synod::paxos::invariants::node_state(const synod::paxos::Node<synod::paxos::DefaultConfig>&);
template const char* synod::paxos::invariants::node_step(const synod::paxos::Node<synod::paxos::DefaultConfig>&,
                                                         const synod::paxos::Node<synod::paxos::DefaultConfig>&);
