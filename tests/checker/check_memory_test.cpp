// The checker's memory blocks: every size class of ZeroedArray (calloc, the
// mapped 4 KiB-page blocks, the populated ones, huge-page mappings), the level
// allocator's three paths, and a seen set grown through all of them. A wrong
// mapping length or a block handed out dirty would show here as a crash
// (AddressSanitizer, munmap of the wrong range) or a non-zero element.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>
#include <synod/check/seen_set.hpp>

namespace {

using synod::check::Fill;
using synod::check::LevelAllocator;
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

TEST(CheckMemory, LevelBuffersStartZeroAndKeepValuesWhenTheyGrow) {
  // Level buffers hold optionals of trivially copyable states: fresh ones
  // must read as disengaged (zero bytes), in every allocation path.
  std::vector<std::optional<std::uint64_t>, LevelAllocator<std::optional<std::uint64_t>>> level;
  std::size_t filled = 0;
  for (std::size_t n : kCounts) {
    level.resize(n);
    std::size_t engaged = 0;
    for (std::size_t i = filled; i < n; ++i) engaged += level[i].has_value();
    EXPECT_EQ(engaged, 0u) << n;
    std::size_t lost = 0;
    for (std::size_t i = 0; i < filled; ++i) lost += level[i] != std::optional<std::uint64_t>(i);
    EXPECT_EQ(lost, 0u) << n;
    for (std::size_t i = filled; i < n; ++i) level[i] = i;
    filled = n;
  }
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

}  // namespace
