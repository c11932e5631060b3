// alloc_counter.hpp - counts every global heap allocation in the process.
//
// Link synod_alloc_counter into a test executable and it replaces the global
// operator new/delete family and malloc's C++ entry points with counting
// versions. Wrap kernel calls in an AllocationScope to assert none happened:
//
//   synod::test::AllocationScope scope;
//   node.step(msg);
//   EXPECT_EQ(scope.allocations(), 0u);
#pragma once

#include <cstddef>
#include <cstdint>

namespace synod::test {

// Allocations made through operator new / malloc since process start.
std::uint64_t allocation_count();

class AllocationScope {
 public:
  AllocationScope() : start_(allocation_count()) {}
  std::uint64_t allocations() const { return allocation_count() - start_; }

 private:
  std::uint64_t start_;
};

}  // namespace synod::test
