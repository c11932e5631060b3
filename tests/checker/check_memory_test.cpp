// The checker's memory blocks: every size class of ZeroedArray (calloc, the
// mapped 4 KiB-page blocks, the populated ones, huge-page mappings), blocks
// populated slice by slice (populate_written), level buffers (mapped and grown by
// mremap, or a vector), a seen set grown through all of them, and the memo
// tables' per-thread caches (mapped, handed from thread to thread). A wrong
// mapping length or a block handed out dirty would show here as a crash
// (AddressSanitizer, munmap of the wrong range), a page not resident or a
// non-zero element. Last, an intern pool filled by four threads at once,
// which must give each value one reference.
#include <array>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <synod/check/intern.hpp>
#include <synod/check/level_buffer.hpp>
#include <synod/check/memory.hpp>
#include <synod/check/seen_set.hpp>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace {

using synod::check::Fill;
using synod::check::LevelBuffer;
using synod::check::Memo;
using synod::check::SeenSet;
using synod::check::ZeroedArray;

// Element counts of 8-byte values on each side of the 64 KiB and 2 MiB
// thresholds, and well past them.
const std::size_t kCounts[] = {1, 100, 8191, 8192, 40000, 262143, 262144, 400000};

TEST(CheckMemory, ZeroedArraysAreZeroAndWritableInEverySizeClass) {
  for (Fill fill : {Fill::lazy, Fill::populate}) {
    for (std::size_t n : kCounts) {
      ZeroedArray<std::uint64_t> a(n, fill);
      ASSERT_EQ(a.size(), n);
      std::size_t nonzero = 0;
      for (std::size_t i = 0; i < n; ++i) nonzero += a[i] != 0;
      EXPECT_EQ(nonzero, 0u) << n << " fill " << static_cast<int>(fill);
      for (std::size_t i = 0; i < n; ++i) a[i] = i * 2654435761u + 1;
      ZeroedArray<std::uint64_t> b(std::move(a));  // moving keeps the block
      std::size_t wrong = 0;
      for (std::size_t i = 0; i < n; ++i) wrong += b[i] != i * 2654435761u + 1;
      EXPECT_EQ(wrong, 0u) << n;
      b = ZeroedArray<std::uint64_t>(n / 2 + 1, fill == Fill::lazy ? Fill::populate : Fill::lazy);  // frees the old block by its own class
      EXPECT_EQ(b[n / 2], 0u);
    }
  }
}

#if defined(__linux__)
// populate_written faults a block in slice by slice (kPopulateSlice): every
// page, the last partial slice's included, must be resident before the
// first access, and read as zero.
TEST(CheckMemory, WrittenMappingsAreResidentInEveryPage) {
  using synod::check::detail::kPopulateSlice;
  const std::size_t sizes[] = {4096, kPopulateSlice - 4096, kPopulateSlice, kPopulateSlice + 4096,
                               3 * kPopulateSlice + 12288, (std::size_t{5} << 20) / 2};
  for (std::size_t bytes : sizes) {
    void* p = synod::check::detail::map_zeroed(bytes);
    synod::check::detail::populate_written(p, synod::check::detail::page_round(bytes));
    const std::size_t pages = (bytes + 4095) / 4096;
    std::vector<unsigned char> resident(pages);
    ASSERT_EQ(::mincore(p, bytes, resident.data()), 0) << bytes;
    std::size_t missing = 0;
    for (unsigned char r : resident) missing += (r & 1) == 0;
    EXPECT_EQ(missing, 0u) << bytes << " bytes";
    const auto* b = static_cast<const unsigned char*>(p);
    std::size_t nonzero = 0;
    for (std::size_t i = 0; i < bytes; i += 512) nonzero += b[i] != 0;
    EXPECT_EQ(nonzero, 0u) << bytes;
    synod::check::detail::unmap_zeroed(p, bytes);
  }
}
#endif

TEST(CheckMemory, LevelBuffersStartZeroAndKeepValuesWhenTheyGrow) {
  // Level buffers hold optionals of trivially copyable states: fresh ones
  // must read as disengaged (zero bytes), and growing (past the first
  // reservation of 64 MiB too: 2^23 16-byte elements is 128 MiB) keeps what
  // was written.
  LevelBuffer<std::optional<std::uint64_t>> level;
  std::size_t filled = 0;
  for (std::size_t n : {std::size_t{1}, std::size_t{100}, std::size_t{8192}, std::size_t{400000},
                        std::size_t{1} << 23}) {
    level.reserve(n);
    ASSERT_GE(level.capacity(), n);
    // Every 97th element (every page, at shifting offsets).
    const std::size_t from = (filled + 96) / 97 * 97;
    std::size_t engaged = 0;
    for (std::size_t i = from; i < n; i += 97) engaged += level[i].has_value();
    EXPECT_EQ(engaged, 0u) << n;
    std::size_t lost = 0;
    for (std::size_t i = 0; i < filled; i += 97) lost += level[i] != std::optional<std::uint64_t>(i);
    EXPECT_EQ(lost, 0u) << n;
    for (std::size_t i = from; i < n; i += 97) level[i] = i;
    filled = n;
  }
  LevelBuffer<std::optional<std::uint64_t>> other;
  other.swap(level);  // a level and the next trade buffers
  EXPECT_EQ(level.capacity(), 0u);
  EXPECT_EQ(other[97 * 1000], std::optional<std::uint64_t>(97 * 1000));
}

TEST(CheckMemory, LevelBuffersOfOtherTypesAreValueInitialised) {
  // Elements that are not trivially copyable live in a vector.
  LevelBuffer<std::vector<int>> level;
  level.reserve(10);
  for (std::size_t i = 0; i < 10; ++i) level[i].assign(i, 1);
  level.reserve(1000);
  ASSERT_GE(level.capacity(), 1000u);
  std::size_t kept = 0, empty = 0;
  for (std::size_t i = 0; i < 10; ++i) kept += level[i].size() == i;
  for (std::size_t i = 10; i < 1000; ++i) empty += level[i].empty();
  EXPECT_EQ(kept, 10u);
  EXPECT_EQ(empty, 990u);
  level.reserve(5000, false);  // a next level's stale states may go
  ASSERT_GE(level.capacity(), 5000u);
  std::size_t fresh = 0;
  for (std::size_t i = 1000; i < 5000; ++i) fresh += level[i].empty();
  EXPECT_EQ(fresh, 4000u);
}

TEST(CheckMemory, SeenSetGrowsThroughEveryTableSize) {
  // 2^21 keys: 64 shards grow from 16 slots through mapped and populated
  // tables to huge-page ones (over 2 MiB each at the end).
  SeenSet<std::uint64_t> seen;
  const std::uint64_t n = std::uint64_t{1} << 21;
  std::uint64_t fresh = 0;
  for (std::uint64_t i = 1; i <= n; ++i) fresh += seen.insert(i * 0x9E3779B97F4A7C15ull);
  EXPECT_EQ(fresh, n);
  EXPECT_EQ(seen.size(), n);
  std::uint64_t again = 0, found = 0, absent = 0;
  for (std::uint64_t i = 1; i <= n; ++i) {
    again += seen.insert(i * 0x9E3779B97F4A7C15ull);
    found += seen.contains(i * 0x9E3779B97F4A7C15ull);
    absent += seen.contains((n + i) * 0x9E3779B97F4A7C15ull);
  }
  EXPECT_EQ(again, 0u);
  EXPECT_EQ(found, n);
  EXPECT_EQ(absent, 0u);
  EXPECT_LE(static_cast<double>(seen.bytes()) / static_cast<double>(n), 16.0);
}

// A memo value of 64 bytes: with its key and tag, a cache slot of 80 bytes,
// which straddles cache lines and 4 KiB pages.
using Wide = std::array<std::uint64_t, 8>;
Wide wide(std::uint64_t i) {
  Wide w;
  for (std::size_t j = 0; j < w.size(); ++j) w[j] = (i + 1) * 0x0101010101010101ull + j;
  return w;
}
std::uint64_t spread(std::uint64_t i) { return (i + 1) * 0x9E3779B97F4A7C15ull; }

TEST(CheckMemory, MemoCacheKeepsWideSlotsWhole) {
  // Keys for 1.5 times the cache's first size, in random slot order, each
  // read back (from the thread's cache, or the shared table when evicted):
  // the first look-up that reaches the table grows the cache, so slots on
  // both sides of its first size are written and read.
  using WideMemo = Memo<std::uint64_t, Wide>;  // a Memo type no other test uses: a fresh cache
  WideMemo memo;
  constexpr std::uint64_t kKeys = WideMemo::kMinCacheSlots / 2 * 3;
  for (std::uint64_t i = 0; i < kKeys; ++i) memo.insert(spread(i), i, wide(i));
  std::uint64_t wrong = 0, missing = 0;
  for (std::uint64_t i = 0; i < kKeys; ++i) {
    Wide w{};
    if (!memo.find(spread(i), i, w)) {
      ++missing;
    } else {
      wrong += w != wide(i);
    }
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(WideMemo::thread_cache_slots(), 2 * WideMemo::kMinCacheSlots);
}

// A thread's cache grows with the shared table, to a slot per entry, and
// no further than its largest size; entries stay found throughout.
TEST(CheckMemory, MemoCacheGrowsWithItsTable) {
  using Grown = Memo<std::uint16_t, std::uint64_t>;  // used by no other test: a fresh cache
  constexpr std::size_t kMin = Grown::kMinCacheSlots;
  constexpr std::uint16_t kAbsent = 0xffff;
  Grown memo;
  std::thread([&] {
    memo.prepare_thread();
    EXPECT_EQ(Grown::thread_cache_slots(), kMin);
    std::uint64_t v = 0;
    std::uint16_t stored = 0;
    auto fill_to = [&](std::size_t n) {
      for (; stored < n; ++stored) memo.insert(spread(stored), stored, stored * 3u);
    };
    auto all_found = [&] {
      std::size_t wrong = 0;
      for (std::uint16_t k = 0; k < stored; ++k) wrong += !memo.find(spread(k), k, v) || v != k * 3u;
      return wrong;
    };
    // No more entries than slots: a look-up that reaches the table (a miss)
    // leaves the cache as it is.
    fill_to(kMin / 2);
    EXPECT_FALSE(memo.find(spread(kAbsent), kAbsent, v));
    EXPECT_EQ(Grown::thread_cache_slots(), kMin);
    // More: the next such look-up grows it to the power of two above them.
    fill_to(kMin + kMin / 2);
    EXPECT_FALSE(memo.find(spread(kAbsent), kAbsent, v));
    EXPECT_EQ(Grown::thread_cache_slots(), 2 * kMin);
    EXPECT_EQ(all_found(), 0u);
    // Past the largest size it stays there.
    fill_to(Grown::kMaxCacheSlots + kMin);
    EXPECT_FALSE(memo.find(spread(kAbsent), kAbsent, v));
    EXPECT_EQ(Grown::thread_cache_slots(), Grown::kMaxCacheSlots);
    EXPECT_EQ(all_found(), 0u);
  }).join();
}

TEST(CheckMemory, MemoCachesPassFromThreadToThreadWithoutStaleHits) {
  using Small = Memo<std::uint32_t, std::uint32_t>;  // used by no other test
  const std::size_t before = Small::thread_caches();
  // Threads one after another: the first maps a cache, the others take it
  // over, slots and all, from Memos that are gone.
  for (std::uint32_t round = 0; round < 4; ++round) {
    Small memo;
    std::thread([&] {
      std::uint32_t v = 0;
      std::uint32_t stale = 0;
      for (std::uint32_t k = 0; k < 1000; ++k) stale += memo.find(spread(k), k, v);
      EXPECT_EQ(stale, 0u) << "round " << round;  // the earlier rounds' entries are not this Memo's
      for (std::uint32_t k = 0; k < 1000; ++k) memo.insert(spread(k), k, k * 7 + round);
      std::uint32_t wrong = 0;
      for (std::uint32_t k = 0; k < 1000; ++k) wrong += !memo.find(spread(k), k, v) || v != k * 7 + round;
      EXPECT_EQ(wrong, 0u) << "round " << round;
    }).join();
  }
  EXPECT_EQ(Small::thread_caches(), before + 1);
  // Two threads at once need two caches.
  Small memo;
  std::latch both(2);
  auto hold = [&] {
    memo.prepare_thread();
    both.arrive_and_wait();
  };
  std::thread a(hold), b(hold);
  a.join();
  b.join();
  EXPECT_EQ(Small::thread_caches(), before + 2);
}

// Four threads intern overlapping keys at once, each in its own order,
// while the shards' tables grow (64 entries each at first, 30,000 keys in
// all). Every key must get one reference, the same in every thread,
// holding that key and its hash and tag.
TEST(CheckMemory, InternPoolGivesOneReferencePerValueAcrossThreads) {
  synod::check::InternPool<std::uint64_t> pool;
  constexpr std::uint32_t kKeys = 30000;
  constexpr unsigned kThreads = 4;
  std::vector<std::vector<synod::check::Ref>> refs(kThreads, std::vector<synod::check::Ref>(kKeys));
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      // Twice over, in an order of this thread's own (a prime stride, so
      // every key comes up).
      constexpr std::array<std::uint64_t, kThreads> kStride{7919, 7933, 7937, 7949};
      for (std::uint32_t n = 0; n < 2 * kKeys; ++n) {
        const std::uint64_t key = (n * kStride[t] + t * 101) % kKeys;
        refs[t][key] = pool.intern(
            spread(key), key, [](std::uint64_t a, std::uint64_t b) { return a == b; },
            [key] { return key; }, static_cast<std::uint32_t>(key & 0xff));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(pool.size(), kKeys);
  std::vector<bool> used(kKeys, false);
  std::uint32_t wrong = 0;
  for (std::uint32_t key = 0; key < kKeys; ++key) {
    const synod::check::Ref r = refs[0][key];
    for (unsigned t = 1; t < kThreads; ++t) wrong += refs[t][key] != r;
    ASSERT_LT(r, kKeys);
    wrong += used[r];
    used[r] = true;
    wrong += pool[r] != key || pool.hot(r).hash != spread(key) || pool.hot(r).tag != (key & 0xff);
  }
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
