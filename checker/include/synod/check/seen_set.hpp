// synod/check/seen_set.hpp - the set of fingerprints of states already seen.
//
// A flat open-addressing table per shard (linear probing, no per-entry
// allocation, no pointers): 8 bytes per slot for 64-bit fingerprints, 16 for
// 128-bit ones. A table grows by 1.5x when three quarters full, so its load
// stays between 1/2 and 3/4: at most 16 bytes per distinct 64-bit fingerprint.
// Slots are chosen by "fast range" (multiply-high) so table sizes need not be
// powers of two, which is what lets the 1.5x growth keep memory tight.
//
// Sharding (by the key's low bits) lets the parallel search insert
// without locks: during a merge each shard is written by exactly one thread,
// and during expansion every thread only reads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <synod/check/memory.hpp>

namespace synod::check {

// Two independent 64-bit hashes of the same state (--fp128).
struct Fp128 {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend constexpr bool operator==(const Fp128&, const Fp128&) = default;
};

namespace detail {
__extension__ using u128 = unsigned __int128;

inline std::size_t fast_range(std::uint64_t x, std::size_t n) {
  return static_cast<std::size_t>((static_cast<u128>(x) * n) >> 64);
}

// A read prefetch into all cache levels. On x86-64 this is the instruction
// itself: GCC 12 silently drops __builtin_prefetch when the address comes
// from remix() below (seen in the generated code; Clang keeps it).
inline void prefetch(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p, 0, 3);
#endif
}

// A bijective 64-bit mix (MurmurHash3's finaliser): keys, below.
constexpr std::uint64_t remix(std::uint64_t z) {
  z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
  z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
  return z ^ (z >> 33);
}
}  // namespace detail

// A seen set stores keys, not fingerprints: a key is a bijective mix of the
// normalised fingerprint, so it holds the same information (two states
// collide exactly when their fingerprints do) but is uniform even when
// fingerprints are not (a canonical fingerprint is a minimum over renamings,
// biased towards small values). A key is computed once per candidate; its
// low bits pick the shard, its high bits (fast range) the slot, and nothing
// is mixed again on the way. No key is zero, which marks an empty slot.
template <class Fp>
struct FingerprintTraits;

template <>
struct FingerprintTraits<std::uint64_t> {
  using Key = std::uint64_t;
  static constexpr unsigned bits = 64;
  static constexpr bool is_empty(Key k) { return k == 0; }
  // remix is a bijection with remix(0) == 0, and 0 is first mapped to 1.
  static constexpr Key key(std::uint64_t f) { return detail::remix(f == 0 ? 1 : f); }
  static constexpr std::uint64_t hash(Key k) { return k; }
};

template <>
struct FingerprintTraits<Fp128> {
  using Key = Fp128;
  static constexpr unsigned bits = 128;
  static constexpr bool is_empty(const Key& k) { return k.lo == 0 && k.hi == 0; }
  // (lo, hi) -> (remix(lo ^ remix(hi)), hi) is a bijection (given hi, lo is
  // recovered), and it maps only (0, 0), first replaced by (1, 0), to (0, 0).
  static constexpr Key key(Fp128 f) {
    if (f.lo == 0 && f.hi == 0) f.lo = 1;
    return Key{detail::remix(f.lo ^ detail::remix(f.hi)), f.hi};
  }
  static constexpr std::uint64_t hash(const Key& k) { return k.lo; }
};

// One shard: a flat open-addressing table of keys. Each on its own cache
// line: in a parallel merge neighbouring shards belong to different threads,
// and every insert writes its shard's size.
template <class Fp>
class alignas(64) FlatFingerprintTable {
  using Traits = FingerprintTraits<Fp>;

 public:
  using Key = typename Traits::Key;
  explicit FlatFingerprintTable(std::size_t initial_capacity = 16) { rebuild(initial_capacity); }

  // True when `k` was not in the table (and now is).
  bool insert(const Key& k) {
    if (size_ >= grow_at_) rebuild(slots_.size() + slots_.size() / 2);
    std::size_t i = detail::fast_range(Traits::hash(k), slots_.size());
    for (;;) {
      Key& slot = slots_[i];
      if (Traits::is_empty(slot)) {
        slot = k;
        ++size_;
        return true;
      }
      if (slot == k) return false;
      if (++i == slots_.size()) i = 0;
    }
  }

  bool contains(const Key& k) const {
    std::size_t i = detail::fast_range(Traits::hash(k), slots_.size());
    for (;;) {
      const Key& slot = slots_[i];
      if (Traits::is_empty(slot)) return false;
      if (slot == k) return true;
      if (++i == slots_.size()) i = 0;
    }
  }

  // A hint: brings `k`'s first slot towards the cache ahead of a look-up.
  void prefetch(const Key& k) const {
    detail::prefetch(slots_.data() + detail::fast_range(Traits::hash(k), slots_.size()));
  }

  std::size_t size() const { return size_; }
  std::size_t bytes() const { return slots_.size() * sizeof(Key); }
  void clear() {
    slots_ = ZeroedArray<Key>();
    size_ = 0;
    rebuild(16);
  }

 private:
  // Moves every key to a fresh table of `capacity` slots. Slots come from a
  // monotone map of the same bits (fast range), so walking the old table in
  // order writes the new one nearly in order too.
  void rebuild(std::size_t capacity) {
    ZeroedArray<Key> fresh(capacity < 16 ? 16 : capacity, Fill::populate);
    const std::size_t n = fresh.size();
    for (std::size_t j = 0; j < slots_.size(); ++j) {
      const Key k = slots_[j];
      if (Traits::is_empty(k)) continue;
      std::size_t i = detail::fast_range(Traits::hash(k), n);
      while (!Traits::is_empty(fresh[i]))
        if (++i == n) i = 0;
      fresh[i] = k;
    }
    slots_ = std::move(fresh);
    grow_at_ = n / 4 * 3;
  }

  ZeroedArray<Key> slots_;
  std::size_t size_ = 0;
  std::size_t grow_at_ = 0;
};

// The seen set: kShards independent tables chosen by the key's low bits.
template <class Fp>
class SeenSet {
  using Traits = FingerprintTraits<Fp>;

 public:
  using Key = typename Traits::Key;
  static constexpr std::size_t kShards = 64;

  static Key key(const Fp& f) { return Traits::key(f); }
  static std::size_t shard_of(const Key& k) { return static_cast<std::size_t>(Traits::hash(k) & (kShards - 1)); }

  bool insert(const Fp& f) { return insert_key(key(f)); }
  bool contains(const Fp& f) const { return contains_key(key(f)); }
  // During a parallel merge, only for the thread that owns shard_of(k).
  bool insert_key(const Key& k) { return shards_[shard_of(k)].insert(k); }
  bool contains_key(const Key& k) const { return shards_[shard_of(k)].contains(k); }
  // Memory-level parallelism: look-ups are random accesses to a table far
  // larger than the caches, so callers prefetch a batch before probing it.
  void prefetch_key(const Key& k) const { shards_[shard_of(k)].prefetch(k); }

  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& s : shards_) n += s.size();
    return n;
  }
  std::size_t bytes() const {
    std::size_t n = 0;
    for (const auto& s : shards_) n += s.bytes();
    return n;
  }
  void clear() {
    for (auto& s : shards_) s.clear();
  }

 private:
  std::array<FlatFingerprintTable<Fp>, kShards> shards_;
};

}  // namespace synod::check
