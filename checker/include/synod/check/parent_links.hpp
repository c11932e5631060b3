// synod/check/parent_links.hpp - how a search remembers where each distinct
// state came from, so that a counterexample can be rebuilt.
//
// A parent link is (parent id, action index) packed in 8 bytes; ids are
// dense in discovery order. A trace is rebuilt by following links to an
// initial state and replaying the action indices from it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <synod/check/memory.hpp>

namespace synod::check::detail {

// Parent link: 40 bits of parent id, 24 bits of action index.
inline constexpr std::uint64_t kNoParent = (std::uint64_t{1} << 40) - 1;
inline constexpr std::uint64_t kMaxActions = std::uint64_t{1} << 24;
constexpr std::uint64_t pack_link(std::uint64_t parent, std::uint64_t action) { return (parent << 24) | action; }
constexpr std::uint64_t link_parent(std::uint64_t link) { return link >> 24; }
constexpr std::uint32_t link_action(std::uint64_t link) { return static_cast<std::uint32_t>(link & (kMaxActions - 1)); }

// The parent link of every distinct state, by id: fixed blocks of zeroed
// memory (memory.hpp's ZeroedArray, Fill::lazy), so growing never copies
// nor zeroes what is there (a vector's doubling would do both, serially,
// between BFS levels), and fresh pages are first touched by the threads
// that fill them, 4 KiB at a time (see map_zeroed).
class LinkArray {
 public:
  static constexpr std::size_t kBlockBits = 21;  // 16 MiB blocks
  static constexpr std::size_t kBlock = std::size_t{1} << kBlockBits;

  std::size_t size() const { return size_; }
  // Bytes of links (what the blocks hold, not their reserved address space).
  std::size_t bytes() const { return size_ * sizeof(std::uint64_t); }
  // Grows to n links; new ones are 0.
  void resize(std::size_t n) {
    while (blocks_.size() * kBlock < n) blocks_.emplace_back(kBlock);
    size_ = std::max(size_, n);
  }
  void push_back(std::uint64_t link) {
    resize(size_ + 1);
    (*this)[size_ - 1] = link;
  }
  std::uint64_t& operator[](std::size_t i) { return blocks_[i >> kBlockBits][i & (kBlock - 1)]; }
  std::uint64_t operator[](std::size_t i) const { return blocks_[i >> kBlockBits][i & (kBlock - 1)]; }

 private:
  std::vector<ZeroedArray<std::uint64_t>> blocks_;
  std::size_t size_ = 0;
};

}  // namespace synod::check::detail
