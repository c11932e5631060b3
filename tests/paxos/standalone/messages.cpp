// Compiles synod/paxos/messages.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/messages.hpp>
template struct synod::paxos::Message<synod::paxos::DefaultConfig>;
