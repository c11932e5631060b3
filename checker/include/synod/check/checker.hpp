// synod/check/checker.hpp - the search engine: BFS (parallel, deterministic),
// DFS and random walks over any synod::check::Model.
//
// One skeleton, three frontier policies:
//   * every search discovers states through the same steps: generate the
//     successors of a state by action index, drop those outside the boundary,
//     fingerprint (canonically under --symmetry), insert into the seen set,
//     record a parent link (parent id, action index), evaluate the properties;
//   * BFS takes its frontier one level at a time, DFS from a stack, a random
//     walk from one path it extends at random.
//
// Determinism of the parallel BFS. A level is expanded by T threads in chunks
// of up to kChunk frontier states (each thread first takes the chunks of its
// own contiguous part of the level); each chunk writes its unseen successors, in
// (parent position, action index) order, to its own buffer. The merge then
// inserts candidates into the seen set in chunk order, each shard by one
// owning thread, so the first candidate of a fingerprint in that order wins:
// the smallest (parent position, action index). Winners are then laid out in
// the same order as the next level. Nothing depends on scheduling, so the
// distinct count, the depth and the counterexample are the same for any T.
//
// Counterexamples. A parent link is (parent id, action index) packed in 8
// bytes; ids are dense in discovery order. The trace is rebuilt by following
// links to an initial state and replaying the action indices from it, so the
// steps are the concrete states the search stored (never a symmetric image):
// with --symmetry only the deduplication uses canonical fingerprints.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <synod/check/model.hpp>
#include <synod/check/seen_set.hpp>
#include <synod/random.hpp>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace synod::check {

enum class Search : std::uint8_t { bfs, dfs, random };
enum class Verdict : std::uint8_t { ok, violation, vacuous };

constexpr std::string_view to_string(Search s) {
  switch (s) {
    case Search::bfs: return "bfs";
    case Search::dfs: return "dfs";
    case Search::random: return "random";
  }
  return "?";
}
constexpr std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::ok: return "ok";
    case Verdict::violation: return "violation";
    case Verdict::vacuous: return "vacuous";
  }
  return "?";
}

struct Options {
  Search search = Search::bfs;
  unsigned threads = 1;          // BFS only; DFS and random walks are sequential
  bool symmetry = false;         // deduplicate by canonical fingerprint
  bool fp128 = false;            // 128-bit fingerprints
  std::uint64_t max_depth = 0;   // 0: unbounded; states at this depth are not expanded
  std::uint64_t walks = 1000;    // random: number of walks
  std::uint64_t walk_depth = 100;  // random: steps per walk
  std::uint64_t seed = 1;        // random: generator seed
  bool progress = false;         // a line on stderr about once a second
};

template <class M>
struct TraceStep {
  std::optional<typename M::Action> action;  // none for the initial state
  std::uint32_t action_index = 0;            // initial state: its index among init_states
  typename M::State state;
};

template <class M>
struct Report {
  Verdict verdict = Verdict::ok;
  std::string property;                 // violated invariant, or first unreached goal
  std::vector<std::string> unreached;   // every sometimes-property never reached
  std::uint64_t states_generated = 0;   // successors computed, duplicates included
  std::uint64_t distinct_states = 0;
  std::uint64_t max_depth = 0;
  double seconds = 0;
  unsigned threads = 1;
  Search search = Search::bfs;
  bool symmetry = false;
  unsigned fingerprint_bits = 64;
  double collision_probability = 0;     // n^2 / 2^(bits+1)
  bool complete = true;                 // the bounded space was exhausted
  std::size_t seen_set_bytes = 0;
  std::size_t parent_link_bytes = 0;
  // BFS: wall-clock seconds in each phase of the levels (expanding states,
  // merging candidates into the seen set, building and checking the new
  // states); the rest of `seconds` is serial bookkeeping between phases.
  double expand_seconds = 0, merge_seconds = 0, build_seconds = 0;
  std::vector<TraceStep<M>> trace;      // on violation: initial state first

  double states_per_second() const { return seconds > 0 ? static_cast<double>(distinct_states) / seconds : 0.0; }
};

namespace detail {

inline constexpr std::uint64_t kSeedLo = kPrimarySeed;
inline constexpr std::uint64_t kSeedHi = kSecondarySeed;

// Parent link: 40 bits of parent id, 24 bits of action index.
inline constexpr std::uint64_t kNoParent = (std::uint64_t{1} << 40) - 1;
inline constexpr std::uint64_t kMaxActions = std::uint64_t{1} << 24;
constexpr std::uint64_t pack_link(std::uint64_t parent, std::uint64_t action) { return (parent << 24) | action; }
constexpr std::uint64_t link_parent(std::uint64_t link) { return link >> 24; }
constexpr std::uint32_t link_action(std::uint64_t link) { return static_cast<std::uint32_t>(link & (kMaxActions - 1)); }

// The actions enabled in one state, refilled for every state. Its append
// is inlined into the model's actions() (std::vector's push_back was not,
// at -O2, and showed in profiles); it keeps its storage between states.
template <class A>
class ActionList {
 public:
  ActionList() = default;
  ActionList(const ActionList&) = delete;
  ActionList& operator=(const ActionList&) = delete;
  ActionList(ActionList&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  ~ActionList() {
    clear();
    if (data_ != nullptr) std::allocator<A>{}.deallocate(data_, cap_);
  }

  void clear() {
    std::destroy_n(data_, size_);
    size_ = 0;
  }
  [[gnu::always_inline]] void push_back(const A& a) {
    if (size_ == cap_) [[unlikely]]
      grow();
    std::construct_at(data_ + size_, a);
    ++size_;
  }
  std::size_t size() const { return size_; }
  const A& operator[](std::size_t i) const { return data_[i]; }

 private:
  [[gnu::noinline]] void grow() {
    const std::size_t cap = cap_ < 32 ? 64 : 2 * cap_;
    A* fresh = std::allocator<A>{}.allocate(cap);
    std::uninitialized_move_n(data_, size_, fresh);
    std::destroy_n(data_, size_);
    if (data_ != nullptr) std::allocator<A>{}.deallocate(data_, cap_);
    data_ = fresh;
    cap_ = cap;
  }
  A* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

// The parent link of every distinct state, by id: fixed blocks of zeroed
// memory (memory.hpp's ZeroedArray, Fill::lazy), so growing never copies
// nor zeroes what is there (a vector's doubling did both, serially, between
// BFS levels), and fresh pages are first touched by the threads that fill
// them, 4 KiB at a time (see map_zeroed).
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

// Worker threads that live for a whole search: each parallel phase hands
// them a body and waits for all to finish it. Spawning threads per phase
// would cost little by itself, but every new thread starts with cold
// thread-local caches (the models' memo caches), which are large.
//
// A BFS level has three phases, and a short search has hundreds of them,
// some lasting well under a millisecond; waking a thread blocked on a
// condition variable takes tens of microseconds on a virtual machine. So
// both sides first spin briefly (kSpin, when there are no more threads than
// CPUs the process may run on: spinning must not take a core from a thread
// that works), then block.
//
// Round 10 tried a long spin (20 ms, so that threads practically never
// block: Linux sometimes wakes a blocked worker on the caller's CPU, where
// the two then take turns; paxos-quick at 2 threads had it in 0-53 of 258
// phases). On an idle machine it did not pay clearly, and with one CPU hog
// running, paxos-quick at 2 threads took 256 ms against 151 ms with the
// short spin (a spinning thread holds the CPU that the thread it waits for
// needs). Spinning with yield() after 100 us matched the short spin with
// one hog but lost with two (231 against 171 ms). Round 11 deals with the
// co-location itself instead: see separate().
//
// Each worker first runs `on_start` (e.g. allocating its thread-local
// caches), while the caller goes on alone: a BFS's first levels are too
// small to share, so a worker's set-up overlaps them instead of delaying
// the levels it shares (paxos-quick's level 4 at 2 threads: 0.69 ms before,
// 0.13 ms after). Until ready(), the caller should run its phases alone:
// a phase waits for every thread it is given, and a worker still in
// on_start joins it only when that is done.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads, std::function<void()> on_start = {})
      : threads_(threads == 0 ? 1 : threads), on_start_(std::move(on_start)), cpus_(std::make_unique<Cpu[]>(threads_)) {
    // Spinning only pays when every thread has a CPU of its own: the CPUs
    // this process may run on (taskset, a container's cpuset), not the
    // machine's. With one CPU allowed, 2 threads that spun took 155-178 ms
    // on paxos-quick against 121-126 ms for 1 thread.
    unsigned usable = std::thread::hardware_concurrency();
    bool known = false;  // allowed_ holds the CPUs this process may use
#if defined(__linux__)
    known = sched_getaffinity(0, sizeof allowed_, &allowed_) == 0;
    if (known) usable = static_cast<unsigned>(CPU_COUNT(&allowed_));
#endif
    spin_ = threads_ <= std::max(1u, usable);
    // Moving the caller (separate) needs its allowed CPUs, and a CPU per
    // thread among them (so at least a second one).
    nudge_ = known && spin_ && threads_ > 1;
    caller_cpu_ = current_cpu();
    for (unsigned t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { work(t); });
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_.store(true, std::memory_order_release);
    }
    start_.notify_all();
    for (auto& w : workers_) w.join();
  }

  unsigned size() const { return threads_; }
  // Whether every worker has finished on_start (and stays so).
  bool ready() const { return started_.load(std::memory_order_acquire) + 1 >= threads_; }
  // Whether waiting threads spin before they block (see above).
  bool spins() const { return spin_; }
  // How often the caller moved itself off a worker's CPU (see separate).
  unsigned nudges() const { return nudges_; }

  // Runs body(t) for t in [0, threads): 0 on the calling thread, the rest on
  // workers 1..threads-1; returns when all are done. threads <= size().
  template <class F>
  void run(unsigned threads, F&& body) {
    if (threads <= 1) {
      body(0u);
      return;
    }
    std::function<void(unsigned)> job = [&body](unsigned t) { body(t); };
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      active_ = threads;
      pending_.store(threads - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    start_.notify_all();
    body(0u);
    separate(threads);
    if (!spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    job_ = nullptr;  // no worker reads it again before the next generation
  }

 private:
  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  // The CPU a thread is on, or -1 where that cannot be asked.
  static int current_cpu() {
#if defined(__linux__)
    return sched_getcpu();
#else
    return -1;
#endif
  }
  // Linux sometimes wakes a blocked worker on the caller's CPU, and the
  // two then take turns on that CPU while the other one idles: the caller
  // spins out kSpin waiting for a worker that cannot run until it stops,
  // and the load balancer does not step in (only one of the two is runnable
  // at a time). paxos-quick at 2 threads had it in 0-43 of its 129 parallel
  // phases, and runs that had it took 73-90 ms against 62-80 ms. So the
  // caller, once its own share of a phase is done and a worker's is not,
  // compares its CPU with the one that worker last ran on (when it started
  // or finished a job, or started up): if they are the same, the caller
  // forbids itself that CPU, which makes the kernel move it at once, and
  // allows it again, so it is never pinned. Which CPU runs what never
  // changes a result.
  void separate(unsigned threads) {
#if defined(__linux__)
    if (!nudge_) return;
    const int here = sched_getcpu();
    if (here < 0 || !CPU_ISSET(here, &allowed_)) return;
    if (pending_.load(std::memory_order_acquire) == 0) return;  // the workers are done
    bool shared = false;
    for (unsigned t = 1; t < threads; ++t) shared = shared || cpus_[t].last.load(std::memory_order_relaxed) == here;
    if (shared && step_off(here)) ++nudges_;
#else
    (void)threads;
#endif
  }
#if defined(__linux__)
  // Moves the calling thread off CPU `here` (forbidden, so the kernel moves
  // it at once, then allowed again: never pinned). False if it could not.
  bool step_off(int here) {
    cpu_set_t away = allowed_;
    CPU_CLR(here, &away);
    if (sched_setaffinity(0, sizeof away, &away) != 0) return false;
    // Allowed again at once. Should that fail (the CPUs the process may use
    // changed since the pool started), the thread keeps every CPU but one,
    // and nobody is moved again.
    if (sched_setaffinity(0, sizeof allowed_, &allowed_) != 0) nudge_ = false;
    return true;
  }
#endif
  // Spins up to kSpin for `ready`; false if it never was.
  template <class Ready>
  bool spin_until(Ready&& ready) const {
    if (!spin_) return false;
    const auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (unsigned i = 1;; ++i) {
      if (ready()) return true;
      pause();
      if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return false;
    }
  }
  static constexpr std::chrono::microseconds kSpin{100};

  void work(unsigned t) {
#if defined(__linux__)
    // A new thread sometimes starts on its creator's CPU (2 of 20
    // paxos-quick runs at 2 threads), where its set-up (about 2 ms of
    // faulting memo caches in) would share a CPU with the caller's search
    // until the scheduler moved one of them: it steps off at once instead.
    // Which CPU runs what never changes a result.
    if (nudge_ && caller_cpu_ >= 0 && CPU_ISSET(caller_cpu_, &allowed_) && current_cpu() == caller_cpu_)
      step_off(caller_cpu_);
#endif
    if (on_start_) {
      // The caller is searching meanwhile (see populate_written).
      detail::PopulateByWriting quietly;
      on_start_();
    }
    started_.fetch_add(1, std::memory_order_release);
    cpus_[t].last.store(current_cpu(), std::memory_order_relaxed);
    std::uint64_t seen = 0;
    for (;;) {
      spin_until([&] {
        return generation_.load(std::memory_order_acquire) != seen || stop_.load(std::memory_order_acquire);
      });
      std::function<void(unsigned)>* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] {
          return stop_.load(std::memory_order_relaxed) || generation_.load(std::memory_order_relaxed) != seen;
        });
        if (stop_.load(std::memory_order_relaxed)) return;
        seen = generation_.load(std::memory_order_relaxed);
        if (t >= active_) continue;
        job = job_;
      }
      cpus_[t].last.store(current_cpu(), std::memory_order_relaxed);
      (*job)(t);
      cpus_[t].last.store(current_cpu(), std::memory_order_relaxed);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // Under the mutex: the caller checks pending_ and blocks while
        // holding it, so this notification cannot fall between the two.
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  unsigned threads_;
  bool spin_ = false;
  std::function<void()> on_start_;  // set before the workers start, then only read
  struct alignas(64) Cpu {  // each on its own cache line
    std::atomic<int> last{-1};  // the CPU a worker was last seen on (see separate); -1: not known
  };
  std::unique_ptr<Cpu[]> cpus_;
  bool nudge_ = false;
  int caller_cpu_ = -1;  // the CPU the pool was made on
#if defined(__linux__)
  cpu_set_t allowed_{};
#endif
  unsigned nudges_ = 0;  // how often the caller moved itself (separate)
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::function<void(unsigned)>* job_ = nullptr;  // guarded by mutex_
  std::atomic<std::uint64_t> generation_{0};      // written under mutex_
  unsigned active_ = 0;                           // guarded by mutex_
  std::atomic<unsigned> pending_{0};
  std::atomic<unsigned> started_{0};  // workers past on_start
  std::atomic<bool> stop_{false};  // written under mutex_
};

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

inline double collision_probability(std::uint64_t n, unsigned bits) {
  const double dn = static_cast<double>(n);
  return std::min(1.0, dn * dn / std::ldexp(1.0, static_cast<int>(bits) + 1));
}

}  // namespace detail

template <Model M, class Fp>
class Engine {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  Engine(const M& model, const Options& options) : model_(model), options_(options) {
    const auto props = model_.properties();
    properties_.assign(props.begin(), props.end());
    if (properties_.size() > 64) throw std::invalid_argument("a model may declare at most 64 properties");
    for (std::size_t i = 0; i < properties_.size(); ++i) {
      if (properties_[i].expectation == Expectation::sometimes) {
        sometimes_all_ |= std::uint64_t{1} << i;
      } else {
        always_.push_back(properties_[i].holds);
        always_index_.push_back(static_cast<int>(i));
      }
    }
    if (options_.symmetry && !SymmetricModel<M>)
      throw std::invalid_argument("this model does not support --symmetry (no canonical fingerprint)");
    if (options_.threads == 0) options_.threads = 1;
  }

  Report<M> run() {
    start_ = std::chrono::steady_clock::now();
    last_progress_ = start_;
    report_.threads = options_.search == Search::bfs ? options_.threads : 1;
    report_.search = options_.search;
    report_.symmetry = options_.symmetry;
    report_.fingerprint_bits = FingerprintTraits<Fp>::bits;
    switch (options_.search) {
      case Search::bfs: run_bfs_dispatch(); break;
      case Search::dfs: run_dfs(); break;
      case Search::random: run_random(); break;
    }
    finish();
    return std::move(report_);
  }

 private:
  // ------------------------------------------------------------ shared steps
  Fp fingerprint(const State& s) const {
    auto one = [&](std::uint64_t seed) -> std::uint64_t {
      if constexpr (SymmetricModel<M>) {
        if (options_.symmetry) return model_.canonical_fingerprint(s, seed);
      }
      return model_.fingerprint(s, seed);
    };
    if constexpr (std::is_same_v<Fp, Fp128>) {
      return Fp128{one(detail::kSeedLo), one(detail::kSeedHi)};
    } else {
      return one(detail::kSeedLo);
    }
  }

  // Index of the first violated invariant, or -1; reached goals go to `reached`.
  int evaluate(const State& s, std::uint64_t& reached) const {
    int violated = -1;
    for (std::size_t k = 0; k < always_.size(); ++k) {
      if (!always_[k](model_, s)) {
        violated = always_index_[k];
        break;
      }
    }
    // Only the sometimes-properties not reached yet.
    for (std::uint64_t todo = sometimes_all_ & ~reached; todo != 0; todo &= todo - 1) {
      const int i = std::countr_zero(todo);
      if (properties_[static_cast<std::size_t>(i)].holds(model_, s)) reached |= std::uint64_t{1} << i;
    }
    return violated;
  }

  void collect_actions(const State& s, detail::ActionList<Action>& out) const {
    out.clear();
    model_.actions(s, [&out](const Action& a) __attribute__((always_inline)) { out.push_back(a); });
    if (out.size() >= detail::kMaxActions) throw std::length_error("more than 2^24 actions enabled in one state");
  }

  // Initial states in boundary, each discovered once; returns false on a violation.
  template <class Keep>
  bool discover_initial(Keep&& keep) {
    std::uint32_t index = 0;
    bool ok = true;
    model_.init_states([&](const State& s) {
      const std::uint32_t my_index = index++;
      ++report_.states_generated;
      if (!ok || !model_.within_boundary(s)) return;
      if (!seen_.insert(fingerprint(s))) return;
      const std::uint64_t id = parents_.size();
      parents_.push_back(detail::pack_link(detail::kNoParent, my_index));
      const int v = evaluate(s, reached_);
      if (v >= 0) {
        violation(v, id);
        ok = false;
        return;
      }
      keep(s, id);
    });
    return ok;
  }

  void violation(int property, std::uint64_t id) {
    report_.verdict = Verdict::violation;
    report_.property = std::string(properties_[static_cast<std::size_t>(property)].name);
    std::vector<std::uint32_t> path;
    std::uint64_t link = parents_[id];
    while (detail::link_parent(link) != detail::kNoParent) {
      path.push_back(detail::link_action(link));
      link = parents_[detail::link_parent(link)];
    }
    std::reverse(path.begin(), path.end());
    report_.trace = replay(detail::link_action(link), path);
  }

 public:
  // Rebuilds the concrete path: the init_index-th initial state, then each
  // action index in turn. Throws std::logic_error if the model is not
  // deterministic (the path cannot be replayed).
  std::vector<TraceStep<M>> replay(std::uint32_t init_index, const std::vector<std::uint32_t>& path) const {
    std::vector<TraceStep<M>> steps;
    std::uint32_t k = 0;
    std::optional<State> s;
    model_.init_states([&](const State& x) {
      if (k++ == init_index) s = x;
    });
    if (!s) throw std::logic_error("trace replay: initial state missing");
    steps.push_back(TraceStep<M>{std::nullopt, init_index, *s});
    detail::ActionList<Action> acts;
    for (std::uint32_t a : path) {
      collect_actions(*s, acts);
      if (a >= acts.size()) throw std::logic_error("trace replay: action index out of range (model not deterministic?)");
      auto next = model_.next_state(*s, acts[a]);
      if (!next) throw std::logic_error("trace replay: action disabled (model not deterministic?)");
      steps.push_back(TraceStep<M>{acts[a], a, *next});
      s = std::move(next);
    }
    return steps;
  }

 private:
  void progress(std::uint64_t generated, std::uint64_t queue, std::uint64_t depth) {
    if (!options_.progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress_ < std::chrono::seconds(1)) return;
    last_progress_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const std::uint64_t distinct = parents_.size();
    std::fprintf(stderr, "[%6.1fs] states %llu  distinct %llu  queue %llu  depth %llu  %.0f distinct/s\n", secs,
                 static_cast<unsigned long long>(generated), static_cast<unsigned long long>(distinct),
                 static_cast<unsigned long long>(queue), static_cast<unsigned long long>(depth),
                 secs > 0 ? static_cast<double>(distinct) / secs : 0.0);
  }

  // ------------------------------------------------------------ breadth-first
  // Small states travel with their candidate; larger ones are re-generated
  // from the parent for the winners only (less memory per level).
  static constexpr bool kCarryStates = sizeof(State) <= 512;
  using Key = typename SeenSet<Fp>::Key;  // a fingerprint as the seen set stores it
  struct Candidate {
    Key key;
    std::uint32_t parent;  // position in the current level
    std::uint32_t action;  // action index
  };
  // One chunk's output: candidates (scanned by every merging thread, so kept
  // compact) and, when carried, their states in a parallel vector.
  // Per-chunk and per-thread data sit on their own cache lines: threads
  // writing neighbouring entries must not share one (false sharing).
  struct alignas(64) ChunkOutput {
    std::vector<Candidate> candidates;
    std::vector<std::optional<State>> states;
    std::vector<Action> actions;  // incremental models: the candidates' actions
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
    // these lines, and a line that both cores' caches hold must be taken
    // back from the other core before its writer can write it again, at a
    // later level. With the two CPUs on different dies (as this VM's host
    // sometimes places its vCPUs) that cost 2-5% at 2 threads (paxos-quick
    // 2.1%, raft-quick 4.9%); with them sharing an L3, these stores change
    // nothing measurable (-0.7% and +0.6%, the merge reading the lines
    // from memory): docs/checker.md, Round 15. stream_fence() orders them
    // before the merge.
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
  static constexpr unsigned kRecentBits = 15;
  static std::size_t recent_slot(const Key& k) {
    return static_cast<std::size_t>(FingerprintTraits<Fp>::hash(k) >> (64 - kRecentBits));
  }
  struct alignas(64) PerThread {
    detail::ActionList<Action> actions;
    bool diverged = false;  // a rebuilt successor did not match its candidate
    std::vector<std::pair<Key, std::uint32_t>> keys;  // incremental: one state's successors
    std::vector<Key> recent = std::vector<Key>(std::size_t{1} << kRecentBits);  // no key is 0: empty
    std::uint64_t first_violation = std::numeric_limits<std::uint64_t>::max();
    int violated_property = -1;
    std::uint64_t reached = 0;
    std::vector<std::uint64_t> won;  // merge: this thread's winners, a bitmap per chunk (word_offsets)
    std::vector<std::uint32_t> fill;  // expand: the next free place of each owner's positions
  };
  // Stores v in a level slot. A trivially destructible slot is constructed
  // over, not assigned: assigning an optional reads its old flag first, and
  // a read of a fresh page maps the zero page, so the write right after
  // faults again and flushes the other threads' TLBs.
  template <class T>
  static void put(T& slot, T&& v) {
    if constexpr (std::is_trivially_destructible_v<T>) {
      std::construct_at(&slot, std::move(v));
    } else {
      slot = std::move(v);
    }
  }
  static constexpr std::size_t kChunk = 256;
  static constexpr std::size_t kMinChunk = 32;

  // How the BFS fingerprints successors. NotIncremental builds every
  // successor and fingerprints it; the incremental ones ask the model for
  // the fingerprint (IncrementalModel without --symmetry, with 64-bit
  // fingerprints; IncrementalSymmetricModel with it) and build only the
  // winners of the merge.
  struct NotIncremental {
    static constexpr bool enabled = false;
    using Base = char;
  };
  struct PrimaryIncremental {
    static constexpr bool enabled = true;
    using Base = std::uint64_t;
    static Base base(const M& m, const State& s) { return m.fingerprint_base(s); }
    static std::uint64_t from_base(const M& m, const Base& b) { return m.fingerprint_from_base(b); }
    static std::optional<Successor> successor(const M& m, const State& s, const Base& b, const Action& a) {
      return m.successor(s, b, a);
    }
  };
  struct CanonicalIncremental {
    static constexpr bool enabled = true;
    using Base = typename M::CanonicalBase;
    static Base base(const M& m, const State& s) { return m.canonical_base(s); }
    static std::uint64_t from_base(const M& m, const Base& b) { return m.canonical_from_base(b); }
    static std::optional<Successor> successor(const M& m, const State& s, const Base& b, const Action& a) {
      return m.canonical_successor(s, b, a);
    }
  };

  // An IncrementalSymmetricModel may say at run time that its canonical
  // verbs do not cover this configuration (canonical_incremental() false,
  // e.g. more renamings than it caches): such searches build successors.
  bool canonical_incremental() const {
    if constexpr (requires(const M& m) { { m.canonical_incremental() } -> std::convertible_to<bool>; })
      return model_.canonical_incremental();
    return true;
  }

  // A model's optional prepare_thread(): each worker thread calls it once,
  // when it starts (see WorkerPool).
  void prepare_thread() const {
    if constexpr (requires(const M& m) { m.prepare_thread(); }) model_.prepare_thread();
  }

  void run_bfs_dispatch() {
    if constexpr (std::is_same_v<Fp, std::uint64_t>) {
      if constexpr (IncrementalSymmetricModel<M>) {
        if (options_.symmetry && canonical_incremental()) return run_bfs<CanonicalIncremental>();
      }
      if constexpr (IncrementalModel<M>) {
        if (!options_.symmetry) return run_bfs<PrimaryIncremental>();
      }
    }
    run_bfs<NotIncremental>();
  }

  template <class Inc>
  void run_bfs() {
    // The workers first, then this thread's caches: each thread's are
    // megabytes of fresh pages, and the workers fault theirs in by writing
    // (populate_written), which does not hold up this thread's madvise. At
    // 2 threads paxos-quick then began level 0 0.07 ms later, and level 14
    // 0.3 ms sooner, the worker sharing from level 10 instead of 13
    // (medians of 30 alternated runs; docs/checker.md, Round 16). Before
    // workers populated by writing, two threads faulting their caches in
    // at once slowed each other (Round 14: level 3 at 2.8-5.7 ms against
    // 2.6-3.0 ms one after the other).
    detail::WorkerPool pool(options_.threads, [this] { prepare_thread(); });
    prepare_thread();
    // Levels are the search's biggest arrays after the seen set. They only
    // grow (LevelBuffer): a level is its first level_size entries (the rest
    // are stale states that the next levels overwrite), so no serial step
    // re-creates them.
    LevelBuffer<std::optional<State>> level, next_level;
    std::size_t level_size = 0;
    constexpr bool kIncremental = Inc::enabled;
    // Incremental models: each level state's fingerprint base.
    using Base = typename Inc::Base;
    LevelBuffer<Base> sums, next_sums;
    if (!discover_initial([&](const State& s, std::uint64_t) {
          level.reserve(level_size + 1);
          put(level[level_size], std::optional<State>(s));
          if constexpr (kIncremental) {
            sums.reserve(level_size + 1);
            sums[level_size] = Inc::base(model_, s);
          }
          ++level_size;
        }))
      return;

    std::vector<ChunkOutput> chunks;                              // per chunk, reused across levels
    detail::ChunkRanges claims;                                   // who expands / builds which chunk
    std::vector<PerThread> per_thread(options_.threads);  // reused across levels
    std::vector<std::uint64_t> winners;                 // [thread * chunks + chunk]
    std::vector<std::uint64_t> offsets;
    std::vector<std::size_t> word_offsets;  // chunk c's winner bits: words [word_offsets[c], word_offsets[c + 1])
    // Where each thread's part of the level starts: the first position it
    // built (empty: the level was built by one thread). The level's chunks
    // are split there, so that a thread expands the states it wrote, which
    // its own core's caches hold; an even split would hand the other
    // thread the states on one side of it.
    std::vector<std::size_t> split;
    std::vector<std::size_t> first_chunk;  // per thread: where its range of the level's chunks starts
    std::uint64_t base = 0;   // id of level[0]
    std::uint64_t depth = 0;
    std::atomic<std::uint64_t> generated{report_.states_generated};
    // Incremental models fingerprint successors without building them; the
    // winners are then built from their parents and actions (never carried).
    const bool carry = kCarryStates && !kIncremental;
    // Candidates that carry states are first probed against the seen set
    // (read-only), so the states of known ones are not kept; small ones go
    // straight to the merge, whose insert is the only probe they need.
    const bool probe = carry;

    while (level_size > 0) {
      report_.max_depth = depth;
      if (options_.max_depth != 0 && depth >= options_.max_depth) {
        report_.complete = false;
        break;
      }
      if (level_size > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("a BFS level holds more than 2^32 states");
      const std::size_t n = level_size;
      // Chunks of kChunk states, smaller on small levels so that each
      // thread still claims several (the last claims even out the threads'
      // finishing times); a level of one chunk runs on one thread. Neither
      // the chunk size nor the thread count changes the result: winners are
      // the first in position order whatever the chunks.
      std::size_t chunk = kChunk;
      while (chunk > kMinChunk && n < chunk * 8 * options_.threads) chunk /= 2;
      const std::size_t nchunks = (n + chunk - 1) / chunk;
      // Alone until the workers have their caches (see WorkerPool).
      const unsigned threads = nchunks < 2 || !pool.ready() ? 1u : options_.threads;
      if (chunks.size() < nchunks) chunks.resize(nchunks);
      for (std::size_t c = 0; c < nchunks; ++c) chunks[c].clear();

      // 1. expand: read-only look-ups in the seen set.
      auto phase_start = std::chrono::steady_clock::now();
      auto phase_end = [&](double& total) {
        const auto now = std::chrono::steady_clock::now();
        total += std::chrono::duration<double>(now - phase_start).count();
        phase_start = now;
      };
      // Which thread merges each seen-set shard.
      std::array<std::uint32_t, SeenSet<Fp>::kShards> owner_of{};
      for (std::size_t shard = 0; shard < owner_of.size(); ++shard) owner_of[shard] = static_cast<std::uint32_t>(shard % threads);
      first_chunk.clear();
      if (threads > 1 && split.size() == threads) {
        for (unsigned t = 0; t < threads; ++t) {
          const std::size_t c = std::min(nchunks, (split[t] + chunk / 2) / chunk);
          first_chunk.push_back(t == 0 ? 0 : std::max(c, first_chunk.back()));
        }
      }
      claims.reset(nchunks, threads, first_chunk);
      pool.run(threads, [&](unsigned t) {
        PerThread& pt = per_thread[t];
        pt.fill.resize(threads);
        detail::ActionList<Action>& acts = pt.actions;
        unsigned range = t;
        std::size_t last = 0;
        for (;;) {
          const std::size_t c = claims.next(t, range);
          if (c == detail::ChunkRanges::kNone) break;
          // The recent filter's argument needs this thread's chunks in
          // increasing order: moving back to an earlier chunk (helping an
          // earlier range) starts it afresh.
          if (c < last) std::fill(pt.recent.begin(), pt.recent.end(), Key{});
          last = c;
          ChunkOutput& out = chunks[c];
          std::uint64_t made = 0;
          const std::size_t end = std::min(n, (c + 1) * chunk);
          // When built states are carried, known ones are dropped here:
          // software pipelining, a state's successors are appended with
          // their seen-set slots prefetched, and probed (seen ones removed
          // in place) after the next state's successors are generated, so
          // the cache misses overlap with work. Probing much later would
          // find the lines evicted again.
          std::size_t probed = 0, kept = 0;
          auto probe_until = [&](std::size_t stop) {
            if (!probe) {
              probed = kept = stop;
              return;
            }
            for (; probed < stop; ++probed) {
              if (seen_.contains_key(out.candidates[probed].key)) continue;
              if (kept != probed) {
                out.candidates[kept] = out.candidates[probed];
                if (carry) out.states[kept] = std::move(out.states[probed]);
                if (kIncremental) out.actions[kept] = out.actions[probed];
              }
              ++kept;
            }
          };
          for (std::size_t p = c * chunk; p < end; ++p) {
            const State& s = *level[p];
            collect_actions(s, acts);
            const std::size_t previous = out.candidates.size();
            // A successor within the boundary becomes a candidate unless this
            // thread saw its fingerprint recently.
            auto offer = [&](const Key& k, std::uint32_t i, std::optional<State>& next) {
              Key& recent = pt.recent[recent_slot(k)];
              if (recent == k) return;
              recent = k;
              if (probe) seen_.prefetch_key(k);
              out.candidates.push_back(Candidate{k, static_cast<std::uint32_t>(p), i});
              if (carry) out.states.push_back(std::move(next));
              if (kIncremental) out.actions.push_back(acts[i]);
            };
            if (kIncremental) {
              // Two passes: all successors' fingerprints (their recent-filter
              // slots prefetched), then the filter; the misses overlap.
              auto& keys = pt.keys;
              keys.clear();
              if constexpr (kIncremental) {
                for (std::uint32_t i = 0; i < acts.size(); ++i) {
                  const std::optional<Successor> succ = Inc::successor(model_, s, sums[p], acts[i]);
                  if (!succ) continue;
                  ++made;
                  if (!succ->within_boundary) continue;
                  const Key k = SeenSet<Fp>::key(succ->fingerprint);
                  detail::prefetch(&pt.recent[recent_slot(k)]);
                  keys.emplace_back(k, i);
                }
              }
              std::optional<State> none;
              for (const auto& [k, i] : keys) offer(k, i, none);
            } else {
              for (std::uint32_t i = 0; i < acts.size(); ++i) {
                std::optional<State> next = model_.next_state(s, acts[i]);
                if (!next) continue;
                ++made;
                if (!model_.within_boundary(*next)) continue;
                offer(SeenSet<Fp>::key(fingerprint(*next)), i, next);
              }
            }
            probe_until(previous);
          }
          probe_until(out.candidates.size());
          out.candidates.resize(kept);
          if (carry) out.states.resize(kept);
          if (kIncremental) out.actions.resize(kept);
          if (threads > 1) {
            // Two passes over the chunk's keys (still in cache): count per
            // owner, then place. No push_back and no division per candidate.
            std::vector<std::uint32_t>& begin = out.owned_begin;
            begin.assign(threads + 1, 0);
            for (std::size_t k = 0; k < kept; ++k)
              ++begin[owner_of[SeenSet<Fp>::shard_of(out.candidates[k].key)] + 1];
            for (unsigned u = 0; u < threads; ++u) begin[u + 1] += begin[u];
            if (out.owned.size() < kept) out.owned.resize(kept);
            std::uint32_t* const fill = pt.fill.data();
            std::copy(begin.begin(), begin.end() - 1, fill);
            for (std::size_t k = 0; k < kept; ++k) {
              const Key& key = out.candidates[k].key;
              ChunkOutput::stream(&out.owned[fill[owner_of[SeenSet<Fp>::shard_of(key)]]++], key, static_cast<std::uint32_t>(k));
            }
          }
          const std::uint64_t total = generated.fetch_add(made, std::memory_order_relaxed) + made;
          if (t == 0) progress(total, n - std::min(n, end), depth);
        }
        ChunkOutput::stream_fence();  // the streamed entries, before the merge reads them
      });

      phase_end(report_.expand_seconds);
      // 2. merge: each shard owned by one thread, candidates in chunk order.
      // A thread marks its winners in its own bitmap (bit k of chunk c's
      // words): candidates are shared by all threads, and setting a flag in
      // them would have the threads write to the same cache lines.
      winners.assign(static_cast<std::size_t>(threads) * nchunks, 0);
      word_offsets.assign(nchunks + 1, 0);
      for (std::size_t c = 0; c < nchunks; ++c)
        word_offsets[c + 1] = word_offsets[c] + (chunks[c].candidates.size() + 63) / 64;
      pool.run(threads, [&](unsigned t) {
        std::vector<std::uint64_t>& won = per_thread[t].won;
        won.assign(word_offsets[nchunks], 0);
        std::uint64_t* const wins = &winners[static_cast<std::size_t>(t) * nchunks];
        // Prefetch kAhead candidates ahead (a hint: a table that grows
        // meanwhile only makes it miss).
        constexpr std::size_t kAhead = 16;
        for (std::size_t c = 0; c < nchunks; ++c) {
          std::vector<Candidate>& cands = chunks[c].candidates;
          std::uint64_t* const bits = &won[word_offsets[c]];
          auto insert = [&](const Key& key, std::size_t k) {
            if (seen_.insert_key(key)) {
              bits[k / 64] |= std::uint64_t{1} << (k % 64);
              ++wins[c];
            }
          };
          if (threads == 1) {
            for (std::size_t k = 0; k < std::min(kAhead, cands.size()); ++k) seen_.prefetch_key(cands[k].key);
            for (std::size_t k = 0; k < cands.size(); ++k) {
              if (k + kAhead < cands.size()) seen_.prefetch_key(cands[k + kAhead].key);
              insert(cands[k].key, k);
            }
            continue;
          }
          const typename ChunkOutput::Owned* const own = chunks[c].owned.data() + chunks[c].owned_begin[t];
          const std::size_t count = chunks[c].owned_begin[t + 1] - chunks[c].owned_begin[t];
          for (std::size_t j = 0; j < std::min(kAhead, count); ++j) seen_.prefetch_key(own[j].key);
          for (std::size_t j = 0; j < count; ++j) {
            if (j + kAhead < count) seen_.prefetch_key(own[j + kAhead].key);
            insert(own[j].key, own[j].index);
          }
        }
      });
      phase_end(report_.merge_seconds);
      offsets.assign(nchunks + 1, 0);
      for (std::size_t c = 0; c < nchunks; ++c) {
        std::uint64_t w = 0;
        for (unsigned t = 0; t < threads; ++t) w += winners[t * nchunks + c];
        offsets[c + 1] = offsets[c] + w;
      }
      const std::size_t total = offsets[nchunks];
      const std::uint64_t next_base = base + n;
      // The next level's buffers hold stale states only: nothing in them
      // need be kept.
      next_level.reserve(total, false);
      if (kIncremental) next_sums.reserve(total, false);
      parents_.resize(next_base + total);

      // 3. materialise winners in order, record parent links, check properties.
      phase_start = std::chrono::steady_clock::now();
      for (PerThread& pt : per_thread) {
        pt.first_violation = std::numeric_limits<std::uint64_t>::max();
        pt.violated_property = -1;
        pt.reached = reached_;
        pt.diverged = false;
      }
      // Build ranges split by winners, not by chunks: each thread then
      // builds an equal part of the next level (early chunks win most of
      // a level's new states: up to three quarters of them fell in the
      // first half of paxos-quick's chunks).
      first_chunk.clear();
      if (threads > 1)
        for (unsigned t = 0; t < threads; ++t)
          first_chunk.push_back(static_cast<std::size_t>(
              std::lower_bound(offsets.begin(), offsets.begin() + static_cast<std::ptrdiff_t>(nchunks), total * t / threads) - offsets.begin()));
      claims.reset(nchunks, threads, first_chunk);
      split.clear();
      if (threads > 1)
        for (unsigned t = 0; t < threads; ++t) split.push_back(offsets[claims.begin(t)]);
      pool.run(threads, [&](unsigned t) {
        detail::ActionList<Action>& acts = per_thread[t].actions;
        unsigned range = t;
        for (;;) {
          const std::size_t c = claims.next(t, range);
          if (c == detail::ChunkRanges::kNone) break;
          std::uint64_t pos = offsets[c];
          std::uint32_t expanded = std::numeric_limits<std::uint32_t>::max();
          const std::size_t words = word_offsets[c + 1] - word_offsets[c];
          PerThread& pt = per_thread[t];
          for (std::size_t w = 0; w < words && !pt.diverged; ++w) {
            std::uint64_t bits = 0;
            for (unsigned u = 0; u < threads; ++u) bits |= per_thread[u].won[word_offsets[c] + w];
            for (; bits != 0; bits &= bits - 1) {
              const std::size_t k = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
              const Candidate& cand = chunks[c].candidates[k];
              const std::uint32_t a = cand.action;
              if (carry) {
                put(next_level[pos], std::move(chunks[c].states[k]));
              } else if (kIncremental) {
                put(next_level[pos], model_.next_state(*level[cand.parent], chunks[c].actions[k]));
                // The built state must be the one fingerprinted (a correct
                // successor()); anything else would make the search unsound.
                if (!next_level[pos]) {
                  pt.diverged = true;
                  break;
                }
                if constexpr (kIncremental) {
                  next_sums[pos] = Inc::base(model_, *next_level[pos]);
                  if (SeenSet<Fp>::key(Inc::from_base(model_, next_sums[pos])) != cand.key) {
                    pt.diverged = true;
                    break;
                  }
                }
              } else {
                const State& parent = *level[cand.parent];
                if (expanded != cand.parent) {
                  collect_actions(parent, acts);
                  expanded = cand.parent;
                }
                put(next_level[pos], model_.next_state(parent, acts[a]));
                // Rebuilding must give the state that was fingerprinted (a
                // deterministic model); anything else would make the search unsound.
                if (!next_level[pos] || SeenSet<Fp>::key(fingerprint(*next_level[pos])) != cand.key) {
                  pt.diverged = true;
                  break;
                }
              }
              parents_[next_base + pos] = detail::pack_link(base + cand.parent, a);
              const int v = evaluate(*next_level[pos], pt.reached);
              if (v >= 0 && pos < pt.first_violation) {
                pt.first_violation = pos;
                pt.violated_property = v;
              }
              ++pos;
            }
          }
        }
      });
      phase_end(report_.build_seconds);
      report_.states_generated = generated.load();
      for (unsigned t = 0; t < threads; ++t)
        if (per_thread[t].diverged)
          throw std::logic_error(kIncremental ? "the model's successor() fingerprint differs from the state next_state() builds"
                                             : "a rebuilt successor differs from the one first generated (model not deterministic?)");
      for (unsigned t = 0; t < threads; ++t) reached_ |= per_thread[t].reached;
      std::uint64_t worst = std::numeric_limits<std::uint64_t>::max();
      int property = -1;
      for (unsigned t = 0; t < threads; ++t) {
        if (per_thread[t].first_violation < worst) {
          worst = per_thread[t].first_violation;
          property = per_thread[t].violated_property;
        }
      }
      if (total > 0) report_.max_depth = depth + 1;
      if (property >= 0) {
        violation(property, next_base + worst);
        return;
      }
      level.swap(next_level);
      level_size = total;
      sums.swap(next_sums);
      base = next_base;
      ++depth;
    }
  }

  // ------------------------------------------------------------ depth-first
  struct Frame {
    State state;
    std::uint64_t id;
    std::uint64_t depth;
  };

  void run_dfs() {
    std::vector<Frame> stack;
    if (!discover_initial([&](const State& s, std::uint64_t id) { stack.push_back(Frame{s, id, 0}); })) return;
    std::reverse(stack.begin(), stack.end());  // first initial state on top
    detail::ActionList<Action> acts;
    std::vector<Frame> children;
    while (!stack.empty()) {
      Frame frame = std::move(stack.back());
      stack.pop_back();
      report_.max_depth = std::max(report_.max_depth, frame.depth);
      if (options_.max_depth != 0 && frame.depth >= options_.max_depth) {
        report_.complete = false;
        continue;
      }
      collect_actions(frame.state, acts);
      children.clear();
      for (std::uint32_t i = 0; i < acts.size(); ++i) {
        auto next = model_.next_state(frame.state, acts[i]);
        if (!next) continue;
        ++report_.states_generated;
        if (!model_.within_boundary(*next)) continue;
        if (!seen_.insert(fingerprint(*next))) continue;
        const std::uint64_t id = parents_.size();
        parents_.push_back(detail::pack_link(frame.id, i));
        const int v = evaluate(*next, reached_);
        if (v >= 0) {
          report_.max_depth = std::max(report_.max_depth, frame.depth + 1);
          violation(v, id);
          return;
        }
        children.push_back(Frame{std::move(*next), id, frame.depth + 1});
      }
      // Push in reverse so the lowest action index is explored first.
      for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(std::move(*it));
      progress(report_.states_generated, stack.size(), frame.depth);
    }
  }

  // ------------------------------------------------------------ random walks
  void run_random() {
    report_.complete = false;
    std::vector<std::pair<State, std::uint32_t>> initial;
    {
      std::uint32_t index = 0;
      model_.init_states([&](const State& s) {
        ++report_.states_generated;
        if (model_.within_boundary(s)) initial.emplace_back(s, index);
        ++index;
      });
    }
    if (initial.empty()) return;
    SplitMix64 rng(options_.seed);
    detail::ActionList<Action> acts;
    std::vector<std::uint32_t> candidates;
    std::vector<std::uint32_t> path;
    for (std::uint64_t w = 0; w < options_.walks; ++w) {
      const auto& start = initial[rng.uniform(0, static_cast<std::uint32_t>(initial.size() - 1))];
      State s = start.first;
      path.clear();
      std::uint64_t depth = 0;
      for (;;) {
        if (seen_.insert(fingerprint(s))) parents_.push_back(0);  // distinct count only
        const int v = evaluate(s, reached_);
        if (v >= 0) {
          report_.verdict = Verdict::violation;
          report_.property = std::string(properties_[static_cast<std::size_t>(v)].name);
          report_.trace = replay(start.second, path);
          return;
        }
        if (depth >= options_.walk_depth) break;
        collect_actions(s, acts);
        candidates.resize(acts.size());
        for (std::uint32_t i = 0; i < acts.size(); ++i) candidates[i] = i;
        std::optional<State> next;
        while (!candidates.empty()) {
          const std::uint32_t j = rng.uniform(0, static_cast<std::uint32_t>(candidates.size() - 1));
          const std::uint32_t i = candidates[j];
          next = model_.next_state(s, acts[i]);
          if (next) ++report_.states_generated;
          if (next && model_.within_boundary(*next)) {
            path.push_back(i);
            break;
          }
          next.reset();
          candidates[j] = candidates.back();
          candidates.pop_back();
        }
        if (!next) break;  // no enabled action: the walk ends here
        s = std::move(*next);
        ++depth;
        report_.max_depth = std::max(report_.max_depth, depth);
      }
      progress(report_.states_generated, options_.walks - w, depth);
    }
  }

  void finish() {
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    report_.distinct_states = parents_.size();
    report_.collision_probability = detail::collision_probability(report_.distinct_states, report_.fingerprint_bits);
    report_.seen_set_bytes = seen_.bytes();
    report_.parent_link_bytes = parents_.bytes();
    for (std::size_t i = 0; i < properties_.size(); ++i) {
      if (properties_[i].expectation == Expectation::sometimes && !(reached_ & (std::uint64_t{1} << i)))
        report_.unreached.emplace_back(properties_[i].name);
    }
    if (report_.verdict == Verdict::ok && !report_.unreached.empty()) {
      report_.verdict = Verdict::vacuous;
      report_.property = report_.unreached.front();
    }
  }

  const M& model_;
  Options options_;
  std::vector<Property<M>> properties_;
  std::uint64_t sometimes_all_ = 0;
  // The always-properties' predicates, and their indices, in order.
  std::vector<bool (*)(const M&, const State&)> always_;
  std::vector<int> always_index_;
  std::uint64_t reached_ = 0;
  SeenSet<Fp> seen_;
  detail::LinkArray parents_;  // parent link per distinct state id
  Report<M> report_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_progress_;
};

// Runs one search; the fingerprint width follows options.fp128.
template <Model M>
[[nodiscard]] Report<M> check(const M& model, const Options& options) {
  if (options.fp128) return Engine<M, Fp128>(model, options).run();
  return Engine<M, std::uint64_t>(model, options).run();
}

// The builder (STYLE.md item 10): every setter and run() is [[nodiscard]], so a
// configured run cannot be silently dropped.
template <Model M>
class Checker {
 public:
  explicit Checker(const M& model) : model_(model) {}
  [[nodiscard]] Checker& search(Search s) { options_.search = s; return *this; }
  [[nodiscard]] Checker& threads(unsigned t) { options_.threads = t; return *this; }
  [[nodiscard]] Checker& symmetry(bool on = true) { options_.symmetry = on; return *this; }
  [[nodiscard]] Checker& fp128(bool on = true) { options_.fp128 = on; return *this; }
  [[nodiscard]] Checker& max_depth(std::uint64_t d) { options_.max_depth = d; return *this; }
  [[nodiscard]] Checker& random_walks(std::uint64_t walks, std::uint64_t depth, std::uint64_t seed) {
    options_.search = Search::random;
    options_.walks = walks;
    options_.walk_depth = depth;
    options_.seed = seed;
    return *this;
  }
  [[nodiscard]] Checker& progress(bool on = true) { options_.progress = on; return *this; }
  [[nodiscard]] Checker& options(const Options& o) { options_ = o; return *this; }
  [[nodiscard]] Report<M> run() const { return check(model_, options_); }

 private:
  const M& model_;
  Options options_;
};

// A counterexample as numbered steps a person can read without the source.
template <DescribedModel M>
std::string format_trace(const M& model, const std::vector<TraceStep<M>>& trace) {
  std::ostringstream out;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (i == 0) {
      out << "  0. initial state\n" << model.format_state(trace[0].state);
      continue;
    }
    out << "  " << i << ". " << model.format_action(trace[i - 1].state, *trace[i].action) << "\n";
    out << model.format_change(trace[i - 1].state, trace[i].state);
  }
  return out.str();
}

}  // namespace synod::check
