// Compiles synod/paxos/ballot.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/ballot.hpp>
static_assert(synod::paxos::Ballot{1, 2} < synod::paxos::Ballot{2, 1});
