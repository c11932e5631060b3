// Compiles synod/paxos/learner.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/learner.hpp>
template class synod::paxos::Learner<synod::paxos::DefaultConfig>;
