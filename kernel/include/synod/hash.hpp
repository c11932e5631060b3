// synod/hash.hpp - the canonical hash every state and message uses.
//
// States are values (DESIGN.md principle 5): hashing walks the fields that
// carry meaning, never raw bytes, so padding and unused capacity never leak
// into a fingerprint. The mix is deterministic across runs and platforms.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "synod/assert.hpp"

namespace synod {

class Hasher {
 public:
  constexpr explicit Hasher(std::uint64_t seed = 0x243f6a8885a308d3ULL) : state_(seed) {}

  constexpr void add(std::uint64_t v) {
    state_ ^= v + 0x9e3779b97f4a7c15ULL + (state_ << 6) + (state_ >> 2);
    state_ = mix(state_);
  }
  template <class T>
    requires(std::is_enum_v<T>)
  constexpr void add(T v) {
    add(static_cast<std::uint64_t>(v));
  }
  constexpr void add(bool v) { add(std::uint64_t{v ? 1u : 0u}); }

  constexpr std::uint64_t value() const { return mix(state_ ^ 0x5851f42d4c957f2dULL); }

  // A strong 64-bit finaliser (splitmix64's).
  static constexpr std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// Payloads and other user types take part through hash_value(const T&) or,
// for integral types, directly.
template <class T>
constexpr void hash_append(Hasher& h, const T& v) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    h.add(static_cast<std::uint64_t>(v));
  } else {
    h.add(static_cast<std::uint64_t>(hash_value(v)));
  }
}

// Adds a bounded collection whose order carries no meaning (a queue that
// leaves as a whole into a network that keeps no order) as a multiset: the
// count, then each item's own hash, sorted. hash_item(Hasher&, item) hashes
// one item; at most Capacity items (the container's capacity).
template <std::size_t Capacity, class Range, class HashItem>
constexpr void hash_multiset(Hasher& h, const Range& items, HashItem&& hash_item) {
  SYNOD_ASSERT(items.size() <= Capacity);
  std::array<std::uint64_t, Capacity> hashes{};
  std::size_t n = 0;
  for (const auto& item : items) {
    Hasher ih;
    hash_item(ih, item);
    hashes[n++] = ih.value();
  }
  std::sort(hashes.begin(), hashes.begin() + static_cast<std::ptrdiff_t>(n));
  h.add(std::uint64_t{n});
  for (std::size_t k = 0; k < n; ++k) h.add(hashes[k]);
}

}  // namespace synod
