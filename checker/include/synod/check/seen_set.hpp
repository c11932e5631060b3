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
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace synod::check {

namespace detail {
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

// A zero-filled block of `bytes` (a multiple of kHugePage), kHugePage-aligned
// and, on Linux, marked for transparent huge pages and faulted in writable at
// once: straight from mmap (the kernel's zero pages, so nothing is zeroed
// twice), over-mapped by one huge page and trimmed to alignment. For arrays
// read at random before they are written (Fill::populate). Freed with
// unmap_huge(p, bytes).
inline void* map_huge(std::size_t bytes) {
#if defined(__linux__)
  void* p = ::mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto raw = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (raw + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > raw) ::munmap(p, aligned - raw);
  if (const std::size_t tail = raw + bytes + kHugePage - (aligned + bytes); tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
#if defined(MADV_HUGEPAGE)
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // a hint; failure only costs speed
#endif
#if defined(MADV_POPULATE_WRITE)
  // Fault the pages in writable now. Memory that is read before it is
  // written (a hash table's empty slots) otherwise maps the shared zero page
  // first and faults again on the first write, and that second fault must
  // flush the other threads' TLBs (an interrupt to each of their cores).
  // Linux 5.14 and later; elsewhere a no-op (EINVAL), costing only speed.
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_POPULATE_WRITE);
#endif
  return reinterpret_cast<void*>(aligned);
#else
  void* p = std::aligned_alloc(kHugePage, bytes);
  if (p == nullptr) throw std::bad_alloc();
  return std::memset(p, 0, bytes);
#endif
}
inline void unmap_huge(void* p, std::size_t bytes) noexcept {
#if defined(__linux__)
  ::munmap(p, bytes);
#else
  (void)bytes;
  std::free(p);
#endif
}
inline std::size_t huge_round(std::size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

// Blocks of kMapPage or more that are written in order (BFS levels, parent
// links) straight from mmap too, in 4 KiB pages: zero without a pass over
// them, and faulted in by whichever thread first writes each page, not all by
// the caller of allocate(). Never huge pages, even where the kernel would use
// them unasked (transparent_hugepage=always): one huge page is faulted in
// whole by the one thread that first writes into it, while the other threads
// that write the same 2 MiB wait for it. Where the host backs guest memory
// lazily (round 12: this VM hands back freed memory to its host), that first
// touch takes 4.4 ms per huge page against 0.17 ms for recently used memory,
// and a BFS phase's other thread ran out of chunks and idled meanwhile. In
// 4 KiB pages the same cost is spread over the chunks, and so over the threads.
inline constexpr std::size_t kMapPage = std::size_t{64} << 10;
inline std::size_t page_round(std::size_t bytes) { return (bytes + 4095) / 4096 * 4096; }
inline void* map_zeroed(std::size_t bytes) {
#if defined(__linux__)
  void* p = ::mmap(nullptr, page_round(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#if defined(MADV_NOHUGEPAGE)
  if (bytes >= kHugePage) ::madvise(p, page_round(bytes), MADV_NOHUGEPAGE);  // a hint; failure only costs speed
#endif
  return p;
#else
  void* p = std::calloc(1, bytes);
  if (p == nullptr) throw std::bad_alloc();
  return p;
#endif
}
inline void unmap_zeroed(void* p, std::size_t bytes) noexcept { unmap_huge(p, page_round(bytes)); }
}  // namespace detail

// An allocator for the BFS's level buffers (states, fingerprint bases):
// blocks of 64 KiB or more are mapped (map_zeroed: 4 KiB pages, first
// touched by the threads that build the states), smaller ones come from
// std::allocator. A level is read and written in order, so huge pages would
// spare it few TLB misses (round 12 measured them against 4 KiB pages: see
// map_zeroed).
//
// Elements that a vector value-initialises (resize) are left as they are
// when they are trivially copyable and destructible: a level buffer's every
// element is written before it is read, so a serial pass over fresh memory
// (hundreds of megabytes, faulted in one page at a time, between two
// parallel phases) would be pure cost. Fresh memory is all zero bytes
// (mapped pages, or zeroed here), so such an element holds either
// zeros or an earlier value, never garbage. Other types are
// value-initialised.
template <class T>
struct LevelAllocator {
  using value_type = T;
  LevelAllocator() = default;
  template <class U>
  LevelAllocator(const LevelAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < detail::kMapPage) {  // zeroed too, like mapped pages (see construct)
      T* p = std::allocator<T>{}.allocate(n);
      std::memset(static_cast<void*>(p), 0, bytes);
      return p;
    }
    return static_cast<T*>(detail::map_zeroed(bytes));
  }
  template <class U>
  void construct(U* p) {
    if constexpr (!(std::is_trivially_copyable_v<U> && std::is_trivially_destructible_v<U>)) ::new (static_cast<void*>(p)) U();
  }
  template <class U, class A, class... Args>
  void construct(U* p, A&& a, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a), std::forward<Args>(args)...);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < detail::kMapPage) {
      std::allocator<T>{}.deallocate(p, n);
    } else {
      detail::unmap_zeroed(p, n * sizeof(T));
    }
  }
  template <class U>
  friend bool operator==(const LevelAllocator&, const LevelAllocator<U>&) noexcept {
    return true;
  }
};

// How a ZeroedArray is used, which decides where its memory comes from.
enum class Fill : std::uint8_t {
  // Written in order before it is read (parent links): 64 KiB or more in
  // mapped 4 KiB pages, first touched by the threads that write them (see
  // map_zeroed); smaller from calloc.
  lazy,
  // Read before it is written, at random (a seen-set table): 2 MiB or more
  // from map_huge, huge pages faulted in writable at once by the thread
  // that makes the table (its random look-ups would otherwise miss the TLB);
  // smaller ones zeroed by writing.
  populate,
};

// A zero-filled array: mapped ones (so a table that grows is not zeroed a
// second time) are unmapped when freed; see Fill for which memory.
template <class T>
class ZeroedArray {
 public:
  ZeroedArray() = default;
  explicit ZeroedArray(std::size_t n, Fill fill = Fill::lazy) : size_(n) {
    const std::size_t bytes = n * sizeof(T);
    if (fill == Fill::lazy) {
      if (bytes >= detail::kMapPage) {
        mapped_ = detail::page_round(bytes);
        data_ = static_cast<T*>(detail::map_zeroed(bytes));
      } else {
        data_ = static_cast<T*>(std::calloc(n == 0 ? 1 : n, sizeof(T)));
        if (data_ == nullptr) throw std::bad_alloc();
      }
      return;
    }
    if (bytes >= detail::kHugePage) {
      mapped_ = detail::huge_round(bytes);
      data_ = static_cast<T*>(detail::map_huge(mapped_));
      return;
    }
    // Under 2 MiB: written, not calloc'd: calloc may hand out fresh heap pages
    // untouched, and those would map the zero page when first read and
    // fault again, flushing the other threads' TLBs, when first written.
    // Nor mapped (round 11): in a parallel merge both threads rebuild
    // shards at the same levels, and their mmap/munmap calls take the
    // process's memory-map lock in turn and interrupt the other core with
    // TLB flushes; malloc serves these sizes from per-thread arenas that
    // reuse the retired tables' memory. raft-faults at 2 threads: merge
    // 66 -> 55 ms (11 alternated runs).
    data_ = static_cast<T*>(std::malloc(bytes == 0 ? 1 : bytes));
    if (data_ == nullptr) throw std::bad_alloc();
    std::memset(static_cast<void*>(data_), 0, bytes);
  }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;
  ZeroedArray(ZeroedArray&& o) noexcept { swap(o); }
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    ZeroedArray old(std::move(*this));  // this array's block, released when `old` goes
    swap(o);
    return *this;
  }
  ~ZeroedArray() { release(); }

  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void swap(ZeroedArray& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(mapped_, o.mapped_);
  }
  void release() noexcept {
    if (data_ == nullptr) return;
    if (mapped_ != 0) {
      detail::unmap_huge(data_, mapped_);
    } else {
      std::free(data_);
    }
    data_ = nullptr;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;  // bytes from map_huge or map_zeroed (freed by munmap); 0: malloc or calloc
};

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
