// synod/check/parallel_bfs.hpp - breadth-first search, a level at a time,
// on any number of threads, with the same result for every number.
//
// Each level is searched in three parallel phases:
//   1. expand: the level is cut into chunks of up to kChunk states, and each
//      thread (first taking the chunks of its own contiguous part of the
//      level) writes each chunk's successors that may be new, in (parent
//      position, action index) order, to that chunk's own buffer;
//   2. merge: the candidates are inserted into the seen set in chunk order,
//      each shard by one owning thread, so the first candidate of a
//      fingerprint in that order wins: the smallest (parent position,
//      action index);
//   3. build: the winners are laid out in the same order as the next
//      level, given their parent links, and checked against the properties.
// Nothing depends on scheduling, so the distinct count, the depth and the
// counterexample are the same for any number of threads.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <synod/check/bfs_chunks.hpp>
#include <synod/check/level_buffer.hpp>
#include <synod/check/search.hpp>
#include <synod/check/seen_set.hpp>
#include <synod/check/worker_pool.hpp>

namespace synod::check::detail {

// How the BFS fingerprints successors. NotIncremental builds every
// successor and fingerprints it; the incremental ones ask the model for
// the fingerprint (IncrementalModel without --symmetry, with 64-bit
// fingerprints; IncrementalSymmetricModel with it) and build only the
// winners of the merge.
struct NotIncremental {
  static constexpr bool enabled = false;
  using Base = char;
};
template <class M>
struct PrimaryIncremental {
  static constexpr bool enabled = true;
  using Base = std::uint64_t;
  using State = typename M::State;
  using Action = typename M::Action;
  static Base base(const M& m, const State& s) { return m.fingerprint_base(s); }
  static std::uint64_t from_base(const M& m, const Base& b) { return m.fingerprint_from_base(b); }
  static std::optional<Successor> successor(const M& m, const State& s, const Base& b, const Action& a) {
    return m.successor(s, b, a);
  }
};
template <class M>
struct CanonicalIncremental {
  static constexpr bool enabled = true;
  using Base = typename M::CanonicalBase;
  using State = typename M::State;
  using Action = typename M::Action;
  static Base base(const M& m, const State& s) { return m.canonical_base(s); }
  static std::uint64_t from_base(const M& m, const Base& b) { return m.canonical_from_base(b); }
  static std::optional<Successor> successor(const M& m, const State& s, const Base& b, const Action& a) {
    return m.canonical_successor(s, b, a);
  }
};

// An IncrementalSymmetricModel may say at run time that its canonical
// verbs do not cover this configuration (canonical_incremental() false,
// e.g. more renamings than it caches): such searches build successors.
template <class M>
bool canonical_incremental(const M& model) {
  if constexpr (requires(const M& m) { { m.canonical_incremental() } -> std::convertible_to<bool>; })
    return model.canonical_incremental();
  return true;
}

// A model's optional prepare_thread(): each thread of the search calls it
// once, when it starts (see WorkerPool).
template <class M>
void prepare_thread(const M& model) {
  if constexpr (requires(const M& m) { m.prepare_thread(); }) model.prepare_thread();
}

// One breadth-first search over `core`'s steps: run() is the level loop,
// the member functions below it its steps and the phases' per-thread
// shares. Inc says how successors are fingerprinted (see above).
template <class M, class Fp, class Inc>
class ParallelBfs {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  // The workers start first, so that their set-up (prepare_thread) overlaps
  // this thread's (see WorkerPool).
  explicit ParallelBfs(SearchCore<M, Fp>& core)
      : core_(core),
        model_(core.model()),
        threads_(core.options().threads),
        pool_(threads_, [&model = model_] { prepare_thread(model); }) {
    prepare_thread(model_);
  }

  void run() {
    Report<M>& report = core_.report();
    if (!discover_initial_level()) return;
    per_thread_ = std::vector<Scratch>(threads_);
    generated_.store(report.states_generated, std::memory_order_relaxed);
    while (level_size_ > 0) {
      report.max_depth = depth_;
      if (at_depth_bound()) {
        report.complete = false;
        break;
      }
      LevelPlan plan = plan_level();
      expand(plan);
      merge(plan);
      lay_out_next_level(plan);
      build(plan);
      if (found_violation(plan)) return;
      advance(plan);
    }
  }

 private:
  using Key = typename SeenSet<Fp>::Key;  // a fingerprint as the seen set stores it
  using Base = typename Inc::Base;        // incremental models: a state's fingerprint base
  using Chunk = ChunkOutput<M, Fp>;
  using Scratch = PerThread<M, Fp>;

  static constexpr bool kIncremental = Inc::enabled;
  // Small states travel with their candidate; larger ones are re-generated
  // from the parent for the winners only (less memory per level).
  // Incremental models fingerprint successors without building them; the
  // winners are then built from their parents and actions (never carried).
  static constexpr bool kCarry = sizeof(State) <= 512 && !kIncremental;
  // Candidates that carry states are first probed against the seen set
  // (read-only), so the states of known ones are not kept; small ones go
  // straight to the merge, whose insert is the only probe they need.
  static constexpr bool kProbe = kCarry;
  static constexpr std::size_t kChunk = 256;
  static constexpr std::size_t kMinChunk = 32;

  // How one level is cut up and shared.
  struct LevelPlan {
    std::size_t size = 0;       // states in the level
    std::size_t chunk = 0;      // states per chunk
    std::size_t chunks = 0;
    unsigned threads = 1;
    std::uint64_t next_base = 0;  // id of the next level's first state
    std::size_t next_size = 0;    // states in the next level (lay_out_next_level)
    // Which thread merges each seen-set shard.
    std::array<std::uint32_t, SeenSet<Fp>::kShards> owner_of{};
  };

  // Adds the time since the last lap (or since it was made) to a phase's total.
  class PhaseClock {
   public:
    void lap(double& total) {
      const auto now = std::chrono::steady_clock::now();
      total += std::chrono::duration<double>(now - start_).count();
      start_ = now;
    }

   private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  };

  // ------------------------------------------------------------ the loop's steps

  // Level 0: the initial states. False on a violation (reported).
  bool discover_initial_level() {
    return core_.discover_initial([&](const State& s, std::uint64_t) {
      level_.reserve(level_size_ + 1);
      put(level_[level_size_], std::optional<State>(s));
      if constexpr (kIncremental) {
        sums_.reserve(level_size_ + 1);
        sums_[level_size_] = Inc::base(model_, s);
      }
      ++level_size_;
    });
  }

  bool at_depth_bound() const {
    const std::uint64_t bound = core_.options().max_depth;
    return bound != 0 && depth_ >= bound;
  }

  LevelPlan plan_level() {
    if (level_size_ > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("a BFS level holds more than 2^32 states");
    LevelPlan plan;
    plan.size = level_size_;
    // Chunks of kChunk states, smaller on small levels so that each
    // thread still claims several (the last claims even out the threads'
    // finishing times); a level of one chunk runs on one thread. Neither
    // the chunk size nor the thread count changes the result: winners are
    // the first in position order whatever the chunks.
    plan.chunk = kChunk;
    while (plan.chunk > kMinChunk && plan.size < plan.chunk * 8 * threads_) plan.chunk /= 2;
    plan.chunks = (plan.size + plan.chunk - 1) / plan.chunk;
    // Alone until the workers are ready (see WorkerPool).
    plan.threads = plan.chunks < 2 || !pool_.ready() ? 1u : threads_;
    plan.next_base = base_ + plan.size;
    if (chunks_.size() < plan.chunks) chunks_.resize(plan.chunks);
    for (std::size_t c = 0; c < plan.chunks; ++c) chunks_[c].clear();
    for (std::size_t shard = 0; shard < plan.owner_of.size(); ++shard)
      plan.owner_of[shard] = static_cast<std::uint32_t>(shard % plan.threads);
    return plan;
  }

  // 1. expand: each level state's successors within the boundary, less
  // those this thread saw recently (and, when states are carried, those
  // already in the seen set: read-only look-ups), become candidates.
  void expand(const LevelPlan& plan) {
    PhaseClock clock;
    // A thread's chunks start where it built the level (split_), so that it
    // expands the states it wrote, which its own core's caches hold; an
    // even split would hand the other thread the states on one side.
    first_chunk_.clear();
    if (plan.threads > 1 && split_.size() == plan.threads) {
      for (unsigned t = 0; t < plan.threads; ++t) {
        const std::size_t c = std::min(plan.chunks, (split_[t] + plan.chunk / 2) / plan.chunk);
        first_chunk_.push_back(t == 0 ? 0 : std::max(c, first_chunk_.back()));
      }
    }
    claims_.reset(plan.chunks, plan.threads, first_chunk_);
    pool_.run(plan.threads, [&](unsigned t) { expand_share(plan, t); });
    clock.lap(core_.report().expand_seconds);
  }

  // 2. merge: each shard owned by one thread, candidates in chunk order.
  // A thread marks its winners in its own bitmap (bit k of chunk c's
  // words): candidates are shared by all threads, and setting a flag in
  // them would have the threads write to the same cache lines.
  void merge(const LevelPlan& plan) {
    PhaseClock clock;
    winners_.assign(static_cast<std::size_t>(plan.threads) * plan.chunks, 0);
    word_offsets_.assign(plan.chunks + 1, 0);
    for (std::size_t c = 0; c < plan.chunks; ++c)
      word_offsets_[c + 1] = word_offsets_[c] + (chunks_[c].candidates.size() + 63) / 64;
    pool_.run(plan.threads, [&](unsigned t) { merge_share(plan, t); });
    clock.lap(core_.report().merge_seconds);
  }

  // Where each chunk's winners go in the next level (chunk order), and room
  // for them and their parent links.
  void lay_out_next_level(LevelPlan& plan) {
    offsets_.assign(plan.chunks + 1, 0);
    for (std::size_t c = 0; c < plan.chunks; ++c) {
      std::uint64_t w = 0;
      for (unsigned t = 0; t < plan.threads; ++t) w += winners_[t * plan.chunks + c];
      offsets_[c + 1] = offsets_[c] + w;
    }
    plan.next_size = offsets_[plan.chunks];
    // The next level's buffers hold stale states only: nothing in them
    // need be kept.
    next_level_.reserve(plan.next_size, false);
    if (kIncremental) next_sums_.reserve(plan.next_size, false);
    core_.parents().resize(plan.next_base + plan.next_size);
  }

  // 3. build: the winners' states, in order, their parent links, and the
  // properties checked on them.
  void build(const LevelPlan& plan) {
    PhaseClock clock;
    for (Scratch& pt : per_thread_) {
      pt.first_violation = std::numeric_limits<std::uint64_t>::max();
      pt.violated_property = -1;
      pt.reached = Reached{};  // counts merge into the core's after the level
      pt.diverged = false;
    }
    // Build ranges split by winners, not by chunks: each thread then
    // builds an equal part of the next level (early chunks win most of a
    // level's new states).
    first_chunk_.clear();
    if (plan.threads > 1)
      for (unsigned t = 0; t < plan.threads; ++t)
        first_chunk_.push_back(static_cast<std::size_t>(
            std::lower_bound(offsets_.begin(), offsets_.begin() + static_cast<std::ptrdiff_t>(plan.chunks),
                             plan.next_size * t / plan.threads) -
            offsets_.begin()));
    claims_.reset(plan.chunks, plan.threads, first_chunk_);
    split_.clear();
    if (plan.threads > 1)
      for (unsigned t = 0; t < plan.threads; ++t) split_.push_back(offsets_[claims_.begin(t)]);
    pool_.run(plan.threads, [&](unsigned t) { build_share(plan, t); });
    clock.lap(core_.report().build_seconds);
  }

  // The level's outcome: throws if a rebuilt state differed from its
  // candidate; true on a violation (reported: the first in level order).
  bool found_violation(const LevelPlan& plan) {
    Report<M>& report = core_.report();
    report.states_generated = generated_.load();
    for (unsigned t = 0; t < plan.threads; ++t)
      if (per_thread_[t].diverged)
        throw std::logic_error(kIncremental ? "the model's successor() fingerprint differs from the state next_state() builds"
                                            : "a rebuilt successor differs from the one first generated (model not deterministic?)");
    for (unsigned t = 0; t < plan.threads; ++t) core_.reached() |= per_thread_[t].reached;
    std::uint64_t worst = std::numeric_limits<std::uint64_t>::max();
    int property = -1;
    for (unsigned t = 0; t < plan.threads; ++t) {
      if (per_thread_[t].first_violation < worst) {
        worst = per_thread_[t].first_violation;
        property = per_thread_[t].violated_property;
      }
    }
    if (plan.next_size > 0) report.max_depth = depth_ + 1;
    if (property < 0) return false;
    core_.violation(property, plan.next_base + worst);
    return true;
  }

  // The next level becomes the level.
  void advance(const LevelPlan& plan) {
    level_.swap(next_level_);
    level_size_ = plan.next_size;
    sums_.swap(next_sums_);
    base_ = plan.next_base;
    ++depth_;
  }

  // ------------------------------------------------------------ the phases' shares

  // Thread t's share of the expansion: chunks as ChunkRanges hands them out.
  void expand_share(const LevelPlan& plan, unsigned t) {
    Scratch& pt = per_thread_[t];
    pt.fill.resize(plan.threads);
    unsigned range = t;
    std::size_t last = 0;
    for (;;) {
      const std::size_t c = claims_.next(t, range);
      if (c == ChunkRanges::kNone) break;
      // The recent filter's argument needs this thread's chunks in
      // increasing order: moving back to an earlier chunk (helping an
      // earlier range) starts it afresh.
      if (c < last) std::fill(pt.recent.begin(), pt.recent.end(), Key{});
      last = c;
      expand_chunk(plan, t, pt, c);
    }
    Chunk::stream_fence();  // the streamed entries, before the merge reads them
  }

  // Chunk c's candidates, those that carry states probed against the seen
  // set, and (with more than one thread) sorted by the thread that merges
  // them.
  void expand_chunk(const LevelPlan& plan, unsigned t, Scratch& pt, std::size_t c) {
    SeenSet<Fp>& seen = core_.seen();
    Chunk& out = chunks_[c];
    std::uint64_t made = 0;
    const std::size_t end = std::min(plan.size, (c + 1) * plan.chunk);
    // When built states are carried, known ones are dropped here:
    // software pipelining, a state's successors are appended with their
    // seen-set slots prefetched, and probed (seen ones removed in place)
    // after the next state's successors are generated, so the cache misses
    // overlap with work. Probing much later would find the lines evicted
    // again.
    std::size_t probed = 0, kept = 0;
    auto probe_until = [&](std::size_t stop) {
      if (!kProbe) {
        probed = kept = stop;
        return;
      }
      for (; probed < stop; ++probed) {
        if (seen.contains_key(out.candidates[probed].key)) continue;
        if (kept != probed) {
          out.candidates[kept] = out.candidates[probed];
          if (kCarry) out.states[kept] = std::move(out.states[probed]);
          if (kIncremental) out.actions[kept] = out.actions[probed];
        }
        ++kept;
      }
    };
    for (std::size_t p = c * plan.chunk; p < end; ++p) {
      const std::size_t previous = out.candidates.size();
      made += offer_successors(pt, out, p);
      probe_until(previous);
    }
    probe_until(out.candidates.size());
    out.candidates.resize(kept);
    if (kCarry) out.states.resize(kept);
    if (kIncremental) out.actions.resize(kept);
    if (plan.threads > 1) sort_by_owner(plan, pt, out, kept);
    const std::uint64_t total = generated_.fetch_add(made, std::memory_order_relaxed) + made;
    if (t == 0) core_.progress(total, plan.size - std::min(plan.size, end), depth_);
  }

  // State p's successors within the boundary become candidates in `out`,
  // unless this thread saw their fingerprint recently; returns how many
  // successors it computed. Inlined into expand_chunk, the loop it is
  // part of (called out of line, it costs a call and reloads per state).
  [[gnu::always_inline]] std::uint64_t offer_successors(Scratch& pt, Chunk& out, std::size_t p) {
    SeenSet<Fp>& seen = core_.seen();
    ActionList<Action>& acts = pt.actions;
    std::uint64_t made = 0;
    const State& s = *level_[p];
    core_.collect_actions(s, acts);
    auto offer = [&](const Key& k, std::uint32_t i, std::optional<State>& next) {
      Key& recent = pt.recent[recent_slot<Fp>(k)];
      if (recent == k) return;
      recent = k;
      if (kProbe) seen.prefetch_key(k);
      out.candidates.push_back(Candidate<Fp>{k, static_cast<std::uint32_t>(p), i});
      if (kCarry) out.states.push_back(std::move(next));
      if (kIncremental) out.actions.push_back(acts[i]);
    };
    if constexpr (kIncremental) {
      // Two passes: all successors' fingerprints (their recent-filter
      // slots prefetched), then the filter; the misses overlap.
      auto& keys = pt.keys;
      keys.clear();
      for (std::uint32_t i = 0; i < acts.size(); ++i) {
        const std::optional<Successor> succ = Inc::successor(model_, s, sums_[p], acts[i]);
        if (!succ) continue;
        ++made;
        if (!succ->within_boundary) continue;
        const Key k = SeenSet<Fp>::key(succ->fingerprint);
        prefetch(&pt.recent[recent_slot<Fp>(k)]);
        keys.emplace_back(k, i);
      }
      std::optional<State> none;
      for (const auto& [k, i] : keys) offer(k, i, none);
    } else {
      for (std::uint32_t i = 0; i < acts.size(); ++i) {
        std::optional<State> next = model_.next_state(s, acts[i]);
        if (!next) continue;
        ++made;
        if (!model_.within_boundary(*next)) continue;
        offer(SeenSet<Fp>::key(core_.fingerprint(*next)), i, next);
      }
    }
    return made;
  }

  // The chunk's candidates' positions grouped by the thread that merges
  // their shard (out.owned). Two passes over the chunk's keys (still in
  // cache): count per owner, then place. No push_back and no division per
  // candidate.
  static void sort_by_owner(const LevelPlan& plan, Scratch& pt, Chunk& out, std::size_t kept) {
    std::vector<std::uint32_t>& begin = out.owned_begin;
    begin.assign(plan.threads + 1, 0);
    for (std::size_t k = 0; k < kept; ++k) ++begin[plan.owner_of[SeenSet<Fp>::shard_of(out.candidates[k].key)] + 1];
    for (unsigned u = 0; u < plan.threads; ++u) begin[u + 1] += begin[u];
    if (out.owned.size() < kept) out.owned.resize(kept);
    std::uint32_t* const fill = pt.fill.data();
    std::copy(begin.begin(), begin.end() - 1, fill);
    for (std::size_t k = 0; k < kept; ++k) {
      const Key& key = out.candidates[k].key;
      Chunk::stream(&out.owned[fill[plan.owner_of[SeenSet<Fp>::shard_of(key)]]++], key, static_cast<std::uint32_t>(k));
    }
  }

  // Thread t's share of the merge: the candidates of the shards it owns
  // (every candidate with one thread), in chunk order.
  void merge_share(const LevelPlan& plan, unsigned t) {
    SeenSet<Fp>& seen = core_.seen();
    std::vector<std::uint64_t>& won = per_thread_[t].won;
    won.assign(word_offsets_[plan.chunks], 0);
    std::uint64_t* const wins = &winners_[static_cast<std::size_t>(t) * plan.chunks];
    // Prefetch kAhead candidates ahead (a hint: a table that grows
    // meanwhile only makes it miss).
    constexpr std::size_t kAhead = 16;
    for (std::size_t c = 0; c < plan.chunks; ++c) {
      std::vector<Candidate<Fp>>& cands = chunks_[c].candidates;
      std::uint64_t* const bits = &won[word_offsets_[c]];
      auto insert = [&](const Key& key, std::size_t k) {
        if (seen.insert_key(key)) {
          bits[k / 64] |= std::uint64_t{1} << (k % 64);
          ++wins[c];
        }
      };
      if (plan.threads == 1) {
        for (std::size_t k = 0; k < std::min(kAhead, cands.size()); ++k) seen.prefetch_key(cands[k].key);
        for (std::size_t k = 0; k < cands.size(); ++k) {
          if (k + kAhead < cands.size()) seen.prefetch_key(cands[k + kAhead].key);
          insert(cands[k].key, k);
        }
        continue;
      }
      const typename Chunk::Owned* const own = chunks_[c].owned.data() + chunks_[c].owned_begin[t];
      const std::size_t count = chunks_[c].owned_begin[t + 1] - chunks_[c].owned_begin[t];
      for (std::size_t j = 0; j < std::min(kAhead, count); ++j) seen.prefetch_key(own[j].key);
      for (std::size_t j = 0; j < count; ++j) {
        if (j + kAhead < count) seen.prefetch_key(own[j + kAhead].key);
        insert(own[j].key, own[j].index);
      }
    }
  }

  // Thread t's share of the build: chunks as ChunkRanges hands them out.
  void build_share(const LevelPlan& plan, unsigned t) {
    unsigned range = t;
    for (;;) {
      const std::size_t c = claims_.next(t, range);
      if (c == ChunkRanges::kNone) break;
      build_chunk(plan, t, c);
    }
  }

  // Chunk c's winners (any thread's bit) go to the next level from
  // offsets_[c] on, in candidate order.
  void build_chunk(const LevelPlan& plan, unsigned t, std::size_t c) {
    LinkArray& parents = core_.parents();
    ActionList<Action>& acts = per_thread_[t].actions;
    std::uint64_t pos = offsets_[c];
    std::uint32_t expanded = std::numeric_limits<std::uint32_t>::max();
    const std::size_t words = word_offsets_[c + 1] - word_offsets_[c];
    Scratch& pt = per_thread_[t];
    for (std::size_t w = 0; w < words && !pt.diverged; ++w) {
      std::uint64_t bits = 0;
      for (unsigned u = 0; u < plan.threads; ++u) bits |= per_thread_[u].won[word_offsets_[c] + w];
      for (; bits != 0; bits &= bits - 1) {
        const std::size_t k = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
        const Candidate<Fp>& cand = chunks_[c].candidates[k];
        const std::uint32_t a = cand.action;
        if (kCarry) {
          put(next_level_[pos], std::move(chunks_[c].states[k]));
        } else if (kIncremental) {
          put(next_level_[pos], model_.next_state(*level_[cand.parent], chunks_[c].actions[k]));
          // The built state must be the one fingerprinted (a correct
          // successor()); anything else would make the search unsound.
          if (!next_level_[pos]) {
            pt.diverged = true;
            break;
          }
          if constexpr (kIncremental) {
            next_sums_[pos] = Inc::base(model_, *next_level_[pos]);
            if (SeenSet<Fp>::key(Inc::from_base(model_, next_sums_[pos])) != cand.key) {
              pt.diverged = true;
              break;
            }
          }
        } else {
          const State& parent = *level_[cand.parent];
          if (expanded != cand.parent) {
            core_.collect_actions(parent, acts);
            expanded = cand.parent;
          }
          put(next_level_[pos], model_.next_state(parent, acts[a]));
          // Rebuilding must give the state that was fingerprinted (a
          // deterministic model); anything else would make the search unsound.
          if (!next_level_[pos] || SeenSet<Fp>::key(core_.fingerprint(*next_level_[pos])) != cand.key) {
            pt.diverged = true;
            break;
          }
        }
        parents[plan.next_base + pos] = pack_link(base_ + cand.parent, a);
        const int v = core_.evaluate(*next_level_[pos], pt.reached);
        if (v >= 0 && pos < pt.first_violation) {
          pt.first_violation = pos;
          pt.violated_property = v;
        }
        ++pos;
      }
    }
  }

  SearchCore<M, Fp>& core_;
  const M& model_;
  const unsigned threads_;  // at most; a level may use fewer (LevelPlan::threads)
  WorkerPool pool_;
  // Levels are the search's biggest arrays after the seen set. They only
  // grow (LevelBuffer): a level is its first level_size_ entries (the rest
  // are stale states that the next levels overwrite), so no serial step
  // re-creates them.
  LevelBuffer<std::optional<State>> level_, next_level_;
  std::size_t level_size_ = 0;
  LevelBuffer<Base> sums_, next_sums_;  // incremental models: each level state's fingerprint base
  std::vector<Chunk> chunks_;           // per chunk, reused across levels
  ChunkRanges claims_;                  // who expands / builds which chunk
  std::vector<Scratch> per_thread_;     // reused across levels
  std::vector<std::uint64_t> winners_;  // [thread * chunks + chunk]
  std::vector<std::uint64_t> offsets_;  // chunk c's winners start at offsets_[c] of the next level
  std::vector<std::size_t> word_offsets_;  // chunk c's winner bits: words [word_offsets_[c], word_offsets_[c + 1])
  // Where each thread's part of the level starts: the first position it
  // built (empty: the level was built by one thread).
  std::vector<std::size_t> split_;
  std::vector<std::size_t> first_chunk_;  // per thread: where its range of the level's chunks starts
  std::uint64_t base_ = 0;  // id of level_[0]
  std::uint64_t depth_ = 0;
  std::atomic<std::uint64_t> generated_{0};  // successors computed so far, duplicates included
};

// Breadth-first search with the cheapest way of fingerprinting successors
// that the model and the options allow.
template <class M, class Fp>
void breadth_first(SearchCore<M, Fp>& core) {
  const bool symmetry = core.options().symmetry;
  if constexpr (std::is_same_v<Fp, std::uint64_t>) {
    if constexpr (IncrementalSymmetricModel<M>) {
      if (symmetry && canonical_incremental(core.model()))
        return ParallelBfs<M, Fp, CanonicalIncremental<M>>(core).run();
    }
    if constexpr (IncrementalModel<M>) {
      if (!symmetry) return ParallelBfs<M, Fp, PrimaryIncremental<M>>(core).run();
    }
  }
  (void)symmetry;
  ParallelBfs<M, Fp, NotIncremental>(core).run();
}

}  // namespace synod::check::detail
