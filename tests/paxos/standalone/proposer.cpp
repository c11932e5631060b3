// Compiles synod/paxos/proposer.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/proposer.hpp>
template class synod::paxos::Proposer<synod::paxos::DefaultConfig>;
