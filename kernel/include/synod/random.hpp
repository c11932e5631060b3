// synod/random.hpp - the seeded generator that lives inside a node's state.
//
// No global randomness: the generator is a value, copied with the node, so
// the same seed and inputs always give the same outputs.
#pragma once

#include <cstdint>

namespace synod {

class SplitMix64 {
 public:
  constexpr explicit SplitMix64(std::uint64_t seed = 0) : state_(seed) {}
  constexpr std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (inclusive); lo when hi <= lo, drawing nothing.
  constexpr std::uint32_t uniform(std::uint32_t lo, std::uint32_t hi) {
    if (hi <= lo) return lo;
    const std::uint64_t span = std::uint64_t{hi} - lo + 1;
    return static_cast<std::uint32_t>(lo + next() % span);
  }
  constexpr std::uint64_t state() const { return state_; }
  friend constexpr bool operator==(const SplitMix64&, const SplitMix64&) = default;

 private:
  std::uint64_t state_;
};

}  // namespace synod
