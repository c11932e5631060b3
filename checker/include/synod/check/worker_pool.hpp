// synod/check/worker_pool.hpp - the threads a parallel BFS runs its phases on.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <synod/check/memory.hpp>

#if defined(__linux__)
#include <sched.h>
#endif

namespace synod::check::detail {

// Worker threads that live for a whole search: each parallel phase hands
// them a body and waits for all to finish it. Spawning threads per phase
// would cost little by itself, but every new thread starts with cold
// thread-local caches (the models' memo caches), which are large.
//
// A BFS level has three phases, and a short search has hundreds of them,
// many short; waking a thread blocked on a condition variable is slow
// next to that, above all on a virtual machine. So both sides first spin
// briefly (kSpin, when there are no more threads than CPUs the process may
// run on: spinning must not take a core from a thread that works), then
// block.
//
// The spin stays short: when other processes compete for the CPUs, a
// spinning thread holds the CPU that the thread it waits for needs, so a
// long spin (or one that yields) loses more under load than it gains on an
// idle machine. Linux sometimes waking a blocked worker on the caller's CPU
// is dealt with directly instead: see separate().
//
// Each worker first runs `on_start` (e.g. allocating its thread-local
// caches), while the caller goes on alone: a BFS's first levels are too
// small to share, so a worker's set-up overlaps them instead of delaying
// the levels it shares. Until ready(), the caller should run its phases
// alone: a phase waits for every thread it is given, and a worker still in
// on_start joins it only when that is done.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads, std::function<void()> on_start = {})
      : threads_(threads == 0 ? 1 : threads), on_start_(std::move(on_start)), cpus_(std::make_unique<Cpu[]>(threads_)) {
    // Spinning only pays when every thread has a CPU of its own: the CPUs
    // this process may run on (taskset, a container's cpuset), not the
    // machine's. Threads that spin on fewer CPUs than threads take turns
    // on them and are slower together than one thread alone.
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
  // at a time), so the phase takes as long as the two shares one after the
  // other. So the caller, once its own share of a phase is done and a
  // worker's is not, compares its CPU with the one that worker last ran on
  // (when it started or finished a job, or started up): if they are the
  // same, the caller forbids itself that CPU, which makes the kernel move it
  // at once, and allows it again, so it is never pinned. Which CPU runs what
  // never changes a result.
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
    // A new thread sometimes starts on its creator's CPU, where its set-up
    // (faulting its memo caches in) would share a CPU with the caller's
    // search until the scheduler moved one of them: it steps off at once
    // instead.
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

}  // namespace synod::check::detail
