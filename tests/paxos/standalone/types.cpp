// Compiles synod/paxos/types.hpp alone, under -fno-exceptions -fno-rtti.
#include <synod/paxos/types.hpp>
static_assert(synod::paxos::check_options<7>(synod::paxos::Options{}) == synod::paxos::OptionsError::ok);
