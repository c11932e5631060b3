// synod/check/level_buffer.hpp - the arrays a BFS level lives in: its
// states and, for incremental models, their fingerprint bases.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include <synod/check/memory.hpp>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace synod::check {

// A BFS level's buffer (states, or their fingerprint bases): an array that
// only grows, whose first capacity() elements can be read and written.
//
// Elements that are trivially copyable and destructible (the Raft and Paxos
// models' states) live in one mapping of address space reserved well ahead:
// at least 64 MiB, and 4 times the old size when it must grow, by mremap,
// which moves the pages without copying or freeing them: growing happens
// serially between two parallel phases, where a vector's growth into a
// fresh mapping would spend its time unmapping the old one, and would fault
// every page in afresh. Its pages are faulted in (4 KiB each, never huge:
// see map_zeroed) by the threads that first write them, and stay for the
// later levels. Fresh memory is zero bytes,
// so an element past what was written holds zeros (a disengaged optional)
// or an earlier level's value, never garbage. Other element types are kept
// in a vector and value-initialised.
template <class T>
class LevelBuffer {
 public:
  LevelBuffer() = default;
  LevelBuffer(const LevelBuffer&) = delete;
  LevelBuffer& operator=(const LevelBuffer&) = delete;
  ~LevelBuffer() { release(); }

  std::size_t capacity() const { return capacity_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

  // Room for at least n elements. With keep, the elements already there
  // keep their values; without, they may be dropped (a next level's stale
  // states: a vector need not copy them).
  void reserve(std::size_t n, bool keep = true) {
    if (n <= capacity_) return;
    if constexpr (kMapped) {
      grow_mapping(n);
    } else {
      if (!keep) values_.clear();
      values_.resize(std::max(n, values_.size() + values_.size() / 2));
      data_ = values_.data();
      capacity_ = values_.size();
    }
  }

  void swap(LevelBuffer& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(capacity_, o.capacity_);
    std::swap(bytes_, o.bytes_);
    values_.swap(o.values_);
  }

 private:
  static constexpr bool kMapped = std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>;
  static constexpr std::size_t kFirstReserve = std::size_t{64} << 20;

  void grow_mapping(std::size_t n) {
    if (n > (std::size_t{1} << 62) / sizeof(T)) throw std::bad_alloc();
    const std::size_t need = detail::page_round(n * sizeof(T));
    // A generous reservation first; should the system refuse it, just what
    // is needed.
    const std::size_t generous = std::max({need, kFirstReserve, bytes_ <= (std::size_t{1} << 60) ? bytes_ * 4 : need});
    for (const std::size_t bytes : {generous, need}) {
      if (void* p = remap(bytes)) {
        data_ = static_cast<T*>(p);
        bytes_ = bytes;
        capacity_ = bytes / sizeof(T);
        return;
      }
    }
    throw std::bad_alloc();
  }
  // The block grown to `bytes` (contents kept, the rest zero), or nullptr.
  void* remap(std::size_t bytes) {
#if defined(__linux__)
    void* p = data_ == nullptr
                  ? ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                  : ::mremap(data_, bytes_, bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return nullptr;
#if defined(MADV_NOHUGEPAGE)
    if (data_ == nullptr) ::madvise(p, bytes, MADV_NOHUGEPAGE);  // a hint; failure only costs speed
#endif
    return p;
#else
    void* p = std::calloc(1, bytes);
    if (p == nullptr) return nullptr;
    if (data_ != nullptr) std::memcpy(p, data_, bytes_);
    std::free(data_);
    return p;
#endif
  }
  void release() noexcept {
    if (!kMapped || data_ == nullptr) return;
    detail::unmap_zeroed(data_, bytes_);  // munmap, or free() where the block came from calloc
    data_ = nullptr;
  }

  T* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t bytes_ = 0;  // mapped (kMapped)
  std::vector<T> values_;  // the elements when !kMapped
};

}  // namespace synod::check
