// synod/paxos/ballot.hpp - proposal numbers: (round, proposer id).
//
// Paxos Made Simple §2.2 asks for proposal numbers drawn from a totally
// ordered set, each used by one proposer only. A ballot pairs a round with
// the proposer's node id: rounds order ballots first, ids break ties, so two
// proposers never share a ballot and each can always pick a higher one.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

#include "synod/hash.hpp"
#include "synod/ids.hpp"

namespace synod::paxos {

using Round = std::uint64_t;

// The largest round a message may carry. A ballot at it could never be
// outbid, so the kernel ignores messages that carry it (see Node::step).
inline constexpr Round kMaxRound = std::numeric_limits<Round>::max() - 1;

struct Ballot {
  Round round = 0;         // 0 only in the null ballot: "none yet"
  NodeId node = kNoNode;   // the proposer that owns this ballot

  constexpr bool is_null() const { return round == 0; }

  // Renaming changes the tie-break between ballots of one round; a checker
  // that reduces by symmetry over proposers must account for that (renaming
  // acceptor-only and learner-only nodes is exact).
  constexpr auto fields() const { return field_list(round, renamed_id(node)); }

  // Lexicographic (round, node): a total order, as §2.2 requires.
  SYNOD_FIELD_INLINE friend constexpr std::strong_ordering operator<=>(const Ballot& a,
                                                                       const Ballot& b) {
    return a.fields() <=> b.fields();
  }
  SYNOD_FIELD_INLINE friend constexpr bool operator==(const Ballot& a, const Ballot& b) {
    return fields_equal(a.fields(), b.fields());
  }

  SYNOD_FIELD_INLINE constexpr void hash_append(Hasher& h, const Renaming& r = kIdentity) const {
    hash_fields(h, r, fields());
  }
};

// "No ballot": below every real ballot.
inline constexpr Ballot kNullBallot{};

}  // namespace synod::paxos
