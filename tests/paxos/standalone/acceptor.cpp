// Compiles synod/paxos/acceptor.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/acceptor.hpp>
template class synod::paxos::Acceptor<synod::paxos::DefaultConfig>;
