// core-latency: how long a cache line takes to travel between two CPUs, one
// way, in nanoseconds: two threads, pinned to the first two CPUs this
// process may use, hand a counter back and forth. tools/bench-checker.sh
// prints it next to each round.
//
// Why: on a virtual machine the host decides which physical cores the
// vCPUs run on, and moves them. On the AMD EPYC host of docs/checker.md
// (Round 14) the two vCPUs were sometimes on cores sharing an L3 (about
// 30 ns one way) and sometimes on different dies (about 165 ns); the
// checker's 1 -> 2 thread speed-up on the quick specs fell from 1.7-1.9x
// to 1.5-1.6x in the second case, while two separate 1-thread processes
// (which share nothing) scaled as well as ever.
//
// Usage: core-latency [ROUND_TRIPS]   prints the median of 7 batches, or
// "-" when fewer than two CPUs are allowed. Build: c++ -O2 -pthread.
// Only meaningful on an idle machine: when another program holds one of
// the two CPUs, each hand-over waits for the scheduler (hundreds of ns to
// microseconds), which looks like distance.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

alignas(64) std::atomic<long> ball{0};

}  // namespace

int main(int argc, char** argv) {
  const long trips = argc > 1 ? std::atol(argv[1]) : 20000;
  if (trips <= 0) {
    std::fprintf(stderr, "usage: core-latency [ROUND_TRIPS > 0]\n");
    return 2;
  }
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    std::puts("-");
    return 0;
  }
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c)
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  if (cpus.size() < 2) {
    std::puts("-");
    return 0;
  }
  if (!pin(cpus[0])) {
    std::puts("-");
    return 0;
  }
  std::vector<double> one_way;
  std::atomic<bool> pinned{true};
  for (int batch = 0; batch < 7; ++batch) {
    ball.store(0);
    // The partner answers each odd value with the next even one (and plays
    // even where it could not be pinned, so that neither side waits forever).
    std::atomic<bool> ready{false};
    std::thread partner([&] {
      if (!pin(cpus[1])) pinned.store(false);
      ready.store(true, std::memory_order_release);
      for (long i = 0; i < trips; ++i) {
        while (ball.load(std::memory_order_acquire) != 2 * i + 1) {
        }
        ball.store(2 * i + 2, std::memory_order_release);
      }
    });
    while (!ready.load(std::memory_order_acquire)) {  // timed once the partner is on its CPU
    }
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < trips; ++i) {
      ball.store(2 * i + 1, std::memory_order_release);
      while (ball.load(std::memory_order_acquire) != 2 * i + 2) {
      }
    }
    const auto end = std::chrono::steady_clock::now();
    partner.join();
    one_way.push_back(std::chrono::duration<double, std::nano>(end - start).count() / static_cast<double>(trips) / 2);
  }
  if (!pinned.load()) {
    std::puts("-");
    return 0;
  }
  std::sort(one_way.begin(), one_way.end());
  std::printf("%.0f\n", one_way[one_way.size() / 2]);
  return 0;
}
