// synod/quorum.hpp - majority arithmetic shared by Raft and Paxos.
//
// Pure and constexpr: a vote tally says won / lost / pending, and a
// committed index is the largest index a majority has matched.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace synod::quorum {

constexpr std::size_t majority(std::size_t voters) { return voters / 2 + 1; }

enum class VoteResult : std::uint8_t { pending, won, lost };

// `granted` yes votes and `rejected` no votes out of `voters`.
constexpr VoteResult tally(std::size_t voters, std::size_t granted, std::size_t rejected) {
  const std::size_t need = majority(voters);
  if (granted >= need) return VoteResult::won;
  if (voters - rejected < need) return VoteResult::lost;
  return VoteResult::pending;
}

// The largest value that at least a majority of `values[0..count)` reach:
// sort a copy on the stack, descending, and take the majority-th. Raft uses it
// on match indexes (the committed index); Paxos on nothing yet.
template <class T, std::size_t N>
constexpr T quorum_min(const std::array<T, N>& values, std::size_t count) {
  std::array<T, N> sorted = values;
  std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(count),
            [](const T& a, const T& b) { return a > b; });
  return sorted[majority(count) - 1];
}

}  // namespace synod::quorum
