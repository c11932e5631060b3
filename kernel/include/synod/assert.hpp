// synod/assert.hpp - SYNOD_ASSERT for internal invariants only.
//
// Bad input is never asserted on: it is a value (a result enum, an ignored
// message). SYNOD_ASSERT guards what the kernel itself guarantees; a failure
// is a kernel bug. Define SYNOD_ASSERT before including any synod header to
// route failures elsewhere (a test harness, a logger).
#pragma once

#ifndef SYNOD_ASSERT
#include <cstdlib>
#define SYNOD_ASSERT(cond) \
  do {                     \
    if (!(cond)) {         \
      std::abort();        \
    }                      \
  } while (false)
#endif
