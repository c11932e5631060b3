// Zero heap allocations: the kernel runs >= 100,000 chaotic steps, decree
// after decree, without one call to operator new. The driver counts the
// allocations made inside kernel calls only (its own bookkeeping may
// allocate).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "alloc_counter.hpp"
#include "driver.hpp"

namespace synod::paxos {
namespace {

// The control: the counter does see an allocation, so a zero below means something.
TEST(PaxosAllocation, CounterSeesAnAllocation) {
  synod::test::AllocationScope scope;
  int* volatile p = new int(7);
  const std::uint64_t seen = scope.allocations();
  delete p;
  EXPECT_GE(seen, 1u);
}

TEST(PaxosAllocation, NoHeapAllocationAcross100kSteps) {
  using Driver = test::Driver<DefaultConfig>;
  test::Faults faults;
  faults.drop_percent = 10;
  faults.duplicate_percent = 10;
  faults.crash_percent = 2;
  faults.max_crashed = 2;
  Options base;
  base.retry_timeout_min = 5;
  base.retry_timeout_max = 10;
  Driver d(5, base);
  d.allocation_counter = &synod::test::allocation_count;
  SplitMix64 rng(2026);
  std::uint64_t steps = 0, decrees = 0, learned = 0;
  std::string violation;
  while (steps < 120000) {
    d.reset();
    (void)d.propose(1, 1000 + decrees);
    (void)d.propose(2, 2000 + decrees);
    for (int i = 0; i < 3000 && !d.all_learned(); ++i, ++steps) d.random_step(rng, faults);
    learned += d.all_learned() ? 1 : 0;
    if (!d.ok() && violation.empty()) violation = d.detail();
    ++decrees;
  }
  EXPECT_EQ(d.kernel_allocations, 0u) << "over " << d.kernel_calls << " kernel calls";
  EXPECT_GE(d.kernel_calls, 100000u);
  std::printf("%llu steps, %llu decrees, %llu learned by every running node\n",
              static_cast<unsigned long long>(steps), static_cast<unsigned long long>(decrees),
              static_cast<unsigned long long>(learned));
  EXPECT_TRUE(violation.empty()) << violation;
  EXPECT_GE(steps, 100000u);
  EXPECT_GT(learned, decrees / 2) << "decrees: " << decrees;
}

}  // namespace
}  // namespace synod::paxos
