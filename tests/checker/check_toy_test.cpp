// The engine on toy models whose reachable states a naive std::set search
// computes independently: BFS, DFS, parallel BFS and symmetry-on runs agree.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <synod/check/checker.hpp>

#if defined(__linux__)
#include <sched.h>
#include <time.h>
#endif

#include "toy/two_phase_commit.hpp"
#include "toy/water_jug.hpp"

namespace {

using synod::check::Checker;
using synod::check::Options;
using synod::check::Search;
using synod::check::Verdict;
using synod::check::toy::TwoPhaseCommit;
using synod::check::toy::WaterJug;

// Every reachable state by a plain BFS over std::set, no fingerprints.
template <class M, class Key>
std::size_t naive_reachable(const M& model, Key key) {
  using State = typename M::State;
  std::set<decltype(key(std::declval<State>()))> seen;
  std::deque<State> queue;
  model.init_states([&](const State& s) {
    if (seen.insert(key(s)).second) queue.push_back(s);
  });
  while (!queue.empty()) {
    const State s = queue.front();
    queue.pop_front();
    std::vector<typename M::Action> acts;
    model.actions(s, [&](const typename M::Action& a) { acts.push_back(a); });
    for (const auto& a : acts) {
      auto n = model.next_state(s, a);
      if (n && seen.insert(key(*n)).second) queue.push_back(*n);
    }
  }
  return seen.size();
}

auto jug_key = [](const WaterJug::State& s) { return std::pair(s.small, s.big); };

auto tpc_key = [](const TwoPhaseCommit::State& s) {
  return std::tuple(s.rm, s.tm, s.tm_prepared, s.msg_prepared, s.msg_commit, s.msg_abort);
};

// The symmetry class of a 2PC state: per-RM facts as a sorted multiset.
struct TpcCanonical {
  std::size_t n;
  auto operator()(const TwoPhaseCommit::State& s) const {
    std::vector<std::tuple<int, int, int>> rms;
    for (std::size_t i = 0; i < n; ++i)
      rms.emplace_back(static_cast<int>(s.rm[i]), s.tm_prepared >> i & 1, s.msg_prepared >> i & 1);
    std::sort(rms.begin(), rms.end());
    return std::tuple(rms, s.tm, s.msg_commit, s.msg_abort);
  }
};

TEST(CheckWaterJug, BfsFindsTheShortestSolution) {
  const WaterJug model(3, 5, 4);
  const auto report = Checker(model).run();
  EXPECT_EQ(report.verdict, Verdict::violation);
  EXPECT_EQ(report.property, "big jug never holds the target");
  ASSERT_EQ(report.trace.size(), 7u);  // initial state + the 6-step solution
  EXPECT_EQ(report.trace.back().state.big, 4);
  // Every step is a real transition of the model.
  for (std::size_t i = 1; i < report.trace.size(); ++i)
    EXPECT_EQ(model.next_state(report.trace[i - 1].state, *report.trace[i].action), report.trace[i].state);
}

TEST(CheckWaterJug, UnreachableTargetExhaustsTheNaiveCount) {
  const WaterJug model(3, 5, 9);  // 9 never fits: no violation
  const std::size_t expected = naive_reachable(model, jug_key);
  for (Search search : {Search::bfs, Search::dfs}) {
    const auto report = Checker(model).search(search).run();
    EXPECT_EQ(report.verdict, Verdict::ok);
    EXPECT_EQ(report.distinct_states, expected) << to_string(search);
  }
  EXPECT_EQ(expected, 16u);  // (0..3, 0..5) minus states with both jugs partly full
}

TEST(CheckWaterJug, DfsAndRandomWalksFindTheViolationToo) {
  const WaterJug model(3, 5, 4);
  const auto dfs = Checker(model).search(Search::dfs).run();
  EXPECT_EQ(dfs.verdict, Verdict::violation);
  EXPECT_GE(dfs.trace.size(), 7u);  // not necessarily the shortest
  const auto walk = Checker(model).random_walks(200, 30, 7).run();
  EXPECT_EQ(walk.verdict, Verdict::violation);
  const auto again = Checker(model).random_walks(200, 30, 7).run();
  ASSERT_EQ(walk.trace.size(), again.trace.size());  // same seed, same walk
  for (std::size_t i = 0; i < walk.trace.size(); ++i) EXPECT_EQ(walk.trace[i].state, again.trace[i].state);
}

TEST(CheckTwoPhaseCommit, CountsMatchANaiveSearch) {
  for (std::size_t rms : {1u, 2u, 3u, 4u}) {
    const TwoPhaseCommit model(rms);
    const std::size_t expected = naive_reachable(model, tpc_key);
    for (Search search : {Search::bfs, Search::dfs}) {
      const auto report = Checker(model).search(search).run();
      EXPECT_EQ(report.verdict, Verdict::ok) << rms;
      EXPECT_EQ(report.distinct_states, expected) << rms << " " << to_string(search);
    }
    for (unsigned threads : {2u, 3u}) {
      const auto report = Checker(model).threads(threads).run();
      EXPECT_EQ(report.distinct_states, expected) << rms << " threads " << threads;
    }
    const auto wide = Checker(model).fp128().run();
    EXPECT_EQ(wide.distinct_states, expected);
    EXPECT_EQ(wide.fingerprint_bits, 128u);
  }
  EXPECT_EQ(naive_reachable(TwoPhaseCommit(3), tpc_key), 288u);  // TLA+ TwoPhase, 3 RMs
}

TEST(CheckTwoPhaseCommit, SymmetryCountsMatchNaiveCanonicalClasses) {
  for (std::size_t rms : {2u, 3u, 4u, 5u}) {
    const TwoPhaseCommit model(rms);
    const std::size_t classes = naive_reachable(model, TpcCanonical{rms});
    const auto full = Checker(model).run();
    const auto reduced = Checker(model).symmetry().run();
    EXPECT_EQ(reduced.verdict, Verdict::ok);
    EXPECT_EQ(reduced.distinct_states, classes) << rms;
    EXPECT_LT(reduced.distinct_states, full.distinct_states) << rms;
    EXPECT_EQ(Checker(model).symmetry().threads(2).run().distinct_states, classes);
  }
}

TEST(CheckTwoPhaseCommit, SeededBugGivesTheSameShortestTraceForAnyThreadCount) {
  const TwoPhaseCommit model(3, /*buggy_tm=*/true);
  const auto one = Checker(model).run();
  ASSERT_EQ(one.verdict, Verdict::violation);
  EXPECT_EQ(one.property, "no RM commits while another aborts");
  for (unsigned threads : {2u, 4u}) {
    const auto many = Checker(model).threads(threads).run();
    EXPECT_EQ(many.verdict, Verdict::violation);
    EXPECT_EQ(many.distinct_states, one.distinct_states);
    EXPECT_EQ(many.states_generated, one.states_generated);
    EXPECT_EQ(many.max_depth, one.max_depth);
    ASSERT_EQ(many.trace.size(), one.trace.size());
    for (std::size_t i = 0; i < one.trace.size(); ++i) {
      EXPECT_EQ(many.trace[i].state, one.trace[i].state);
      EXPECT_EQ(many.trace[i].action_index, one.trace[i].action_index);
    }
  }
  // DFS finds it too; symmetry keeps the verdict and a trace of the same
  // (shortest) length whose steps are concrete transitions of the model.
  EXPECT_EQ(Checker(model).search(Search::dfs).run().verdict, Verdict::violation);
  const auto sym = Checker(model).symmetry().run();
  EXPECT_EQ(sym.verdict, Verdict::violation);
  ASSERT_EQ(sym.trace.size(), one.trace.size());
  for (std::size_t i = 1; i < sym.trace.size(); ++i)
    EXPECT_EQ(model.next_state(sym.trace[i - 1].state, *sym.trace[i].action), sym.trace[i].state);
  // The shortest violation: 3 prepares... no: 2 prepares, TM receives 2, commits,
  // RM 1 receives commit, RM 3 aborts: 7 steps.
  EXPECT_EQ(one.trace.size() - 1, 7u);
}

// A model whose goal can never be reached: the run must fail as vacuous.
struct Counter {
  struct State {
    int value = 0;
    friend bool operator==(const State&, const State&) = default;
  };
  using Action = int;
  template <class F>
  void init_states(F&& f) const { f(State{}); }
  template <class F>
  void actions(const State& s, F&& f) const {
    if (s.value < 10) f(1);
  }
  std::optional<State> next_state(const State& s, int a) const { return State{s.value + a}; }
  bool within_boundary(const State& s) const { return s.value <= limit; }
  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    synod::Hasher h(seed);
    h.add(static_cast<std::uint64_t>(s.value));
    return h.value();
  }
  static bool reaches_ten(const Counter&, const State& s) { return s.value == 10; }
  static bool small(const Counter&, const State& s) { return s.value <= 10; }
  // The bounds rule the goal out when told so (`ten_applicable` false).
  static bool ten_possible(const Counter& c) { return c.ten_applicable; }
  static constexpr std::array<synod::check::Property<Counter>, 2> kProps{
      synod::check::Property<Counter>::always("small", &small),
      synod::check::Property<Counter>::sometimes("reaches ten", &reaches_ten, &ten_possible)};
  std::span<const synod::check::Property<Counter>> properties() const { return kProps; }
  int limit = 10;
  bool ten_applicable = true;
};
static_assert(Counter::State{} == Counter::State{});  // states are values (and Clang sees == used)

TEST(CheckEngine, UnreachedGoalIsVacuousAndBoundaryIsRespected) {
  Counter bounded;
  bounded.limit = 5;
  const auto report = Checker(bounded).run();
  EXPECT_EQ(report.verdict, Verdict::vacuous);
  EXPECT_EQ(report.property, "reaches ten");
  EXPECT_EQ(report.distinct_states, 6u);  // 0..5
  Counter full;
  const auto ok = Checker(full).run();
  EXPECT_EQ(ok.verdict, Verdict::ok);
  EXPECT_EQ(ok.distinct_states, 11u);
  EXPECT_EQ(ok.max_depth, 10u);
  const auto shallow = Checker(full).max_depth(3).run();
  EXPECT_EQ(shallow.distinct_states, 4u);
  EXPECT_FALSE(shallow.complete);
  EXPECT_EQ(shallow.verdict, Verdict::vacuous);
}

// A goal the bounds rule out is reported as not applicable, and the run is
// judged on the other properties (ok here), not failed as vacuous.
TEST(CheckEngine, GoalRuledOutByTheBoundsIsNotApplicable) {
  Counter bounded;
  bounded.limit = 5;
  bounded.ten_applicable = false;
  const auto report = Checker(bounded).run();
  EXPECT_EQ(report.verdict, Verdict::ok);
  EXPECT_TRUE(report.unreached.empty());
  ASSERT_EQ(report.not_applicable.size(), 1u);
  EXPECT_EQ(report.not_applicable[0], "reaches ten");
  Counter full;
  const auto ok = Checker(full).run();
  EXPECT_TRUE(ok.not_applicable.empty());
}

TEST(CheckEngine, SymmetryOnAModelWithoutCanonicalFingerprintIsRejected) {
  const WaterJug model;
  EXPECT_THROW((void)Checker(model).symmetry().run(), std::invalid_argument);
}

TEST(CheckEngine, CollisionProbabilityAndSeenSetSize) {
  const TwoPhaseCommit model(6);
  const auto report = Checker(model).run();
  const double n = static_cast<double>(report.distinct_states);
  EXPECT_NEAR(report.collision_probability, n * n / std::ldexp(1.0, 65), 1e-20);
  EXPECT_LE(static_cast<double>(report.seen_set_bytes) / n, 16.0 * 1.5);  // small tables: 64 shards of >= 16 slots
  const auto wide = Checker(model).fp128().run();
  EXPECT_NEAR(wide.collision_probability, n * n / std::ldexp(1.0, 129), 1e-40);
}

// Every chunk that `threads` threads claim at once from `claims` (already
// reset), sorted.
static std::vector<std::size_t> claimed_at_once(synod::check::detail::ChunkRanges& claims, unsigned threads) {
  std::vector<std::vector<std::size_t>> taken(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      unsigned range = t;
      for (std::size_t c; (c = claims.next(t, range)) != claims.kNone;) taken[t].push_back(c);
    });
  for (auto& w : workers) w.join();
  std::vector<std::size_t> all;
  for (const auto& v : taken) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  return all;
}

TEST(CheckEngine, ChunkRangesHandOutEveryChunkOnceOwnRangeFirst) {
  synod::check::detail::ChunkRanges claims;
  for (unsigned threads : {1u, 2u, 3u, 4u}) {
    for (std::size_t chunks : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{64}}) {
      // One thread alone takes its own range first, then the later ones,
      // wrapping round, each in order: every chunk exactly once.
      for (unsigned t = 0; t < threads; ++t) {
        claims.reset(chunks, threads);
        std::vector<std::size_t> taken;
        unsigned range = t;
        for (std::size_t c; (c = claims.next(t, range)) != claims.kNone;) taken.push_back(c);
        std::vector<std::size_t> expected;
        for (std::size_t i = 0; i < chunks; ++i) expected.push_back((chunks * t / threads + i) % chunks);
        EXPECT_EQ(taken, expected) << threads << " threads, " << chunks << " chunks, thread " << t;
      }
      // All threads at once: still every chunk exactly once.
      claims.reset(chunks, threads);
      const std::vector<std::size_t> all = claimed_at_once(claims, threads);
      std::vector<std::size_t> every(chunks);
      for (std::size_t i = 0; i < chunks; ++i) every[i] = i;
      EXPECT_EQ(all, every) << threads << " threads, " << chunks << " chunks";
    }
  }
}

// With ranges that start where the caller says (ChunkRanges::reset's
// `first`: where each thread built its part of the level), including empty
// ones: a thread alone takes its own range first, then the later ones,
// wrapping round, each in order; every chunk exactly once.
TEST(CheckEngine, ChunkRangesStartWhereTold) {
  synod::check::detail::ChunkRanges claims;
  struct Case {
    std::size_t chunks;
    std::vector<std::size_t> first;
  };
  const Case cases[] = {{10, {0, 7}}, {10, {0, 0}}, {10, {0, 10}}, {9, {0, 2, 2}}, {9, {0, 1, 8}}, {5, {0, 5, 5, 5}}};
  for (const Case& c : cases) {
    const auto threads = static_cast<unsigned>(c.first.size());
    for (unsigned t = 0; t < threads; ++t) {
      claims.reset(c.chunks, threads, c.first);
      EXPECT_EQ(claims.begin(t), c.first[t]);
      std::vector<std::size_t> taken;
      unsigned range = t;
      for (std::size_t k; (k = claims.next(t, range)) != claims.kNone;) taken.push_back(k);
      // Own range, then the ranges after it in thread order, wrapping round.
      std::vector<std::size_t> expected;
      for (unsigned u = 0; u < threads; ++u) {
        const unsigned r = (t + u) % threads;
        const std::size_t end = r + 1 == threads ? c.chunks : c.first[r + 1];
        for (std::size_t k = c.first[r]; k < end; ++k) expected.push_back(k);
      }
      EXPECT_EQ(taken, expected) << c.chunks << " chunks, thread " << t << " of " << threads;
    }
    claims.reset(c.chunks, threads, c.first);
    const std::vector<std::size_t> all = claimed_at_once(claims, threads);
    std::vector<std::size_t> every(c.chunks);
    for (std::size_t i = 0; i < c.chunks; ++i) every[i] = i;
    EXPECT_EQ(all, every) << c.chunks << " chunks, " << threads << " threads";
  }
}

// A worker sets up (on_start) while the caller may already search, so it
// faults its pages in by writing them (populate_written), not with madvise,
// which held up the caller's own mmap calls; the caller's thread is not
// affected, and the worker's setting ends with its set-up.
TEST(CheckEngine, WorkerPoolWorkersPopulateByWritingWhileTheySetUp) {
  std::atomic<int> during{-1};
  synod::check::detail::WorkerPool pool(2, [&] {
    during = synod::check::detail::populate_by_writing ? 1 : 0;
    void* p = synod::check::detail::map_zeroed(std::size_t{1} << 20);
    synod::check::detail::populate_written(p, std::size_t{1} << 20);  // by writing: zero, resident
    const auto* b = static_cast<const unsigned char*>(p);
    bool zero = true;
    for (std::size_t i = 0; i < (std::size_t{1} << 20); i += 4096) zero = zero && b[i] == 0;
    if (!zero) during = 2;
    synod::check::detail::unmap_zeroed(p, std::size_t{1} << 20);
  });
  EXPECT_FALSE(synod::check::detail::populate_by_writing);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pool.ready() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(pool.ready());
  EXPECT_EQ(during.load(), 1);
  std::atomic<int> after{-1};
  pool.run(2, [&](unsigned t) {
    if (t == 1) after = synod::check::detail::populate_by_writing ? 1 : 0;
  });
  EXPECT_EQ(after.load(), 0);
  {
    const synod::check::detail::PopulateByWriting outer;
    {
      const synod::check::detail::PopulateByWriting inner;
      EXPECT_TRUE(synod::check::detail::populate_by_writing);
    }
    EXPECT_TRUE(synod::check::detail::populate_by_writing);
  }
  EXPECT_FALSE(synod::check::detail::populate_by_writing);
}

// A worker is ready once its on_start is done, and a pool without workers
// at once.
TEST(CheckEngine, WorkerPoolIsReadyWhenEveryWorkerHasStarted) {
  EXPECT_TRUE(synod::check::detail::WorkerPool(1).ready());
  std::atomic<bool> release{false};
  synod::check::detail::WorkerPool pool(2, [&] {
    while (!release.load()) std::this_thread::yield();
  });
  EXPECT_FALSE(pool.ready());
  int alone = 0;
  pool.run(1, [&](unsigned t) { alone += static_cast<int>(t) + 1; });  // the caller alone needs no worker
  EXPECT_EQ(alone, 1);
  EXPECT_FALSE(pool.ready());
  release = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pool.ready() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(pool.ready());
  std::atomic<int> both{0};
  pool.run(2, [&](unsigned t) { both += static_cast<int>(t) + 1; });
  EXPECT_EQ(both.load(), 3);
}

// A walk on a 41 x 41 grid (each step adds 1 to x or to y), whose worker
// threads finish prepare_thread() only once the search has reached the
// anti-diagonal x + y = 36. Levels of 33 states or more are split into
// chunks for two threads from level 32 on, so the BFS must run them alone
// until the worker is ready (waiting for it would wait for its own
// progress), and the results must be those of one thread.
struct SlowWorkerGrid {
  struct State {
    int x = 0, y = 0;
    friend bool operator==(const State&, const State&) = default;
  };
  using Action = int;  // 0: x + 1, 1: y + 1
  struct Shared {
    std::thread::id caller = std::this_thread::get_id();
    std::atomic<bool> reached{false};   // a state with x + y >= 36 was built
    std::atomic<bool> timed_out{false};  // a worker gave up waiting for it
  };
  Shared* shared = nullptr;

  template <class F>
  void init_states(F&& f) const { f(State{}); }
  template <class F>
  void actions(const State& s, F&& f) const {
    if (s.x < 40) f(0);
    if (s.y < 40) f(1);
  }
  std::optional<State> next_state(const State& s, int a) const {
    const State n{s.x + (a == 0), s.y + (a == 1)};
    if (n.x + n.y >= 36) shared->reached.store(true);
    return n;
  }
  bool within_boundary(const State&) const { return true; }
  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    synod::Hasher h(seed);
    h.add(static_cast<std::uint64_t>(s.x));
    h.add(static_cast<std::uint64_t>(s.y));
    return h.value();
  }
  void prepare_thread() const {
    if (std::this_thread::get_id() == shared->caller) return;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!shared->reached.load()) {
      if (std::chrono::steady_clock::now() > deadline) {
        shared->timed_out.store(true);
        return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  static bool below(const SlowWorkerGrid&, const State& s) { return s.x + s.y < 70 || s.x != s.y; }
  static constexpr std::array<synod::check::Property<SlowWorkerGrid>, 1> kProps{
      synod::check::Property<SlowWorkerGrid>::always("not on the diagonal past 70", &below)};
  std::span<const synod::check::Property<SlowWorkerGrid>> properties() const { return kProps; }
};

TEST(CheckEngine, LevelsRunAloneUntilTheWorkersAreReady) {
  SlowWorkerGrid::Shared one_shared, two_shared;
  const auto one = Checker(SlowWorkerGrid{&one_shared}).run();
  const auto two = Checker(SlowWorkerGrid{&two_shared}).threads(2).run();
  EXPECT_FALSE(two_shared.timed_out.load()) << "the search waited for a worker that waited for the search";
  ASSERT_EQ(one.verdict, Verdict::violation);
  EXPECT_EQ(two.verdict, Verdict::violation);
  EXPECT_EQ(two.distinct_states, one.distinct_states);
  EXPECT_EQ(two.states_generated, one.states_generated);
  EXPECT_EQ(two.max_depth, one.max_depth);
  ASSERT_EQ(two.trace.size(), one.trace.size());
  EXPECT_EQ(one.trace.size(), 71u);  // the initial state and 70 steps to (35, 35)
  for (std::size_t i = 0; i < one.trace.size(); ++i) EXPECT_EQ(two.trace[i].state, one.trace[i].state);
}

#if defined(__linux__)
// The pool's caller, done with its share of a phase while a worker that
// last ran on the caller's CPU is still busy, moves itself to another CPU
// (WorkerPool::separate), and is not left pinned. The worker here pins
// itself to the caller's CPU, and so does the caller, so the two share it
// for sure.
TEST(CheckEngine, WorkerPoolCallerLeavesABusyWorkersCpu) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  if (CPU_COUNT(&allowed) < 2 || std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs two CPUs";
  const int cpu = sched_getcpu();
  ASSERT_GE(cpu, 0);
  cpu_set_t only;
  CPU_ZERO(&only);
  CPU_SET(cpu, &only);
  synod::check::detail::WorkerPool pool(2);
  // Phase 1: the worker pins itself to the caller's CPU.
  int worker_cpu = -1;
  pool.run(2, [&](unsigned t) {
    if (t == 1) {
      sched_setaffinity(0, sizeof only, &only);
      worker_cpu = sched_getcpu();
    }
  });
  ASSERT_EQ(worker_cpu, cpu);
  // The caller pins itself to that CPU too; moving it must also unpin it.
  ASSERT_EQ(sched_setaffinity(0, sizeof only, &only), 0);
  const unsigned before = pool.nudges();
  // Phase 2: the worker needs 20 ms of CPU time; the caller's share is nothing.
  bool worked = false;
  pool.run(2, [&](unsigned t) {
    if (t != 1) return;
    auto cpu_ms = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
    };
    const double start = cpu_ms();
    while (cpu_ms() - start < 20) {
    }
    worked = true;
  });
  EXPECT_TRUE(worked);
  EXPECT_EQ(pool.nudges(), before + 1);
  cpu_set_t now;
  CPU_ZERO(&now);
  ASSERT_EQ(sched_getaffinity(0, sizeof now, &now), 0);
  EXPECT_TRUE(CPU_EQUAL(&now, &allowed)) << "the caller was left pinned";
  sched_setaffinity(0, sizeof allowed, &allowed);  // for the tests after this one, whatever happened
  // Nothing to move when the worker is done first: the caller's share is longer.
  const unsigned after = pool.nudges();
  pool.run(2, [&](unsigned t) {
    if (t == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  EXPECT_EQ(pool.nudges(), after);
}

// Threads spin between phases only when each has a CPU of its own among
// those the process may use: on one allowed CPU a spinning thread would
// hold the CPU the thread it waits for needs.
TEST(CheckEngine, WorkerPoolSpinsOnlyWithACpuPerThread) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  const int count = CPU_COUNT(&allowed);
  if (count < 2 || std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs two CPUs";
  EXPECT_TRUE(synod::check::detail::WorkerPool(2).spins());
  EXPECT_FALSE(synod::check::detail::WorkerPool(static_cast<unsigned>(count) + 1).spins());
  cpu_set_t only;
  CPU_ZERO(&only);
  CPU_SET(sched_getcpu(), &only);
  ASSERT_EQ(sched_setaffinity(0, sizeof only, &only), 0);
  const bool spins_on_one = synod::check::detail::WorkerPool(2).spins();
  const bool alone_spins = synod::check::detail::WorkerPool(1).spins();
  sched_setaffinity(0, sizeof allowed, &allowed);
  EXPECT_FALSE(spins_on_one) << "2 threads on 1 allowed CPU must not spin";
  EXPECT_TRUE(alone_spins);
}
#endif

}  // namespace
