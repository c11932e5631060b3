// synod/check/bfs_chunks.hpp - what the threads of a parallel BFS level
// hand each other: chunks of the level (ChunkRanges says who takes which),
// the candidates each chunk's expansion writes (ChunkOutput), and each
// thread's own scratch (PerThread, with its recent-fingerprint filter).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <synod/check/search.hpp>
#include <synod/check/seen_set.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace synod::check::detail {

// Hands out a BFS level's chunks to its threads. The chunks are split into
// one contiguous range per thread; each thread takes its own range's chunks
// in order, then helps with the others' (from their fronts, in order). So a
// thread mostly works on neighbouring states: the sibling states of a
// diamond mostly fall to one thread, whose recent-fingerprint filter then
// drops the duplicate, and the states a thread builds at the end of a
// level are mostly the ones it expands in the next (in its own core's
// cache). Which thread takes which chunk never changes the result.
class ChunkRanges {
 public:
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  // Equal ranges, or (`first` non-empty, one entry per thread, the first 0
  // and none decreasing nor past `chunks`) thread t's range starting at
  // chunk first[t].
  void reset(std::size_t chunks, unsigned threads, std::span<const std::size_t> first = {}) {
    if (threads_ < threads) {
      ranges_ = std::make_unique<Range[]>(threads);
      threads_ = threads;
    }
    used_ = threads;
    for (unsigned t = 0; t < threads; ++t) {
      ranges_[t].begin = first.empty() ? chunks * t / threads : first[t];
      ranges_[t].next.store(ranges_[t].begin, std::memory_order_relaxed);
    }
    for (unsigned t = 0; t < threads; ++t) ranges_[t].end = t + 1 == threads ? chunks : ranges_[t + 1].begin;
  }
  // The first chunk of thread t's range.
  std::size_t begin(unsigned t) const { return ranges_[t].begin; }
  // The next chunk for thread t, or kNone when all are taken. `range` is the
  // thread's position: set it to t before its first call.
  std::size_t next(unsigned t, unsigned& range) {
    for (;;) {
      Range& r = ranges_[range];
      if (r.next.load(std::memory_order_relaxed) < r.end) {
        const std::size_t c = r.next.fetch_add(1, std::memory_order_relaxed);
        if (c < r.end) return c;
      }
      range = range + 1 == used_ ? 0 : range + 1;
      if (range == t) return kNone;
    }
  }

 private:
  struct alignas(64) Range {  // each on its own cache line
    std::atomic<std::size_t> next{0};
    std::size_t begin = 0, end = 0;
  };
  std::unique_ptr<Range[]> ranges_;
  unsigned threads_ = 0, used_ = 0;
};

// A successor that may be new: its key, and how to rebuild it.
template <class Fp>
struct Candidate {
  typename SeenSet<Fp>::Key key;
  std::uint32_t parent;  // position in the current level
  std::uint32_t action;  // action index
};

// One chunk's output: candidates (scanned by every merging thread, so kept
// compact) and, when carried, their states in a parallel vector.
// Per-chunk and per-thread data sit on their own cache lines: threads
// writing neighbouring entries must not share one (false sharing).
template <class M, class Fp>
struct alignas(64) ChunkOutput {
  using Key = typename SeenSet<Fp>::Key;
  std::vector<Candidate<Fp>> candidates;
  std::vector<std::optional<typename M::State>> states;
  std::vector<typename M::Action> actions;  // incremental models: the candidates' actions
  // With T > 1 merging threads: the positions of the candidates whose
  // seen-set shard thread t owns, in order, are
  // owned[owned_begin[t] .. owned_begin[t + 1]) (a counting sort by owner),
  // each with its key: the merging thread reads them in order, not
  // gathered from the candidates, which another core wrote.
  struct alignas(sizeof(Key) == 8 ? 16 : alignof(Key)) Owned {
    Key key;
    std::uint32_t index;
  };
  // Written past the caches (non-temporal stores) where the instruction
  // set allows (SSE2, 16-byte entries). The other merging thread reads
  // these lines once, and a line that both cores' caches hold must be taken
  // back from the other core before its writer can write it again, at a
  // later level, which costs most when the two CPUs sit on different dies.
  // stream_fence() orders them before the merge.
  static void stream(Owned* to, const Key& key, std::uint32_t index) {
#if defined(__SSE2__)
    if constexpr (sizeof(Key) == 8 && sizeof(Owned) == 16) {
      std::uint64_t bits;
      std::memcpy(&bits, &key, sizeof bits);
      _mm_stream_si128(reinterpret_cast<__m128i*>(to),
                       _mm_set_epi64x(static_cast<long long>(index), static_cast<long long>(bits)));
      return;
    }
#endif
    *to = Owned{key, index};
  }
  static void stream_fence() {
#if defined(__SSE2__)
    _mm_sfence();
#endif
  }
  std::vector<Owned> owned;
  std::vector<std::uint32_t> owned_begin;
  void clear() {
    candidates.clear();
    states.clear();
    actions.clear();
  }
};

// A per-thread filter in front of the seen set: a direct-mapped table of
// fingerprints this thread recently found in the seen set or emitted as
// candidates. Either way the fingerprint is in the seen set by the end of
// the level's merge, and an emitted one came earlier in (chunk, position)
// order (a thread takes chunks in increasing order, and clears its filter
// when it moves back to an earlier one: see ChunkRanges), so dropping a later
// duplicate never changes which candidate wins: the search stays
// deterministic. Most duplicates are local (the two paths of a diamond
// start from sibling states in one chunk), so this saves a seen-set miss,
// a carried state and a merge insert for most of them.
inline constexpr unsigned kRecentBits = 15;
template <class Fp>
std::size_t recent_slot(const typename SeenSet<Fp>::Key& k) {
  return static_cast<std::size_t>(FingerprintTraits<Fp>::hash(k) >> (64 - kRecentBits));
}

// One thread's scratch for a level, reused across levels.
template <class M, class Fp>
struct alignas(64) PerThread {
  using Key = typename SeenSet<Fp>::Key;
  ActionList<typename M::Action> actions;
  bool diverged = false;  // a rebuilt successor did not match its candidate
  std::vector<std::pair<Key, std::uint32_t>> keys;  // incremental: one state's successors
  std::vector<Key> recent = std::vector<Key>(std::size_t{1} << kRecentBits);  // no key is 0: empty
  std::uint64_t first_violation = std::numeric_limits<std::uint64_t>::max();
  int violated_property = -1;
  Reached reached;
  std::vector<std::uint64_t> won;  // merge: this thread's winners, a bitmap per chunk (word_offsets)
  std::vector<std::uint32_t> fill;  // expand: the next free place of each owner's positions
};

// Stores v in a level slot. A trivially destructible slot is constructed
// over, not assigned: assigning an optional reads its old flag first, and
// a read of a fresh page maps the zero page, so the write right after
// faults again and flushes the other threads' TLBs.
template <class T>
void put(T& slot, T&& v) {
  if constexpr (std::is_trivially_destructible_v<T>) {
    std::construct_at(&slot, std::move(v));
  } else {
    slot = std::move(v);
  }
}

}  // namespace synod::check::detail
