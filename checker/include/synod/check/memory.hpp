// synod/check/memory.hpp - where the checker's big arrays get their memory.
//
// Fresh mapped memory is zero without a pass over it, and is faulted in page
// by page by whichever thread first writes it: BFS levels and parent links
// (level_buffer.hpp, Fill::lazy), seen-set tables (Fill::populate, huge
// pages faulted in at once), and the memo tables' per-thread caches
// (intern.hpp). Each kind of array gets the kind of page that suits how it
// is first touched: see map_huge and map_zeroed.
#pragma once

#include <algorithm>
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

// Faults in writable now the fresh (all zero) mapped block [p, p + bytes).
// Memory that is read before it is written (a hash table's empty slots, a
// memo cache) otherwise maps the shared zero page first and faults again on
// the first write, and that second fault must flush the other threads' TLBs
// (an interrupt to each of their cores). MADV_POPULATE_WRITE does it on
// Linux 5.14 and later; elsewhere, a zero byte written into each 4 KiB page
// (the block is fresh, so that changes nothing).
//
// In slices of kPopulateSlice: the call holds the process's address-space
// lock throughout, and every other thread's mmap, munmap or brk waits for
// it, so a small slice bounds how long another thread can be held up.
//
// Even sliced, a thread's madvise calls hold up any other thread that maps
// memory meanwhile: a worker setting up its memo caches would delay the
// searching thread's first levels by its whole set-up. Faulting the pages
// in by writing them is slower for the worker, but takes the lock only a
// page at a time, so the searching thread does not wait. So a thread that
// sets up while another searches (WorkerPool's workers) faults its pages
// in itself, by writing (PopulateByWriting).
inline constexpr std::size_t kPopulateSlice = std::size_t{256} << 10;
inline thread_local bool populate_by_writing = false;
// While one lives, populate_written on this thread writes a byte per page.
class PopulateByWriting {
 public:
  PopulateByWriting() : was_(std::exchange(populate_by_writing, true)) {}
  ~PopulateByWriting() { populate_by_writing = was_; }
  PopulateByWriting(const PopulateByWriting&) = delete;
  PopulateByWriting& operator=(const PopulateByWriting&) = delete;

 private:
  bool was_;
};
inline void populate_written(void* p, std::size_t bytes) {
  auto* const at = static_cast<unsigned char*>(p);
  std::size_t done = 0;
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  if (!populate_by_writing)
    for (; done < bytes; done += kPopulateSlice)
      if (::madvise(at + done, std::min(kPopulateSlice, bytes - done), MADV_POPULATE_WRITE) != 0) break;
#endif
  // Where madvise refused (an older kernel), the rest page by page.
  auto* const bytes_at = static_cast<volatile unsigned char*>(at);
  for (std::size_t i = done; i < bytes; i += 4096) bytes_at[i] = 0;
}

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
  populate_written(reinterpret_cast<void*>(aligned), bytes);
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
// lazily (a VM that hands freed memory back to its host), that first touch
// of a huge page is slow, and a BFS phase's other thread can run out of
// chunks and idle meanwhile. In 4 KiB pages the same cost is spread over
// the chunks, and so over the threads.
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
    // Nor mapped: in a parallel merge both threads rebuild shards at the
    // same levels, and their mmap/munmap calls would take the process's
    // memory-map lock in turn and interrupt the other core with TLB
    // flushes; malloc serves these sizes from per-thread arenas that reuse
    // the retired tables' memory.
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

}  // namespace synod::check
