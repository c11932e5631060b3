// synod/check/intern.hpp - a thread-safe pool of interned values.
//
// Collapse compression (as in SPIN): a model keeps each distinct component
// of its states (a kernel node, a message, a disk, a ghost history) once in a
// pool and stores 32-bit references in its states. States shrink from
// kilobytes to tens of bytes, so a BFS level of millions of states fits in
// memory, and the component's hashes are computed once, at interning, so a
// state's fingerprint combines a few cached numbers.
//
// Nothing observable may depend on a reference's number (it depends on which
// thread interned first): models hash and order components by content.
//
// Values never move: storage is a table of fixed-size blocks, so a reference
// stays valid and readable without a lock while other threads intern. A
// reader must have obtained the reference through a happens-before edge (its
// own intern call, or a state handed over at a search barrier).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include <synod/check/memory.hpp>

namespace synod::check {

using Ref = std::uint32_t;
inline constexpr Ref kNoRef = 0xffffffffu;

template <class T>
class InternPool {
 public:
  InternPool() = default;
  InternPool(const InternPool&) = delete;
  InternPool& operator=(const InternPool&) = delete;
  ~InternPool() {
    const std::size_t n = next_.load();
    for (std::size_t i = 0; i < n; ++i) slot(static_cast<Ref>(i))->~T();
    for (std::size_t b = 0; b < used_blocks(); ++b) {
      T* block = blocks_.load(b, std::memory_order_acquire);
      if (block) ::operator delete(block, std::align_val_t{alignof(T)});
      delete[] hot_blocks_.load(b, std::memory_order_acquire);
    }
  }

  // The reference of a stored value v with equal(v, key); when there is none,
  // stores make() (which must be equal to key) and returns its reference.
  // `hash` must be the same for keys that are equal.
  //
  // The hash, `tag` (a few bits the model reads often, e.g. a node's role)
  // and `aux` (another word, e.g. the reference of a part interned on its
  // own) are also kept in a dense side table, hot(ref): fingerprints, action
  // enumeration and cheap checks read only those, and 16 bytes per value
  // stay in cache where the values themselves would not.
  template <class Key, class Equal, class Make>
  Ref intern(std::uint64_t hash, const Key& key, Equal&& equal, Make&& make, std::uint32_t tag = 0,
             std::uint32_t aux = 0) {
    Shard& shard = shards_[hash & (kShards - 1)];
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.entries.empty()) shard.entries.assign(64, Entry{});
    std::size_t mask = shard.entries.size() - 1;
    std::size_t i = (hash >> 6) & mask;
    for (;; i = (i + 1) & mask) {
      const Entry& e = shard.entries[i];
      if (e.ref == kNoRef) break;
      if (e.hash == hash && equal(*slot(e.ref), key)) return e.ref;
    }
    const std::size_t index = next_.fetch_add(1, std::memory_order_relaxed);
    if (index >= kMaxBlocks * kBlock) throw std::length_error("intern pool full");
    const Ref ref = static_cast<Ref>(index);
    ensure_block(index / kBlock);
    new (slot(ref)) T(make());
    hot_blocks_.load(index / kBlock, std::memory_order_acquire)[index % kBlock] = Hot{hash, tag, aux};
    shard.entries[i] = Entry{hash, ref};
    if (++shard.size * 2 > shard.entries.size()) grow(shard);
    return ref;
  }

  const T& operator[](Ref r) const { return *slot(r); }

  struct Hot {
    std::uint64_t hash = 0;  // the hash it was interned with
    std::uint32_t tag = 0;
    std::uint32_t aux = 0;
  };
  const Hot& hot(Ref r) const { return hot_blocks_.load(r / kBlock, std::memory_order_acquire)[r % kBlock]; }

  std::size_t size() const { return next_.load(std::memory_order_relaxed); }
  std::size_t bytes() const {
    std::size_t n = 0;
    for (std::size_t b = 0; b < used_blocks(); ++b)
      if (blocks_.load(b, std::memory_order_relaxed)) n += kBlock * (sizeof(T) + sizeof(Hot));
    for (const Shard& s : shards_) n += s.entries.capacity() * sizeof(Entry);
    return n;
  }

 private:
  static constexpr std::size_t kBlock = 4096;
  static constexpr std::size_t kMaxBlocks = 1u << 16;
  static constexpr std::size_t kShards = 64;

  struct Entry {
    std::uint64_t hash = 0;
    Ref ref = kNoRef;
  };
  // Each shard on its own cache line(s): threads lock different shards
  // without writing to each other's lines.
  struct alignas(64) Shard {
    std::mutex mutex;
    std::vector<Entry> entries;
    std::size_t size = 0;
  };

  // Blocks are made for the references handed out, in order: none past
  // these (so the directory's untouched pages stay untouched).
  std::size_t used_blocks() const {
    return std::min(kMaxBlocks, (next_.load(std::memory_order_acquire) + kBlock - 1) / kBlock);
  }
  T* slot(Ref r) const {
    return blocks_.load(r / kBlock, std::memory_order_acquire) + (r % kBlock);
  }

  void ensure_block(std::size_t b) {
    if (blocks_.load(b, std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(block_mutex_);
    if (blocks_.load(b, std::memory_order_relaxed)) return;
    auto* block = static_cast<T*>(::operator new(kBlock * sizeof(T), std::align_val_t{alignof(T)}));
    hot_blocks_.store(b, new Hot[kBlock], std::memory_order_release);
    blocks_.store(b, block, std::memory_order_release);
  }

  static void grow(Shard& shard) {
    std::vector<Entry> old;
    old.swap(shard.entries);
    shard.entries.assign(old.size() * 2, Entry{});
    const std::size_t mask = shard.entries.size() - 1;
    for (const Entry& e : old) {
      if (e.ref == kNoRef) continue;
      std::size_t i = (e.hash >> 6) & mask;
      while (shard.entries[i].ref != kNoRef) i = (i + 1) & mask;
      shard.entries[i] = e;
    }
  }

  // kMaxBlocks pointers to blocks, null until a block exists: zero bytes
  // from calloc, which takes blocks this large straight from the kernel
  // (already zero, faulted in only where a pointer is read or written).
  // Constructed arrays would be written whole, every page faulted in for
  // every pool before a search could start.
  template <class P>
  class Directory {
   public:
    Directory() : at_(static_cast<P**>(std::calloc(kMaxBlocks, sizeof(P*)))) {
      if (at_ == nullptr) throw std::bad_alloc();
    }
    ~Directory() { std::free(at_); }
    Directory(const Directory&) = delete;
    Directory& operator=(const Directory&) = delete;
    P* load(std::size_t b, std::memory_order order) const { return std::atomic_ref<P*>(at_[b]).load(order); }
    void store(std::size_t b, P* p, std::memory_order order) { std::atomic_ref<P*>(at_[b]).store(p, order); }

   private:
    P** at_;
  };
  // Read by every look-up (slot, hot), written only by ensure_block: on a
  // cache line apart from the counter that each new value bumps.
  Directory<T> blocks_;
  Directory<Hot> hot_blocks_;
  alignas(64) std::atomic<std::size_t> next_{0};
  std::mutex block_mutex_;
  std::array<Shard, kShards> shards_;
};

}  // namespace synod::check

namespace synod::check {

// A thread-safe memo table: Key -> Value, for models that memoise transitions
// of an interned component (e.g. "node n receives message m" -> the resulting
// node and the messages it sends). Keys are small regular values with ==;
// `hash` must be the same for equal keys. Entries are never removed, and the
// value stored for a key must be a function of the key (a look-up that
// misses while another thread inserts is harmless: the caller recomputes).
//
// Look-ups take no lock: a per-thread direct-mapped cache first, then the
// shared table, whose slots are published with a release store of their
// `used` flag and whose growth publishes a new table (old ones stay alive
// until the Memo dies, so a reader never sees freed memory). Inserts lock
// one of 64 shards.
template <class Key, class Value>
class Memo {
 public:
  Memo() : id_(next_memo_id()) {}
  Memo(const Memo&) = delete;
  Memo& operator=(const Memo&) = delete;

  bool find(std::uint64_t hash, const Key& key, Value& out) const {
    const Value* v = lookup(hash, key);
    if (v == nullptr) return false;
    out = *v;
    return true;
  }

  // The value stored for key, or nullptr. The pointer is into this thread's
  // cache: valid until this thread's next lookup or insert in a Memo of this
  // type.
  const Value* lookup(std::uint64_t hash, const Key& key) const {
    CacheSlot& c = cache_slot(hash);
    if (c.tag == tag(hash) && c.key == key) return &c.value;
    const Table* t = shards_[hash & (kShards - 1)].table.load(std::memory_order_acquire);
    if (t == nullptr) return nullptr;
    // A miss that reaches the table also lets the cache grow with it (`c`
    // stays one of its slots).
    for (std::size_t i = (hash >> 6) & t->mask;; i = (i + 1) & t->mask) {
      const Slot& slot = t->slots[i];
      if (!slot.used.load(std::memory_order_acquire)) {
        ThreadCache::mine().fit(entries_.load(std::memory_order_relaxed));
        return nullptr;
      }
      if (slot.hash == hash && slot.key == key) {
        ThreadCache::mine().fit(entries_.load(std::memory_order_relaxed));
        c.tag = tag(hash);
        c.key = key;
        c.value = slot.value;
        return &c.value;
      }
    }
  }

  // Takes the calling thread's cache now rather than at its first look-up
  // (a model's prepare_thread(): see Model in model.hpp).
  void prepare_thread() const { (void)ThreadCache::mine(); }

  void insert(std::uint64_t hash, const Key& key, const Value& value) {
    CacheSlot& c = cache_slot(hash);
    c.tag = tag(hash);
    c.key = key;
    c.value = value;
    Shard& shard = shards_[hash & (kShards - 1)];
    std::lock_guard<std::mutex> lock(shard.mutex);
    Table* t = shard.table.load(std::memory_order_relaxed);
    if (t == nullptr || (shard.size + 1) * 2 > t->mask + 1) t = grow(shard);
    std::size_t i = (hash >> 6) & t->mask;
    for (;; i = (i + 1) & t->mask) {
      Slot& slot = t->slots[i];
      if (!slot.used.load(std::memory_order_relaxed)) break;
      if (slot.hash == hash && slot.key == key) return;  // another thread was first
    }
    Slot& slot = t->slots[i];
    slot.hash = hash;
    slot.key = key;
    slot.value = value;
    slot.used.store(true, std::memory_order_release);
    ++shard.size;
    entries_.fetch_add(1, std::memory_order_relaxed);
  }

  // How many per-thread caches Memos of this type have mapped so far (in
  // use or free): threads that end hand theirs on, so a run of threads one
  // after another needs one.
  static std::size_t thread_caches() { return ThreadCache::made.load(std::memory_order_relaxed); }
  // How many slots the calling thread's cache for Memos of this type has
  // now, and the bounds of that (see ThreadCache).
  static std::size_t thread_cache_slots() { return ThreadCache::mine().slots(); }
  static constexpr std::size_t kMinCacheSlots = std::size_t{1} << 13;
  static constexpr std::size_t kMaxCacheSlots = std::size_t{1} << 15;

  std::size_t size() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mutex);
      n += s.size;
    }
    return n;
  }
  std::size_t bytes() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mutex);
      for (const auto& t : s.tables) n += (t->mask + 1) * sizeof(Slot);
    }
    return n;
  }

 private:
  static constexpr std::size_t kShards = 64;
  struct Slot {
    std::atomic<bool> used{false};
    std::uint64_t hash = 0;
    Key key{};
    Value value{};
  };
  struct Table {
    std::size_t mask = 0;
    std::unique_ptr<Slot[]> slots;
  };
  struct alignas(64) Shard {  // on its own cache line(s), as InternPool's
    mutable std::mutex mutex;
    std::atomic<Table*> table{nullptr};
    std::vector<std::unique_ptr<Table>> tables;  // every table this shard had (readers may hold old ones)
    std::size_t size = 0;
  };
  struct CacheSlotFields {
    std::uint64_t tag = 0;  // tag(hash) of the Memo it belongs to; 0: empty
    Key key{};
    Value value{};
  };
  // The cache is shared by the Memos of one type: a slot names its Memo and
  // its key's hash in one word. Equal keys have equal hashes, so two Memos'
  // tags for one key differ (ids differ, and are never reused); bit 0 is
  // set, so an empty slot matches nothing.
  std::uint64_t tag(std::uint64_t hash) const { return (hash ^ (id_ << 1)) | 1u; }
  // A slot of up to 32 or 64 bytes is padded and aligned to that, so a
  // look-up touches one cache line, not two.
  static constexpr std::size_t kSlotAlign = sizeof(CacheSlotFields) <= 32   ? 32
                                            : sizeof(CacheSlotFields) <= 64 ? 64
                                                                            : alignof(CacheSlotFields);
  struct alignas(kSlotAlign) CacheSlot : CacheSlotFields {};

  static Table* grow(Shard& shard) {
    const Table* old = shard.table.load(std::memory_order_relaxed);
    auto t = std::make_unique<Table>();
    const std::size_t n = old == nullptr ? 64 : (old->mask + 1) * 2;
    t->mask = n - 1;
    t->slots.reset(new Slot[n]);
    if (old != nullptr) {
      for (std::size_t i = 0; i <= old->mask; ++i) {
        const Slot& from = old->slots[i];
        if (!from.used.load(std::memory_order_relaxed)) continue;
        std::size_t j = (from.hash >> 6) & t->mask;
        while (t->slots[j].used.load(std::memory_order_relaxed)) j = (j + 1) & t->mask;
        Slot& to = t->slots[j];
        to.hash = from.hash;
        to.key = from.key;
        to.value = from.value;
        to.used.store(true, std::memory_order_relaxed);
      }
    }
    Table* raw = t.get();
    shard.tables.push_back(std::move(t));
    shard.table.store(raw, std::memory_order_release);
    return raw;
  }
  static std::uint64_t next_memo_id() {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
  // One cache per thread and Memo type, shared by that type's instances.
  //
  // It starts at kMinCacheSlots and grows with the shared table to a slot
  // per entry (fit): a small table's cache then costs a thread little to
  // set up, and a large one's still holds most of its entries (a cache
  // smaller than its table misses, and each miss goes to the shared table).
  //
  // Its memory is mapped at the largest size and faulted in writable a
  // block at a time as it grows (populate_written), which is cheaper than
  // allocating and constructing it. Not page by page as look-ups first land
  // in them: the faults would then fall inside the search, where they cost
  // more; and never first read, which maps the shared zero page that each
  // thread's first write then replaces, interrupting the other cores to
  // flush their TLBs.
  //
  // A thread that ends gives its cache back to a free list, and the next
  // thread to start takes it, pages and all: stale slots belong to Memos
  // that are gone, whose ids are never reused, so they match no tag. Caches
  // on the free list are unmapped when the program ends. So a search's worker
  // does not unmap megabytes as it exits (the search waits for that when it
  // joins the worker), and a program that runs many searches faults its
  // caches in once.
  class ThreadCache {
   public:
    static ThreadCache& mine() {
      thread_local Lease lease;
      return *lease.cache;
    }
    CacheSlot& slot(std::uint64_t hash) { return slots_[(hash >> 17) & mask_]; }
    std::size_t slots() const { return mask_ + 1; }
    // Grows the cache to a slot per entry of the shared table (a power of
    // two, from kMinCacheSlots up to kMaxCacheSlots). Slots past the old
    // size are faulted in now. Entries stay where they are: a look-up
    // compares the whole hash, so an entry left under the old mask is only
    // never found again.
    void fit(std::size_t entries) {
      if (entries <= mask_) [[likely]] return;
      const std::size_t want = std::min(kMaxCacheSlots, std::bit_ceil(entries + 1));
      if (want <= mask_ + 1) return;  // at the largest size already
      const std::size_t from = detail::page_round(slots() * sizeof(CacheSlot));  // faulted in so far
      if (const std::size_t to = detail::page_round(want * sizeof(CacheSlot)); to > from)
        detail::populate_written(reinterpret_cast<unsigned char*>(slots_) + from, to - from);
      mask_ = want - 1;
    }
    ~ThreadCache() { detail::unmap_zeroed(slots_, kBytes); }
    ThreadCache(const ThreadCache&) = delete;
    ThreadCache& operator=(const ThreadCache&) = delete;
    static inline std::atomic<std::size_t> made{0};

   private:
    static constexpr std::size_t kBytes = kMaxCacheSlots * sizeof(CacheSlot);
    // Zero bytes are empty slots (tag 0), so the mapped block needs no
    // constructor pass; the slots' objects begin there implicitly.
    static_assert(std::is_trivially_copyable_v<CacheSlot> && std::is_trivially_destructible_v<CacheSlot>);
    // The largest size is mapped (address space only), its first
    // kMinCacheSlots faulted in.
    ThreadCache() : slots_(static_cast<CacheSlot*>(detail::map_zeroed(kBytes))) {
      detail::populate_written(slots_, detail::page_round(slots() * sizeof(CacheSlot)));
      made.fetch_add(1, std::memory_order_relaxed);
    }
    // Caches no thread holds, linked through `next_` (so handing one back
    // allocates nothing and cannot fail).
    struct FreeList {
      std::mutex mutex;
      ThreadCache* head = nullptr;
      ~FreeList() {
        while (head != nullptr) delete std::exchange(head, head->next_);
      }
    };
    static FreeList& free_list() {
      static FreeList list;
      return list;
    }
    // A thread's hold on one cache, from its first look-up to its end.
    struct Lease {
      FreeList& list = free_list();  // constructed first, so it outlives every lease
      ThreadCache* cache = nullptr;
      Lease() {
        {
          std::lock_guard<std::mutex> lock(list.mutex);
          if (list.head != nullptr) cache = std::exchange(list.head, list.head->next_);
        }
        if (cache == nullptr) cache = new ThreadCache();
      }
      ~Lease() {
        std::lock_guard<std::mutex> lock(list.mutex);
        cache->next_ = std::exchange(list.head, cache);
      }
      Lease(const Lease&) = delete;
      Lease& operator=(const Lease&) = delete;
    };

    CacheSlot* slots_;
    // Slots in use; the pages of the first slots() slots are faulted in.
    std::size_t mask_ = kMinCacheSlots - 1;
    ThreadCache* next_ = nullptr;  // on the free list
  };
  static CacheSlot& cache_slot(std::uint64_t hash) { return ThreadCache::mine().slot(hash); }

  std::uint64_t id_;
  // Entries in the shared table (the sum of the shards' sizes), which a
  // thread's cache grows to fit; on a line of its own.
  alignas(64) std::atomic<std::size_t> entries_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace synod::check
