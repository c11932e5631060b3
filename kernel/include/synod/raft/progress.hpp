// synod/raft/progress.hpp - the leader's view of each follower (Figure 2,
// "Volatile state on leaders"), and a candidate's vote tally.
#pragma once

#include <array>
#include <cstdint>

#include "synod/quorum.hpp"
#include "synod/raft/types.hpp"

namespace synod::raft {

struct Progress {
  Index next_index = 1;   // next entry to send; always > match_index
  Index match_index = 0;  // highest entry known replicated on the follower
  // Options::check_quorum: the follower answered in this term since the
  // leader last checked its quorum (lease_timeout()).
  bool recent_active = false;
  // ReadIndex: the highest read round this follower echoed in this term.
  std::uint64_t read_round = 0;
  // The follower needs entries below the leader's log base: the snapshot
  // being sent to it (its index; 0: none) and the next chunk to send.
  // One snapshot is in flight per follower.
  Index snapshot_index = 0;
  std::uint64_t snapshot_chunk = 0;

  constexpr auto fields() const {
    return field_list(next_index, match_index, recent_active, read_round, snapshot_index, snapshot_chunk);
  }
  friend constexpr bool operator==(const Progress& a, const Progress& b) {
    return fields_equal(a.fields(), b.fields());
  }
};

// Votes received in one election, one bit per node id.
class VoteTally {
 public:
  constexpr void record(NodeId from, bool granted) {
    const auto bit = static_cast<std::uint32_t>(1u << from);
    if ((granted_ | rejected_) & bit) return;  // a duplicate response counts once
    (granted ? granted_ : rejected_) |= bit;
  }
  constexpr quorum::VoteResult result(std::size_t voters) const {
    return quorum::tally(voters, count(granted_), count(rejected_));
  }
  constexpr void reset() { granted_ = rejected_ = 0; }
  constexpr std::uint32_t granted_mask() const { return granted_; }
  constexpr std::uint32_t rejected_mask() const { return rejected_; }

  constexpr auto fields() const {
    return field_list(renamed_ids(granted_), renamed_ids(rejected_));
  }
  friend constexpr bool operator==(const VoteTally& a, const VoteTally& b) {
    return fields_equal(a.fields(), b.fields());
  }
  void hash_append(Hasher& h, const Renaming& r) const { hash_fields(h, r, fields()); }

 private:
  static constexpr std::size_t count(std::uint32_t mask) {
    std::size_t n = 0;
    for (; mask != 0; mask &= mask - 1) ++n;
    return n;
  }
  std::uint32_t granted_ = 0;
  std::uint32_t rejected_ = 0;
};

}  // namespace synod::raft
