// synod/quorum.hpp - majority arithmetic shared by Raft and Paxos.
//
// Pure and constexpr: a vote tally says won / lost / pending, and a
// committed index is the largest index a majority has matched.
#pragma once

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
  // Insertion sort, descending: N is a cluster size (<= 15), and it keeps
  // GCC 12's -Warray-bounds false positive on std::sort of tiny arrays away.
  std::array<T, N> sorted = values;
  for (std::size_t i = 1; i < count; ++i) {
    const T v = sorted[i];
    std::size_t j = i;
    for (; j > 0 && sorted[j - 1] < v; --j) sorted[j] = sorted[j - 1];
    sorted[j] = v;
  }
  return sorted[majority(count) - 1];
}

}  // namespace synod::quorum
