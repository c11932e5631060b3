// synod/hash.hpp - the canonical hash every state and message uses.
//
// States are values (DESIGN.md principle 5): hashing walks the fields that
// carry meaning, never raw bytes, so padding and unused capacity never leak
// into a fingerprint. The mix is deterministic across runs and platforms.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

#include "synod/assert.hpp"
#include "synod/ids.hpp"

// Hashing a state is a long run of tiny calls (one add per field, folds over
// field lists, id wrappers): each is forced inline, because compilers leave
// some of them as calls otherwise (GCC did for Hasher::add and
// Ballot::hash_append in the checker's node hashing).
#define SYNOD_FIELD_INLINE [[gnu::always_inline]] inline

namespace synod {

class Hasher {
 public:
  constexpr explicit Hasher(std::uint64_t seed = 0x243f6a8885a308d3ULL) : state_(seed) {}

  SYNOD_FIELD_INLINE constexpr void add(std::uint64_t v) {
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
  SYNOD_FIELD_INLINE static constexpr std::uint64_t mix(std::uint64_t z) {
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

// ------------------------------------------------------------- field lists
//
// A kernel class lists the fields that make up its value once, as a tuple
// of references (no copies):
//
//   auto protocol_fields() const { return field_list(term_, renamed_id(leader_), log_); }
//
// and derives == (fields_equal) and hash_append (hash_fields) from that one
// list, so the two cannot drift apart when a field is added. A field that
// needs special treatment passes through a small wrapper that holds a
// reference (or a small value) and defines both its == and its
// hash_append(Hasher&, const Renaming&): renamed_id(id), renamed_ids(mask),
// as_multiset(queue), protocol_view(part), or one a class defines for itself.
//
// hash_field hashes one field: integers, enums and bools as themselves;
// anything with hash_append(h, r) or hash_append(h) through it; anything with
// fields() through those; an optional as "has a value" then the value; a
// range as its size then its items; anything else (a user payload) through
// hash_append(h, v) above.

// A tuple of the fields: lvalues by const reference, wrappers by value.
template <class... F>
SYNOD_FIELD_INLINE constexpr std::tuple<F...> field_list(F&&... fields) {
  return std::tuple<F...>(std::forward<F>(fields)...);
}

template <class Tuple>
SYNOD_FIELD_INLINE constexpr void hash_fields(Hasher& h, const Renaming& r, const Tuple& fields);

namespace detail {
template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;
}  // namespace detail

template <class T>
SYNOD_FIELD_INLINE constexpr void hash_field(Hasher& h, const Renaming& r, const T& v) {
  if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    h.add(static_cast<std::uint64_t>(v));
  } else if constexpr (requires { v.hash_append(h, r); }) {
    v.hash_append(h, r);
  } else if constexpr (requires { v.hash_append(h); }) {
    v.hash_append(h);
  } else if constexpr (requires { v.fields(); }) {
    hash_fields(h, r, v.fields());
  } else if constexpr (detail::is_optional<T>) {
    h.add(v.has_value());
    if (v) synod::hash_append(h, *v);
  } else if constexpr (std::ranges::sized_range<T>) {
    h.add(static_cast<std::uint64_t>(std::ranges::size(v)));
    for (const auto& item : v) hash_field(h, r, item);
  } else {
    synod::hash_append(h, v);
  }
}

namespace detail {
template <class Tuple, std::size_t... I>
SYNOD_FIELD_INLINE constexpr void hash_each(Hasher& h, const Renaming& r, const Tuple& fields,
                                            std::index_sequence<I...>) {
  (hash_field(h, r, std::get<I>(fields)), ...);
}
}  // namespace detail

// Every field in list order, node ids renamed through r.
template <class Tuple>
SYNOD_FIELD_INLINE constexpr void hash_fields(Hasher& h, const Renaming& r, const Tuple& fields) {
  detail::hash_each(h, r, fields, std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

// == over two field lists: element by element in list order, stopping at
// the first difference.
template <class Tuple>
constexpr bool fields_equal(const Tuple& a, const Tuple& b) {
  return a == b;
}

// A node id: compared as itself, hashed as its new name under the renaming.
// It refers to the member (read only when compared or hashed, as a
// hand-written comparison would), so it takes lvalues only.
struct RenamedId {
  const NodeId& id;
  SYNOD_FIELD_INLINE friend constexpr bool operator==(const RenamedId& a, const RenamedId& b) {
    return a.id == b.id;
  }
  SYNOD_FIELD_INLINE friend constexpr std::strong_ordering operator<=>(const RenamedId& a,
                                                                       const RenamedId& b) {
    return a.id <=> b.id;
  }
  SYNOD_FIELD_INLINE constexpr void hash_append(Hasher& h, const Renaming& r) const {
    h.add(std::uint64_t{r(id)});
  }
};
constexpr RenamedId renamed_id(const NodeId& id) {
  return RenamedId{id};
}
void renamed_id(const NodeId&&) = delete;

// A set of node ids as a bit mask (bit i: node i; bit 0 unused): compared as
// itself, hashed as the set of renamed members. Renamed ids outside
// 1..kMaxNodeId (no renaming makes them) are left out. Refers to the member,
// like RenamedId.
template <std::unsigned_integral Mask>
struct RenamedIds {
  const Mask& bits;
  SYNOD_FIELD_INLINE friend constexpr bool operator==(const RenamedIds& a, const RenamedIds& b) {
    return a.bits == b.bits;
  }
  SYNOD_FIELD_INLINE constexpr void hash_append(Hasher& h, const Renaming& r) const {
    std::uint64_t out = 0;
    for (std::uint64_t b = bits; b != 0; b &= b - 1) {
      const NodeId to = r(static_cast<NodeId>(std::countr_zero(b)));
      if (to != kNoNode && to <= kMaxNodeId) out |= std::uint64_t{1} << to;
    }
    h.add(out);
  }
};
template <std::unsigned_integral Mask>
constexpr RenamedIds<Mask> renamed_ids(const Mask& bits) {
  return RenamedIds<Mask>{bits};
}
template <std::unsigned_integral Mask>
void renamed_ids(const Mask&&) = delete;

// A bounded queue whose order carries no meaning to the hash (see
// hash_multiset): hashed as a multiset of its items' hashes. == still
// compares in order, which is finer than the hash and so consistent with it.
// Capacity is the queue's static capacity (a static_vector's).
template <class Queue>
struct AsMultiset {
  const Queue& items;
  friend constexpr bool operator==(const AsMultiset& a, const AsMultiset& b) {
    return a.items == b.items;
  }
  constexpr void hash_append(Hasher& h, const Renaming& r) const {
    hash_multiset<Queue::static_capacity>(
        h, items, [&r](Hasher& ih, const auto& item) { hash_field(ih, r, item); });
  }
};
template <class Queue>
constexpr AsMultiset<Queue> as_multiset(const Queue& items) {
  return AsMultiset<Queue>{items};
}

// A part that has timers of its own: compared with its protocol_equal (its
// timers left out), hashed with its hash_append (which leaves them out too).
template <class Part>
struct ProtocolView {
  const Part& part;
  friend constexpr bool operator==(const ProtocolView& a, const ProtocolView& b) {
    return a.part.protocol_equal(b.part);
  }
  constexpr void hash_append(Hasher& h, const Renaming& r) const { part.hash_append(h, r); }
};
template <class Part>
constexpr ProtocolView<Part> protocol_view(const Part& part) {
  return ProtocolView<Part>{part};
}

}  // namespace synod
