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
  friend constexpr bool operator==(const Progress&, const Progress&) = default;
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
  friend constexpr bool operator==(const VoteTally&, const VoteTally&) = default;

  void hash_append(Hasher& h, const Renaming& r) const {
    h.add(std::uint64_t{rename(granted_, r)});
    h.add(std::uint64_t{rename(rejected_, r)});
  }

 private:
  static constexpr std::size_t count(std::uint32_t mask) {
    std::size_t n = 0;
    for (; mask != 0; mask &= mask - 1) ++n;
    return n;
  }
  static constexpr std::uint32_t rename(std::uint32_t mask, const Renaming& r) {
    std::uint32_t out = 0;
    for (NodeId id = 1; id <= kMaxNodeId; ++id)
      if (mask & (1u << id)) out |= 1u << r(id);
    return out;
  }
  std::uint32_t granted_ = 0;
  std::uint32_t rejected_ = 0;
};

}  // namespace synod::raft
